"""``coreml``: Core ML predictions through coremltools' ``MLModel.predict``, on macOS.

Core ML is part of macOS: coremltools ships the binding that compiles and runs a model
(``libcoremlpython``) only in its macOS wheels. Elsewhere :meth:`CoreML.not_runnable_reason`
says so, and every cell of the runtime is recorded ``not_runnable`` after the artifact
oracles (``coreml-spec``) have judged the conversion.

Runtime options (a pipeline's ``runtime-options`` table in ``envs/``):

- ``compute_units``: ``CPU_ONLY`` (the default: the same numbers on every Mac),
  ``CPU_AND_GPU``, ``CPU_AND_NE`` or ``ALL`` (Core ML's own default).

Inputs are matched to the model's by name, else by position, and cast to the type the
model declares (int64 token ids to INT32: Core ML has no 64-bit integers). Outputs come in
the model's declared order; an output Core ML holds in a stand-in type (int64 as INT32,
bool as FLOAT32) is cast back to the source's dtype, which the converter recorded in the
model's metadata, so that the numeric oracle compares values rather than types.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import platform
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.plugin import Runtime
from tracker_coreml.converter import METADATA_OUTPUT_DTYPES
from tracker_coreml.features import NUMPY_OF, restore

COMPUTE_UNITS = ("CPU_ONLY", "CPU_AND_GPU", "CPU_AND_NE", "ALL")
HOW_TO = "run the CoreML sessions on a Mac and merge their store (README, section 'CoreML')"


def platform_reason() -> str | None:
    """Why Core ML predictions cannot run here, or ``None``. Imports nothing."""
    if sys.platform != "darwin":
        return (f"Core ML runs on macOS only (coremltools ships libcoremlpython, its binding to Core ML, "
                f"for macOS only); this is {platform.system()} {platform.machine()}: {HOW_TO}")
    spec = importlib.util.find_spec("coremltools")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if locations and not any(any(Path(p).glob("libcoremlpython*")) for p in locations):
        return (f"this coremltools install has no libcoremlpython for macOS {platform.mac_ver()[0]} "
                f"{platform.machine()} (Python {platform.python_version()}): install a coremltools "
                "wheel built for this Mac, or use another Python version that has one")
    return None


@dataclasses.dataclass
class Session:
    model: Any
    inputs: list[tuple[str, str]]  # (name, NumPy dtype) as the model declares them
    outputs: list[tuple[str, str | None]]  # (name, Core ML multi-array type)
    source_dtypes: list[str | None]


class CoreML(Runtime):
    name = "coreml"
    description = "Core ML through coremltools' MLModel.predict (macOS only)"
    formats = ("coreml",)
    requires = ("coremltools",)
    packages = ("coremltools",)
    preload = ("coremltools",)

    def not_runnable_reason(self) -> str | None:
        return platform_reason()

    def load_impl(self, artifact: Path, options: Mapping[str, Any]) -> Session:
        import coremltools as ct
        from coremltools.proto import FeatureTypes_pb2

        units = _compute_units(options)
        model = ct.models.MLModel(str(artifact), compute_units=getattr(ct.ComputeUnit, units))
        spec = model.get_spec()
        names = FeatureTypes_pb2.ArrayFeatureType.ArrayDataType.Name

        def array_type(feature: Any) -> str | None:
            if feature.type.WhichOneof("Type") != "multiArrayType":
                return None
            return names(feature.type.multiArrayType.dataType)

        inputs = [(f.name, NUMPY_OF.get(array_type(f) or "", "float32")) for f in spec.description.input]
        outputs = [(f.name, array_type(f)) for f in spec.description.output]
        recorded = spec.description.metadata.userDefined.get(METADATA_OUTPUT_DTYPES, "")
        source = recorded.split(",") if recorded else []
        source_dtypes = [source[i] if i < len(source) else None for i in range(len(outputs))]
        return Session(model, inputs, outputs, source_dtypes)

    def run_impl(self, session: Session, inputs: dict[str, Any]) -> list[Any]:
        import numpy as np

        matched = self.feeds([name for name, _ in session.inputs], inputs)
        feeds = {name: np.ascontiguousarray(matched[name], dtype=dtype) for name, dtype in session.inputs}
        predicted = session.model.predict(feeds)
        missing = [name for name, _ in session.outputs if name not in predicted]
        if missing:
            raise RuntimeError(f"Core ML returned no value for the outputs {missing}")
        return [restore(np.asarray(predicted[name]), coreml_type or "", source)
                for (name, coreml_type), source in zip(session.outputs, session.source_dtypes, strict=True)]

    def repro_code(self, options: Mapping[str, Any]) -> str:
        units = _compute_units(options)  # a member name in code, never text
        return f"""import coremltools as ct  # Core ML predictions need macOS

mlmodel = ct.models.MLModel(artifact, compute_units=ct.ComputeUnit.{units})
spec = mlmodel.get_spec()
declared = [i.name for i in spec.description.input]
values = [inputs[n] for n in declared] if all(n in inputs for n in declared) else list(inputs.values())
feeds = {{n: (v.astype(np.int32) if v.dtype == np.int64 else v.astype(np.float32) if v.dtype == bool else v)
         for n, v in zip(declared, values)}}
predicted = mlmodel.predict(feeds)
outputs = [np.asarray(predicted[o.name]) for o in spec.description.output]
"""


def _compute_units(options: Mapping[str, Any]) -> str:
    units = str(options.get("compute_units", "CPU_ONLY"))
    if units not in COMPUTE_UNITS:
        raise ValueError(f"compute_units {units!r}: use one of {', '.join(COMPUTE_UNITS)}")
    return units
