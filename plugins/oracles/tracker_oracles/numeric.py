"""``numeric``: the runtime's outputs against the framework's, output by output.

For every input set and output:

- the number of outputs, each output's shape and dtype must be equal (else ``count``,
  ``shape``, ``dtype``);
- NaN and infinity positions must be the same as the reference's: a NaN or an infinity
  where the reference has a finite number is a failure (``nan``), never a pass: no
  comparison that is false for NaN decides anything here;
- integer and boolean outputs must be exactly equal (``exact``);
- floating outputs must satisfy ``|actual - expected| <= atol + rtol * |expected|``
  element-wise, with per-dtype tolerances (``mismatch``), or, calibrated by the
  framework's own noise where it can run the model in float64
  (``Framework.run_float64``), be within ``noise_factor`` times the source's own float32
  error of the float64 run (:mod:`tracker_oracles.noise`): a deep network's float32
  rounding alone can exceed any fixed tolerance.

Metrics (worst over input sets and outputs): ``max_abs_error``, ``max_rel_error``,
``mismatch_fraction``, ``outputs``, ``nonfinite_mismatches``; and per output
``max_abs_error[i]``; with a float64 reference ``float64_source_error`` (max |source
float32 - float64|), ``float64_converted_error`` (max |converted - float64|), their
``noise_ratio`` (the worst output's converted over source error, where the source's is
not zero), per output ``float64_source_error[i]`` and ``float64_converted_error[i]``;
``calibrated`` is 1 when the float64 reference was used, 0 when the verdict fell back to
the fixed tolerance (the message then says why). All are stored, whatever the verdict, so
a stricter tolerance can be applied later without re-running anything.

Options (``oracle-options.numeric`` in ``envs/``), per dtype, and per kind of case
(``real``, ``unit``, ``synthetic``) over those::

    float32 = { rtol = 1e-3, atol = 1e-5 }
    float16 = { rtol = 1e-2, atol = 1e-3 }
    kinds.synthetic.float32 = { rtol = 1e-3, atol = 1e-4 }
    calibrate = true        # the float64 reference and the noise floor (false: fixed tolerances only)
    noise_factor = 10.0

The defaults (:data:`DEFAULT_TOLERANCES`) are those of ``torch.testing.assert_close`` for
float32 loosened to rtol 1e-3 (the published study's torch.onnx runs used rtol 1e-3; a
converter's fused kernels differ from eager at that level), and float16 / bfloat16 at
their own precision. Since every metric is stored, a stricter tolerance can be applied
to a store afterwards with SQL over ``metrics``.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Mapping
from typing import Any

from tracker.plugin import Evidence, MetricDeclaration, Oracle, Verdict
from tracker_oracles import noise

DEFAULT_TOLERANCES = {
    "float64": {"rtol": 1e-5, "atol": 1e-8},
    "float32": {"rtol": 1e-3, "atol": 1e-5},
    "float16": {"rtol": 1e-2, "atol": 1e-3},
    "bfloat16": {"rtol": 5e-2, "atol": 1e-2},
}


# The comparison of ``tracker repro``'s scripts (:meth:`Numeric.repro_code`), with float32's tolerances.
_REPRO_COMPARE = '''
def compare(expected, outputs, rtol={rtol!r}, atol={atol!r}):
    """The numeric oracle's checks, in short: count, shape, dtype, NaN/Inf, tolerance."""
    if len(expected) != len(outputs):
        return [f"{{len(outputs)}} outputs, the reference has {{len(expected)}}"]
    problems = []
    for index, (want, got) in enumerate(zip(expected, outputs)):
        got = np.asarray(got)
        if want.shape != got.shape or want.dtype != got.dtype:
            problems.append(f"output {{index}}: {{got.dtype}}{{list(got.shape)}}, expected {{want.dtype}}{{list(want.shape)}}")
        elif want.dtype.kind in "biu":
            if not np.array_equal(want, got):
                problems.append(f"output {{index}}: {{int((want != got).sum())}} of {{want.size}} elements differ")
        elif not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True) or (
                np.isnan(got) & ~np.isnan(want)).any():
            error = np.abs(got.astype(np.float64) - want.astype(np.float64))
            problems.append(f"output {{index}}: max abs error {{np.nanmax(error):.3g}}, "
                            f"NaN where the reference has a number: {{int((np.isnan(got) & ~np.isnan(want)).sum())}}")
    return problems


