"""The entry points of a child process: probe the environment's imports, or run one case
(:class:`tracker.worker.case_run.CaseRun`) and send its :class:`CaseResult` back.

Everything the plugins print goes to the case's log file.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from tracker.worker.case_run import CaseRun
from tracker.worker.job import RESULT, Job
from tracker.worker.procs import die_with_parent
from tracker.worker.result import CaseResult


def _isolate(job: Job) -> Any:
    """Own process group (so the parent can kill everything we spawn), output to the log,
    Python tracebacks on fatal signals, death when the parent dies."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    die_with_parent(9)
    Path(job.log_path).parent.mkdir(parents=True, exist_ok=True)
    log = open(job.log_path, "ab", buffering=0)  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    faulthandler.enable(file=log, all_threads=True)
    os.environ["TRACKER_THREADS"] = str(job.threads)
    return log


def probe(modules: list[str], connection: Any) -> None:
    """Report which of ``modules`` fail to import in this environment."""
    from tracker.worker import zygote

    errors = {m: e for m, e in zygote.PRELOAD_ERRORS.items() if m in modules}
    for module in modules:
        if module in errors:
            continue
        try:
            __import__(module)
        except BaseException as exc:  # noqa: BLE001
            errors[module] = "".join(traceback.format_exception(exc)[-12:])
    connection.send(("probe", {"errors": errors, "warmup_errors": dict(zygote.WARMUP_ERRORS)}))
    connection.close()


def run_case(job: Job, connection: Any) -> None:
    _isolate(job)
    runner = CaseRun(job, lambda kind, payload: connection.send((kind, payload)))
    try:
        result = runner.run()
    except BaseException as exc:  # noqa: BLE001 - report, never die silently
        traceback.print_exc()
        result = CaseResult.worker_error(exc)
    connection.send((RESULT, runner.finished(result)))
    connection.close()
