"""``python -m fugou.orchestration --print-env``: shell exports for running Airflow by hand."""

import sys

from fugou.orchestration.dag_runner import main

sys.exit(main())