problems = compare(expected, outputs)
'''


class Numeric(Oracle):
    name = "numeric"
    description = "element-wise comparison with per-dtype tolerances; NaN never passes"
    stage = "outputs"
    requires = ("numpy",)
    defaults = {**DEFAULT_TOLERANCES, "calibrate": True, "noise_factor": noise.NOISE_FACTOR}
    metrics = (
        MetricDeclaration("max_abs_error", label="max abs error", role="drift",
                          description="worst output, worst input set"),
        MetricDeclaration("float64_source_error", label="source f32 vs f64", role="history", priority=1,
                          description="the source's own float32 error against its float64 run, worst output"),
        MetricDeclaration("float64_converted_error", label="converted vs f64", role="history", priority=2,
                          description="the converted model's error against the source's float64 run, worst output"),
    )

    def repro_code(self, options: Mapping[str, Any]) -> str:
        return textwrap.dedent(_REPRO_COMPARE.format(**tolerance(options, "float32", ""))).strip() + "\n"

    def wants_float64_reference(self, options: Mapping[str, Any]) -> bool:
        return bool(options.get("calibrate", True))

    def judge_impl(self, evidence: Evidence) -> Verdict:
        expected_sets = evidence.expected or []
        actual_sets = evidence.actual or []
        metrics: dict[str, float] = {
            "max_abs_error": 0.0,
            "max_rel_error": 0.0,
            "mismatch_fraction": 0.0,
            "nonfinite_mismatches": 0.0,
            "outputs": float(len(expected_sets[0]) if expected_sets else 0),
        }
        floors = Floors(evidence, metrics)
        failures: list[tuple[str, str]] = []
        for sample, (expected, actual) in enumerate(zip(expected_sets, actual_sets, strict=True)):
            if len(expected) != len(actual):
                failures.append(("count", f"input set {sample}: {len(actual)} outputs, expected {len(expected)}"))
                continue
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                floor = floors.of(sample, index, want, got)
                problem = compare(want, got, self._tolerance(evidence, want.dtype), metrics, index, floor)
                if problem:
                    kind, text = problem
                    failures.append((kind, f"input set {sample}, output {index}: {text}"))
        if not expected_sets:
            return Verdict(None, metrics, "no outputs to compare")
        floors.close()
        if failures:
            kind = failures[0][0]
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            return Verdict(False, metrics, failures[0][1] + more + floors.fallback_note(), subkind=kind)
        return Verdict(True, metrics, floors.fallback_note().strip())

    @staticmethod
    def _tolerance(evidence: Evidence, dtype: Any) -> dict[str, float]:
        return tolerance(evidence.options, str(dtype), evidence.case.kind)


def tolerance(options: Any, dtype: str, kind: str) -> dict[str, float]:
    """The {rtol, atol} for outputs of ``dtype`` in a case of ``kind``: the kind's entry,
    else the dtype's, else float32's."""
    table = {**DEFAULT_TOLERANCES, **{k: v for k, v in options.items() if k != "kinds"}}
    per_kind = (options.get("kinds") or {}).get(kind, {})
    chosen = dict(table.get(dtype, table["float32"]))
    chosen.update(per_kind.get(dtype, {}))
    return {"rtol": float(chosen["rtol"]), "atol": float(chosen["atol"])}


class Floors:
    """The noise floors of one verdict's outputs, from the float64 reference when the
    options ask for calibration and the evidence has it; the errors against it go into
    ``metrics``, and why there is no floor into :meth:`fallback_note`."""

    def __init__(self, evidence: Evidence, metrics: dict[str, float]) -> None:
        self.metrics = metrics
        self.factor = float(evidence.options.get("noise_factor", noise.NOISE_FACTOR))
        self.reference = evidence.reference_float64
        self.reason: str | None = None
        self.used = False
        if not evidence.options.get("calibrate", True):
            self.reference = None
        elif self.reference is None:
            self.reason = evidence.reference_float64_unavailable or "no float64 reference"
        elif len(self.reference) != len(evidence.expected or []):
            self.reason = f"the float64 reference has {len(self.reference)} input sets, the float32 one " \
                          f"{len(evidence.expected or [])}"
            self.reference = None

    def of(self, sample: int, index: int, want: Any, got: Any) -> Floor | None:
        """The floor of one floating output, or ``None`` (integers, none to be had)."""
        import numpy as np

        if self.reference is None or not np.issubdtype(np.asarray(want).dtype, np.inexact):
            return None
        outputs = self.reference[sample]
        why = (f"the float64 run has {len(outputs)} outputs" if index >= len(outputs)
               else noise.comparable(want, outputs[index]))
        if why is not None or np.shape(got) != np.shape(want):
            self.reason = self.reason or why
            return None
        errors = noise.errors(want, got, outputs[index])
        self._record(index, errors)
        self.used = True
        return Floor(outputs[index], errors.source_error, self.factor)

    def _record(self, index: int, errors: noise.NoiseErrors) -> None:
        for name, value in (("float64_source_error", errors.source_error),
                            ("float64_converted_error", errors.converted_error)):
            for key in (name, f"{name}[{index}]"):
                self.metrics[key] = max(self.metrics.get(key, 0.0), value)
        if errors.ratio is not None:
            self.metrics["noise_ratio"] = max(self.metrics.get("noise_ratio", 0.0), errors.ratio)

    def close(self) -> None:
        """Record whether the float64 reference was used (only when calibration is asked)."""
        if self.reference is not None or self.reason is not None:
            self.metrics["calibrated"] = 1.0 if self.used and self.reason is None else 0.0

    def fallback_note(self) -> str:
        return f" (fixed tolerance only: {self.reason})" if self.reason else ""


@dataclasses.dataclass(frozen=True)
class Floor:
    """Of one output: the float64 run's output and the floor ``factor * source_error``."""

    float64: Any
    source_error: float
    factor: float

    def describe(self, got: Any) -> str:
        converted = noise.max_error(got, self.float64)
        return (f"against float64, max abs error {converted:.3g} > noise_factor {self.factor:g} x the "
                f"source's own float32 error {self.source_error:.3g}")


def compare(
    want: Any, got: Any, tolerance: dict[str, float], metrics: dict[str, float], index: int,
    floor: Floor | None = None,
) -> tuple[str, str] | None:
    """Compare one output; update ``metrics``; return ``(subkind, message)`` on failure.
    With a ``floor``, an element beyond the tolerance passes within the floor of the
    float64 output (:func:`tracker_oracles.noise.within_noise`)."""
    import numpy as np

    got = np.asarray(got)
    if want.shape != got.shape:
        return "shape", f"shape {got.shape}, expected {want.shape}"
    if want.dtype != got.dtype:
        return "dtype", f"dtype {got.dtype}, expected {want.dtype}"
    if want.size == 0:
        return None
    if not np.issubdtype(want.dtype, np.inexact):
        different = int(np.count_nonzero(want != got))
        metrics["mismatch_fraction"] = max(metrics["mismatch_fraction"], different / want.size)
        if different:
            return "exact", f"{different} of {want.size} elements differ (exact comparison for {want.dtype})"
        return None

    want64 = want.astype(np.float64)
    got64 = got.astype(np.float64)
    want_finite = np.isfinite(want64)
    got_finite = np.isfinite(got64)
    # positions where either is not finite must agree exactly (NaN with NaN, +inf with +inf)
    same_nonfinite = (np.isnan(want64) & np.isnan(got64)) | (
        np.isinf(want64) & np.isinf(got64) & (np.sign(want64) == np.sign(got64))
    )
    nonfinite_bad = (~want_finite | ~got_finite) & ~same_nonfinite
    both_finite = want_finite & got_finite
    abs_error = np.abs(np.subtract(got64, want64, where=both_finite, out=np.zeros_like(want64)))
    magnitude = np.abs(want64)
    rel_error = np.divide(abs_error, magnitude, where=both_finite & (magnitude > 0), out=np.zeros_like(want64))
    allowed = tolerance["atol"] + tolerance["rtol"] * magnitude
    value_bad = both_finite & ~(abs_error <= allowed)
    if floor is not None and value_bad.any():
        value_bad &= ~noise.within_noise(got64, floor.float64, floor.source_error, floor.factor)
    bad = nonfinite_bad | value_bad

    max_abs = float(abs_error.max())
    metrics["max_abs_error"] = max(metrics["max_abs_error"], max_abs)
    metrics["max_rel_error"] = max(metrics["max_rel_error"], float(rel_error.max()))
    metrics["mismatch_fraction"] = max(metrics["mismatch_fraction"], float(bad.mean()))
    metrics["nonfinite_mismatches"] += float(nonfinite_bad.sum())
    key = f"max_abs_error[{index}]"
    metrics[key] = max(metrics.get(key, 0.0), max_abs)

    if nonfinite_bad.any():
        count = int(nonfinite_bad.sum())
        position = np.unravel_index(int(np.argmax(nonfinite_bad)), want.shape)
        return (
            "nan",
            f"{count} non-finite value(s) where the reference differs, first at {position}: "
            f"got {got64[position]}, expected {want64[position]}",
        )
    if value_bad.any():
        count = int(value_bad.sum())
        worst = np.unravel_index(int(np.argmax(np.where(value_bad, abs_error, -1.0))), want.shape)
        needed = float(np.max(np.where(both_finite, abs_error - tolerance["rtol"] * magnitude, 0.0)))
        return (
            "mismatch",
            f"{count} of {want.size} elements beyond rtol={tolerance['rtol']:g} "
            f"atol={tolerance['atol']:g}; max abs error {max_abs:.3g} at {worst}; "
            f"passing would need atol >= {needed:.3g}" + (f"; {floor.describe(got64)}" if floor else ""),
        )
    return None
