"""Data-quality gates: Great Expectations suites (``expectations/`` at the repository root) run on pandas
frames of the warehouse, from a plain task (DESIGN.md: the GX SQL datasource is broken on DuckDB and the
GX Airflow provider cannot install beside Airflow 3.3).

``run_gate("raw", D)`` runs after ingest (the landing partitions of D); ``run_gate("marts", D)`` after the
dbt build (customer facts, campaign decisions, evaluation: the suites of tables that do not exist yet are
skipped, and the result says so). Each gate

1. reads its frames from the warehouse (one connection, closed before validating),
2. validates them in an ephemeral GX context,
3. appends every expectation's outcome to ``ops.quality_results`` (skipped suites and checks too),
4. renders GX Data Docs to ``$FUGOU_HOME/quality/data_docs/index.html`` (validation results are kept as
   JSON under ``$FUGOU_HOME/quality/validations/``, so the index lists past runs as well), with fugou's own
   page of the run at ``data_docs/fugou/<layer>.html`` and a box linking to it on the index; the folder
   opens with no network (the CDN files GX asks for are served from copies in ``quality/static``), and
5. raises :class:`QualityGateError` (with a readable summary) when a blocking expectation failed.
   Warning-level failures (``[quality] warning`` in ``config/fugou.toml``) are recorded and returned.

The suites are the top-level package ``expectations`` (``<repo>/expectations``, installed with fugou:
``pyproject.toml``), imported on first use (:func:`load_suites`).

* :mod:`fugou.quality.results`: :class:`CheckResult`, :class:`GateResult`, :class:`QualityGateError`;
* :mod:`fugou.quality.reads`: the warehouse read into batches (:func:`raw_batches`, :func:`marts_batches`);
* :mod:`fugou.quality.validate`: the GX context and :func:`check_batches`;
* :mod:`fugou.quality.pages`: fugou's page of a gate run and the box on the GX index;
* :mod:`fugou.quality.offline`: Data Docs without CDNs (``python -m fugou.quality.offline`` for an old folder);
* :mod:`fugou.quality.gx_site`: the GX index builder that keeps the other gate's suite pages;
* :mod:`fugou.quality.gate`: :func:`load_suites`, :func:`quality_config`, :func:`store_results`, :func:`run_gate`.
"""

import os

from fugou.quality.gate import load_suites, quality_config, run_gate, store_results
from fugou.quality.reads import marts_batches, raw_batches
from fugou.quality.results import CheckResult, GateResult, QualityGateError
from fugou.quality.validate import check_batches

# before great_expectations is first imported (by the suites or the GX context)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

__all__ = [
    "CheckResult",
    "GateResult",
    "QualityGateError",
    "check_batches",
    "load_suites",
    "marts_batches",
    "quality_config",
    "raw_batches",
    "run_gate",
    "store_results",
]
