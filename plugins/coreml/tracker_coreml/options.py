"""The coremltools converter's options, parsed and checked without importing coremltools.

A pipeline variant's ``options`` table in ``envs/``:

- ``source``: how a PyTorch model is captured before coremltools sees it: ``"trace"``
  (``torch.jit.trace``, TorchScript; the default) or ``"export"`` (``torch.export``, an
  ``ExportedProgram`` in the ATen dialect: coremltools 8.0 and later). Not for Keras models,
  which coremltools reads directly.
- ``convert_to``: ``"mlprogram"`` (the default: an ``.mlpackage``) or ``"neuralnetwork"``
  (the older format: an ``.mlmodel`` file).
- ``minimum_deployment_target``: a member of ``coremltools.target`` (``"iOS15"``,
  ``"macOS13"``, ...); default: coremltools' own (iOS15 for an ML program, the lowest
  possible for a neural network). An ML program needs iOS15 / macOS12 / watchOS8 / tvOS15
  or later.
- ``compute_precision``: ``"float16"`` (coremltools' default for an ML program) or
  ``"float32"``. ML programs only: a neural network keeps float32 weights.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

SOURCES = ("trace", "export")
FORMATS = {"mlprogram": "model.mlpackage", "neuralnetwork": "model.mlmodel"}
PRECISIONS = ("float16", "float32")

# coremltools.target as of coremltools 9.0: name -> Core ML specification version. An
# older release may lack the newest names; it then refuses them when converting.
TARGETS = {
    **{f"iOS{n}": n - 9 for n in range(13, 19)}, "iOS26": 10,
    "macOS10_15": 4, "macOS10_16": 5, "macOS11": 5,
    **{f"macOS{n}": n - 6 for n in range(12, 16)}, "macOS26": 10,
    **{f"watchOS{n}": n - 2 for n in range(6, 12)}, "watchOS26": 10,
    **{f"tvOS{n}": n - 9 for n in range(13, 19)}, "tvOS26": 10,
}
MLPROGRAM_MIN_SPEC = 6  # iOS15 / macOS12 / watchOS8 / tvOS15
KNOWN_KEYS = ("source", "convert_to", "minimum_deployment_target", "compute_precision", "dynamic")


class OptionError(ValueError):
    """A variant's options that cannot work together; the message says what to change."""


@dataclasses.dataclass(frozen=True)
class CoremlOptions:
    source: str = "trace"
    convert_to: str = "mlprogram"
    minimum_deployment_target: str | None = None
    compute_precision: str | None = None

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> CoremlOptions:
        """The options of a variant; :class:`OptionError` names the key and what it takes."""
        unknown = sorted(set(options) - set(KNOWN_KEYS))
        if unknown:
            raise OptionError(f"unknown option(s) {', '.join(unknown)} for coremltools; "
                              f"known: {', '.join(KNOWN_KEYS)}")
        if options.get("dynamic"):
            raise OptionError("dynamic = true is not supported by the coremltools plugin yet: it "
                              "converts the case's static shapes (ct.RangeDim is not wired in)")
        parsed = cls(
            source=str(options.get("source", "trace")),
            convert_to=str(options.get("convert_to", "mlprogram")),
            minimum_deployment_target=_optional_str(options.get("minimum_deployment_target")),
            compute_precision=_optional_str(options.get("compute_precision")),
        )
        parsed._check()
        return parsed

    def _check(self) -> None:
        if self.source not in SOURCES:
            raise OptionError(f"source = {self.source!r}: use one of {', '.join(SOURCES)}")
        if self.convert_to not in FORMATS:
            raise OptionError(f"convert_to = {self.convert_to!r}: use one of {', '.join(FORMATS)}")
        if self.compute_precision is not None:
            if self.compute_precision not in PRECISIONS:
                raise OptionError(f"compute_precision = {self.compute_precision!r}: use one of "
                                  f"{', '.join(PRECISIONS)}")
            if self.convert_to != "mlprogram":
                raise OptionError("compute_precision applies to ML programs only (convert_to = "
                                  "'mlprogram'): a neural network keeps float32 weights")
        target = self.minimum_deployment_target
        if target is not None:
            if target not in TARGETS:
                raise OptionError(f"minimum_deployment_target = {target!r} is not a member of "
                                  f"coremltools.target; e.g. iOS15, iOS17, macOS13")
            if self.convert_to == "mlprogram" and TARGETS[target] < MLPROGRAM_MIN_SPEC:
                raise OptionError(f"an ML program needs iOS15 / macOS12 / watchOS8 / tvOS15 or later, "
                                  f"not {target}: raise minimum_deployment_target or use "
                                  "convert_to = 'neuralnetwork'")

    @property
    def artifact_name(self) -> str:
        return FORMATS[self.convert_to]

    @property
    def spec_type(self) -> str:
        """The ``Model.Type`` of the Core ML spec this format is."""
        return {"mlprogram": "mlProgram", "neuralnetwork": "neuralNetwork"}[self.convert_to]

    @property
    def target_spec_version(self) -> int | None:
        """The specification version the deployment target asks for, if one is given."""
        if self.minimum_deployment_target is None:
            return None
        return TARGETS[self.minimum_deployment_target]

    def float16_io_allowed(self) -> bool:
        """Whether the model's interface may be float16 (iOS16 / macOS13 and later)."""
        return self.convert_to == "mlprogram" and (self.target_spec_version or MLPROGRAM_MIN_SPEC) >= 7


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
