"""The peak resident memory of a stretch of a child's life (the runtime's session), from
Linux's /proc: the peak is reset before the runtime loads the artifact and read after it
ran. Elsewhere nothing is measured."""

from __future__ import annotations

import contextlib


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
