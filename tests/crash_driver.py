"""Run the steps of one day as the DAG does, in a process that kills itself (SIGKILL) at a chosen moment.

``python tests/crash_driver.py HOME DAY FIRST_STEP KILL`` runs the pipeline steps from FIRST_STEP on and
prints each step's result as a JSON line. KILL is ``none``, ``call:<module>:<function>`` (killed when that
function is called), ``after:<seconds>:<module>:<function>`` (killed that long after it was called: in the
middle of it) or ``rename:<end of the destination>`` (killed just before a temporary file or folder is
renamed into place, the moment a crash leaves the most behind)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

STEPS = ("ingest", "gate_raw", "build", "gate_marts", "export", "evaluations", "publish", "report", "finish")


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(kill: str) -> None:
    kind, _, spec = kill.partition(":")
    if kind == "rename":
        for name in ("replace", "rename"):
            original = getattr(os, name)

            def patched(src, dst, *args, _original=original, **kwargs):
                if str(dst).endswith(spec):
                    _die()
                return _original(src, dst, *args, **kwargs)

            setattr(os, name, patched)
    elif kind in ("call", "after"):
        delay = 0.0
        if kind == "after":
            seconds, _, spec = spec.partition(":")
            delay = float(seconds)
        module_name, _, function = spec.rpartition(":")
        module = importlib.import_module(module_name)
        original = getattr(module, function)

        def wrapped(*args, **kwargs):
            if delay:
                threading.Timer(delay, _die).start()
            else:
                _die()
            return original(*args, **kwargs)

        setattr(module, function, wrapped)


def main(home: str, day: str, first: str, kill: str) -> None:
    os.environ["FUGOU_HOME"] = home
    from fugou.orchestration import pipeline
    from fugou.settings import paths

    p = paths(Path(home))
    if kill != "none":
        _arm(kill)
    run = {
        "ingest": lambda: pipeline.ingest(day, p),
        "gate_raw": lambda: pipeline.gate("raw", day, p),
        "build": lambda: pipeline.build_models(day, p),
        "gate_marts": lambda: pipeline.gate("marts", day, p),
        "export": lambda: pipeline.export_send_lists(day, p),
        "evaluations": lambda: pipeline.export_evaluations(day, p),
        "publish": lambda: pipeline.publish(day, p),
        "report": lambda: pipeline.report(day, p),
        "finish": lambda: pipeline.finish(day, p),
    }
    for step in STEPS[STEPS.index(first):]:
        print(json.dumps({"step": step, **pipeline._jsonable(run[step]())}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
