"""The numeric oracle's noise floor: how far the source framework's own float32 run is
from its float64 run, and how far the converted model's output is from the same float64
run (:func:`errors`).

Both are the largest absolute difference over one output (the max norm), over the
elements where both compared arrays are finite. The max norm, not a normalized L2 norm:
a wrong conversion often touches a few elements (a few negative floor divisions, the
duplicated rows of an ``index_put``), which a norm over a large output would dilute;
float32 rounding touches every element of a deep network's output, and its maximum over
many elements is a stable measure of it.

The rule (:func:`within_noise`): an element beyond the fixed tolerance still passes when
the converted model's error on it against the float64 run is at most
``factor * source_error``: the converted model is then no further from the exact result
than ``factor`` times the framework's own float32 rounding on that output. Only ever a
relaxation of the fixed tolerance, so outputs of ordinary scale, whose rounding is far
below it, are judged as before; an output the source computes exactly in float32
(``source_error == 0``) gets no floor at all.
"""

from __future__ import annotations

import dataclasses
from typing import Any

# Eager PyTorch and ONNX Runtime round differently (summation order, fused kernels,
# BatchNorm folded into convolutions in float32), so a correct conversion's error against
# float64 is of the order of the source's own, not equal to it: 0.78 to 1.8 times it on the
# deep networks of docs/oracles.md. The wrong conversions the tracker knows are 3e6 to 2e7
# times it.
NOISE_FACTOR = 10.0


@dataclasses.dataclass(frozen=True)
class NoiseErrors:
    """Of one output: ``source_error`` = max |source float32 - float64|, ``converted_error``
    = max |converted - float64|."""

    source_error: float
    converted_error: float

    @property
    def ratio(self) -> float | None:
        """``converted_error / source_error``; ``None`` when the source is exact."""
        return self.converted_error / self.source_error if self.source_error > 0 else None


def comparable(want: Any, want64: Any) -> str | None:
    """Why the float64 output cannot calibrate the float32 one ``want``, or ``None``."""
    import numpy as np

    want64 = np.asarray(want64)
    if want64.shape != want.shape:
        return f"the float64 run's output has shape {want64.shape}, the float32 run's {want.shape}"
    if not np.issubdtype(want64.dtype, np.floating):
        return f"the float64 run's output is {want64.dtype}, not floating point"
    return None


def errors(want: Any, got: Any, want64: Any) -> NoiseErrors:
    """The errors of the source's float32 output ``want`` and the converted output ``got``
    against the float64 output ``want64`` (all of one shape)."""
    return NoiseErrors(max_error(want, want64), max_error(got, want64))


def within_noise(got: Any, want64: Any, source_error: float, factor: float) -> Any:
    """The elements of ``got`` within ``factor * source_error`` of ``want64`` (a boolean array)."""
    import numpy as np

    got64, exact = np.asarray(got, dtype=np.float64), np.asarray(want64, dtype=np.float64)
    finite = np.isfinite(got64) & np.isfinite(exact)
    difference = np.abs(np.subtract(got64, exact, where=finite, out=np.full_like(exact, np.inf)))
    return finite & (difference <= factor * source_error)


def max_error(values: Any, exact: Any) -> float:
    """max |values - exact| over the elements where both are finite (0 where none are)."""
    import numpy as np

    values64, exact64 = np.asarray(values, dtype=np.float64), np.asarray(exact, dtype=np.float64)
    finite = np.isfinite(values64) & np.isfinite(exact64)
    if not finite.any():
        return 0.0
    return float(np.max(np.abs(values64[finite] - exact64[finite])))
