"""Imported once in the fork server, before any case is forked from it.

It imports the heavy modules the pair's plugins declare in ``preload`` and runs their
``warmup()``, so each case starts in milliseconds with torch (say) already imported.
Failures are kept, not raised: the first child reports them and the pair is recorded as
``env_error`` with the importer's message.

Configured by the ``TRACKER_ZYGOTE`` environment variable (JSON: ``modules``,
``components``: [[kind, name, options], ...]), set by the parent before the fork server starts.
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
