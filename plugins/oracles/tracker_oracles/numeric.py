"""``numeric``: the runtime's outputs against the framework's, output by output.

For every input set and output:

- the number of outputs, each output's shape and dtype must be equal (else ``count``,
  ``shape``, ``dtype``);
- NaN and infinity positions must be the same as the reference's: a NaN or an infinity
  where the reference has a finite number is a failure (``nan``), never a pass: no
  comparison that is false for NaN decides anything here;
- integer and boolean outputs must be exactly equal (``exact``);
- floating outputs must satisfy ``|actual - expected| <= atol + rtol * |expected|``
  element-wise, with per-dtype tolerances (``mismatch``).

Metrics (worst over input sets and outputs): ``max_abs_error``, ``max_rel_error``,
``mismatch_fraction``, ``outputs``, ``nonfinite_mismatches``; and per output
``max_abs_error[i]``. All are stored, whatever the verdict, so a stricter tolerance can be
applied later without re-running anything.

Options (``oracle-options.numeric`` in ``envs/``), per dtype, and per kind of case
(``real``, ``unit``, ``synthetic``) over those::

    float32 = { rtol = 1e-3, atol = 1e-5 }
    float16 = { rtol = 1e-2, atol = 1e-3 }
    kinds.synthetic.float32 = { rtol = 1e-3, atol = 1e-4 }

The defaults (:data:`DEFAULT_TOLERANCES`) are those of ``torch.testing.assert_close`` for
float32 loosened to rtol 1e-3 (the published study's torch.onnx runs used rtol 1e-3; a
converter's fused kernels differ from eager at that level), and float16 / bfloat16 at
their own precision. Since every metric is stored, a stricter tolerance can be applied
to a store afterwards with SQL over ``metrics``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from tracker.plugin import Evidence, MetricDeclaration, Oracle, Verdict

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
    defaults = DEFAULT_TOLERANCES
    metrics = (
        MetricDeclaration("max_abs_error", label="max abs error", role="drift",
                          description="worst output, worst input set"),
    )

    def repro_code(self, options: Mapping[str, Any]) -> str:
        return textwrap.dedent(_REPRO_COMPARE.format(**tolerance(options, "float32", ""))).strip() + "\n"

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
        failures: list[tuple[str, str]] = []
        for sample, (expected, actual) in enumerate(zip(expected_sets, actual_sets, strict=True)):
            if len(expected) != len(actual):
                failures.append(("count", f"input set {sample}: {len(actual)} outputs, expected {len(expected)}"))
                continue
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                problem = compare(want, got, self._tolerance(evidence, want.dtype), metrics, index)
                if problem:
                    kind, text = problem
                    failures.append((kind, f"input set {sample}, output {index}: {text}"))
        if not expected_sets:
            return Verdict(None, metrics, "no outputs to compare")
        if failures:
            kind = failures[0][0]
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            return Verdict(False, metrics, failures[0][1] + more, subkind=kind)
        return Verdict(True, metrics)

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


def compare(
    want: Any, got: Any, tolerance: dict[str, float], metrics: dict[str, float], index: int
) -> tuple[str, str] | None:
    """Compare one output; update ``metrics``; return ``(subkind, message)`` on failure."""
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
            f"passing would need atol >= {needed:.3g}",
        )
    return None
