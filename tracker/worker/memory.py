"""Memory: the peak resident memory of a stretch of a child's life (the runtime's session),
from Linux's /proc, and the kernel-backed part of the memory limit.

The limit per case (``--memory-limit``) is enforced twice. The pool polls each child's
resident memory (:mod:`tracker.worker.pool`) and kills it above the limit: ``crash`` with
sub-kind ``memory``. Between two polls a child can allocate gigabytes, so each child also
runs under ``RLIMIT_DATA`` (:func:`run_limited`) at :data:`DATA_LIMIT_FACTOR` times the
limit: an allocation beyond it fails at once (a ``MemoryError``, recorded as the same
``crash``/``memory``: :func:`exhausted`).

Why ``RLIMIT_DATA`` and not ``RLIMIT_AS``: the address space counts every reservation a
runtime makes without touching it (thread stacks, allocator arenas, mapped libraries:
``VmSize`` is several times ``VmRSS``), so ``RLIMIT_AS`` at a resident-memory limit fails
imports and session creation that use little memory. ``RLIMIT_DATA`` (Linux >= 4.7)
counts only private writable memory: measured on a tiny ONNX Runtime session (a 256x256
MatMul, onnxruntime 1.31.1), VmData 129 MB for VmRSS 73 MB, hence the factor 2.
Where the platform has no ``resource`` module or ``RLIMIT_DATA``, only the poll applies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

# RLIMIT_DATA is set this many times the --memory-limit (see the module's docstring)
DATA_LIMIT_FACTOR = 2.0


def data_limit_bytes(memory_limit_mb: float) -> int:
    return int(memory_limit_mb * DATA_LIMIT_FACTOR * 1024 * 1024)


def limit_data(limit_bytes: int) -> bool:
    """Lower this process's ``RLIMIT_DATA`` to ``limit_bytes`` (never above the hard limit);
    False where the platform cannot."""
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit_bytes = min(limit_bytes, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit_bytes, hard))
    except (ImportError, AttributeError, ValueError, OSError):
        return False
    return True


def run_limited(limit_bytes: int | None, target: Callable[..., Any], *args: Any) -> None:
    """A child's entry point: ``target(*args)`` under ``RLIMIT_DATA`` of ``limit_bytes``."""
    if limit_bytes is not None:
        limit_data(limit_bytes)
    target(*args)


def exhausted(signature: str | None) -> bool:
    """Whether a failure's signature is an allocation refused (Python's ``MemoryError`` or a
    subclass, such as NumPy's ``_ArrayMemoryError``): under the data limit, the limit's doing."""
    kind = (signature or "").split(":", 1)[0]
    return kind.endswith("MemoryError")


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def start_peak_window() -> float | None:
    """Reset the process's peak RSS to its current RSS; return the current RSS in MB."""
    with contextlib.suppress(OSError):
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # resets VmHWM (Linux >= 4.0)
    return _status_mb("VmRSS")


def peak_window_since(before: float | None) -> dict[str, float]:
    """``session_rss_mb``: how far the peak RSS rose above ``before``."""
    peak = _status_mb("VmHWM")
    if before is None or peak is None:
        return {}
    return {"rss_before_load_mb": before, "session_rss_mb": max(0.0, peak - before)}
