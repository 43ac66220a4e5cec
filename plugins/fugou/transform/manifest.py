"""What dbt knows about the models, read from its manifest (``$FUGOU_HOME/dbt/target/manifest.json``, written
by every dbt build or parse): each model's schema, tags and ``meta`` (e.g. ``publish_partitioned_by``,
``contains_pii``), so that no list of models is kept in Python."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fugou.settings import Paths, paths


@dataclass(frozen=True)
class ModelInfo:
    """One model of the project as the manifest describes it."""

    name: str
    schema: str
    tags: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


def models(p: Paths | None = None) -> dict[tuple[str, str], ModelInfo]:
    """The project's models by (schema, name) in the warehouse. Parses the project first (``dbt parse``)
    when this FUGOU_HOME has no manifest yet."""
    p = p or paths()
    manifest = p.dbt_target / "manifest.json"
    if not manifest.is_file():
        from fugou.transform.cli import run_dbt

        run_dbt(["parse", "--quiet"], p=p)
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    out = {}
    for node in nodes.values():
        if node.get("resource_type") != "model":
            continue
        name = node.get("alias") or node["name"]
        meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
        out[(node["schema"], name)] = ModelInfo(name, node["schema"], tuple(node.get("tags") or ()), meta)
    return out
