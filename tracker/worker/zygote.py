"""Imported once in the fork server, before any case is forked from it.

It imports the heavy modules the pair's plugins declare in ``preload`` and runs their
``warmup()``, so each case starts in milliseconds with torch (say) already imported.
Failures are kept, not raised: the first child reports them and the pair is recorded as
``env_error`` with the importer's message.

It also does once what every child would otherwise do again from its fork: import the
child's own modules (:mod:`tracker.worker.child`), run the parent's main script (which
:mod:`multiprocessing` runs in each child it starts from a script, as ``__mp_main__``:
``tracker run`` is one, and it imports the whole command line), load the registry, and
compute the content hash of each case the pair will run (a catalog case's hash parses its
builder's module: tens of milliseconds). A child still checks its case's hash against
the one its job was planned with; both are computed before the first case starts.

Configured by the ``TRACKER_ZYGOTE`` environment variable (JSON: ``modules``,
``components``: [[kind, name, options], ...], ``main_path``: the parent's main script or
null, ``cases``: the ids of the cases to run), set by the parent before the fork server starts.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import traceback
from collections.abc import Iterator
from typing import Any

PRELOAD_ERRORS: dict[str, str] = {}
WARMUP_ERRORS: dict[str, str] = {}
REGISTRY: Any = None


def _preload() -> None:
    global REGISTRY
    config = json.loads(os.environ.get("TRACKER_ZYGOTE") or "{}")
    _once_for_every_child(config.get("main_path"))
    for module in config.get("modules", []):
        try:
            importlib.import_module(module)
        except BaseException as exc:  # noqa: BLE001 - anything an import does is evidence
            if isinstance(exc, KeyboardInterrupt):
                raise
            PRELOAD_ERRORS[module] = "".join(traceback.format_exception(exc)[-12:])
    try:
        from tracker.registry import Registry

        REGISTRY = Registry.load()
    except Exception:  # the children load it again and report the error
        REGISTRY = None
        return
    _hash_cases(REGISTRY, config.get("cases", []))
    if PRELOAD_ERRORS:
        return
    for kind, name, options in config.get("components", []):
        component = REGISTRY.components.get(kind, {}).get(name)
        if component is None:
            continue
        try:
            component.warmup(options)
        except Exception as exc:  # noqa: BLE001
            WARMUP_ERRORS[f"{kind} {name}"] = "".join(traceback.format_exception(exc)[-6:])


def _once_for_every_child(main_path: str | None) -> None:
    """The parent's main script and the child's modules, imported here once. A failure is
    left to each child, which then does the same itself and reports what failed."""
    with contextlib.suppress(Exception):
        if main_path:
            from multiprocessing import spawn

            spawn.import_main_path(main_path)  # a child finds __main__ already this script
    with contextlib.suppress(Exception):
        importlib.import_module("tracker.worker.child")


def _hash_cases(registry: Any, case_ids: list[str]) -> None:
    """Each case's content hash, cached on the registry's case that every child inherits."""
    for case_id in case_ids:
        case = registry.components.get("model", {}).get(case_id)
        with contextlib.suppress(Exception):  # the child computes it again and reports the error
            if case is not None:
                case.content_hash  # noqa: B018 - a cached property: computed once, here


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """What imports and warm-ups print is noise in the sweep's output: drop it."""
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


with _quiet():
    _preload()
