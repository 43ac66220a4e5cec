"""``dbt docs generate`` works as docs/operations.md documents it, for a newcomer.

The documented command, run from the repository root with no ``FUGOU_WAREHOUSE`` in the environment
(fugou's own runs set it, a person typing the command does not)::

    .venv/bin/dbt docs generate --project-dir dbt_project --profiles-dir dbt_project

``dbt_project/profiles.yml`` then reads the warehouse fugou itself uses: ``$FUGOU_HOME/warehouse.duckdb``,
and without ``FUGOU_HOME`` ``data/warehouse.duckdb`` beside ``dbt_project/``. The tests write dbt's
``target/`` and logs into ``tmp_path`` (``--target-path``, ``--log-path``) so the repository stays clean.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
# what fugou's runs (fugou.transform.cli.dbt_env) or a dbt user's shell might set: none of it is needed
NOT_NEEDED = ("FUGOU_WAREHOUSE", "FUGOU_SNAPSHOT_DATE", "FUGOU_DBT_TARGET", "DBT_PROFILES_DIR", "DBT_PROJECT_DIR",
              "DBT_TARGET_PATH", "DBT_LOG_PATH")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_NEEDED}
    env.pop("FUGOU_HOME", None)
    env.update(extra)
    return env


def _dbt(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DBT), *args, "--log-path", str(tmp_path / "logs")],
        cwd=REPO, env=env, text=True, capture_output=True, timeout=900,
    )


def test_docs_generate_as_documented_reads_fugou_home_warehouse(warehouse, fugou_home, tmp_path: Path):
    warehouse.close()  # fugou's raw and ops tables exist (as after an import); dbt needs the file to itself
    target = tmp_path / "target"
    proc = _dbt(["docs", "generate", "--project-dir", "dbt_project", "--profiles-dir", "dbt_project",
                 "--target-path", str(target)], _env(FUGOU_HOME=str(fugou_home.home)), tmp_path)

    assert proc.returncode == 0, f"dbt docs generate failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    assert "Env var required" not in proc.stdout + proc.stderr
    assert (target / "index.html").is_file()
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    # the catalog was read from $FUGOU_HOME/warehouse.duckdb: its raw tables are the project's sources
    assert "source.fugou.shop.orders" in catalog["sources"]
    assert "source.fugou.ops.sends" in catalog["sources"]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert "model.fugou.fct_campaign_decisions" in manifest["nodes"]


def test_profile_defaults_to_data_folder_beside_dbt_project(tmp_path: Path):
    # without FUGOU_HOME either: <folder of profiles.yml>/../data/warehouse.duckdb, like fugou's <repo>/data.
    # A copy of the profile in a scratch "repository" shows where it points without touching the real data/.
    scratch = tmp_path / "repo"
    (scratch / "dbt_project").mkdir(parents=True)
    (scratch / "data").mkdir()
    shutil.copy(REPO / "dbt_project" / "profiles.yml", scratch / "dbt_project" / "profiles.yml")
    proc = _dbt(["debug", "--project-dir", "dbt_project", "--profiles-dir", str(scratch / "dbt_project")],
                _env(DBT_TARGET_PATH=str(tmp_path / "target")), tmp_path)

    assert proc.returncode == 0, f"dbt debug failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    assert (scratch / "data" / "warehouse.duckdb").is_file()
