"""``coremltools``: PyTorch and Keras models to Core ML (ML program or neural network).

Options: see :mod:`tracker_coreml.options`. The artifact is ``model.mlpackage`` (a
directory) for an ML program, ``model.mlmodel`` for a neural network.

What the converter asks of coremltools, so that the model's interface is the source's:

- PyTorch: the model is wrapped so that it returns its outputs flattened exactly as the
  PyTorch framework plugin flattens the reference (tensors of nested tuples, dicts and
  ``ModelOutput`` in order), then traced (``torch.jit.trace``) or exported
  (``torch.export.export(...).run_decompositions({})``; the inputs are passed by keyword,
  so the exported program's inputs carry the case's input names). A traced model gets its
  inputs declared (``ct.TensorType`` with the case's names, shapes and dtypes) and its
  float outputs declared float32 (or float16 where the source's is), so that a float16
  ML program for iOS16 and later keeps a float32 interface; coremltools takes neither
  inputs nor outputs for an exported program, whose interface it infers.
- TensorFlow: a Keras model is handed to coremltools as it is (``source="tensorflow"``),
  its inputs declared with the case's shapes and dtypes (named after ``model.inputs``;
  unnamed, in order, for a subclassed model, which has none) and renamed to the case's
  names after conversion; a ``tf.Module`` as the concrete function of its ``__call__`` over the
  case's input signature (named after the case's inputs). Outputs are not declared (a
  TensorFlow output is named after a graph node): coremltools infers them.

Every artifact carries, in its user-defined metadata, the case id (``tracker.case``) and
the source's output dtypes (``tracker.source_output_dtypes``), with which the ``coreml``
runtime gives back an output Core ML holds in a stand-in type (int64 as INT32).
"""

from __future__ import annotations

import importlib.metadata
import shutil
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.version import Version

from tracker.plugin import ConversionRequest, Converter, ModelCase, exception_chain
from tracker_coreml.options import CoremlOptions, OptionError

METADATA_CASE = "tracker.case"
METADATA_OUTPUT_DTYPES = "tracker.source_output_dtypes"
EXPORT_SINCE = Version("8.0")  # coremltools converts torch.export programs from 8.0 on

# how coremltools says that it cannot translate an operator, or one of its forms
_UNSUPPORTED_TEXT = (
    "not implemented", "unsupported", "not supported", "no decomposition", "is not yet supported",
    "does not support", "only supports", "no available version",  # (of the op for the target)
)


def coremltools_version() -> Version | None:
    try:
        return Version(importlib.metadata.version("coremltools"))
    except importlib.metadata.PackageNotFoundError:
        return None


class CoremlTools(Converter):
    name = "coremltools"
    description = "coremltools.convert: PyTorch (traced or exported) and Keras models to Core ML"
    frameworks = ("pytorch", "tensorflow")
    output_format = "coreml"
    requires = ("coremltools",)
    # numpy too: coremltools' results depend on it (9.0 fails casts under NumPy 2 that
    # NumPy 1 lets through)
    packages = ("coremltools", "numpy")
    preload = ("coremltools",)

    def accepts(self, case: ModelCase, options: Mapping[str, Any]) -> str | None:
        try:
            parsed = CoremlOptions.parse(options)
        except OptionError as error:
            return f"the variant's options cannot work: {error}"
        if case.framework == "tensorflow" and "source" in options:
            return "option 'source' is for PyTorch models; coremltools reads Keras models directly"
        if case.framework == "pytorch" and parsed.source == "export":
            version = coremltools_version()
            if version is not None and version < EXPORT_SINCE:
                return f"coremltools {version} cannot convert torch.export programs (8.0 and later can)"
        return None

    def convert_impl(self, request: ConversionRequest) -> Path:
        import coremltools as ct

        options = CoremlOptions.parse(request.options)
        kwargs: dict[str, Any] = {"convert_to": options.convert_to, "skip_model_load": True}
        if options.minimum_deployment_target is not None:
            if not hasattr(ct.target, options.minimum_deployment_target):
                raise ValueError(f"coremltools {ct.__version__} has no deployment target "
                                 f"{options.minimum_deployment_target!r}; it knows "
                                 f"{', '.join(ct.target.__members__)}")
            kwargs["minimum_deployment_target"] = getattr(ct.target, options.minimum_deployment_target)
        if options.compute_precision is not None:
            kwargs["compute_precision"] = {"float16": ct.precision.FLOAT16,
                                           "float32": ct.precision.FLOAT32}[options.compute_precision]
        work = request.output_dir / "work"
        work.mkdir()
        if options.convert_to == "mlprogram":
            kwargs["package_dir"] = str(work / "converted.mlpackage")
        if request.case.framework == "pytorch":
            model, output_dtypes = _torch_source(request, options, kwargs)
        else:
            model, output_dtypes = _tensorflow_source(request, options, kwargs)
        mlmodel = ct.convert(model, **kwargs)
        temporary = None
        if request.case.framework == "tensorflow":
            mlmodel, temporary = _with_input_names(ct, mlmodel, [spec.name for spec in request.case.inputs])
        metadata = mlmodel.user_defined_metadata
        metadata[METADATA_CASE] = request.case.id
        metadata[METADATA_OUTPUT_DTYPES] = ",".join(output_dtypes)
        artifact = request.output_dir / options.artifact_name
        mlmodel.save(str(artifact))
        shutil.rmtree(work, ignore_errors=True)
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
        return artifact

    def classify_error(self, exc: BaseException) -> str | None:
        for link in exception_chain(exc):
            text = f"{type(link).__name__} {link}".lower()
            if any(t in text for t in _UNSUPPORTED_TEXT):
                return "unsupported"
        return None

    def failure_stage(self, exc: BaseException) -> str | None:
        """Where in coremltools the conversion failed, from the deepest frame of the
        traceback that names a phase: a frontend (operators translated into MIL),
        ``conversion``; MIL graph passes, ``optimization``; a backend or saving, ``export``.
        A failure in torch or Keras before coremltools was entered, or in coremltools'
        argument checks, is ``loading``."""
        frames = [frame.filename.replace("\\", "/") for link in exception_chain(exc)
                  for frame in traceback.extract_tb(link.__traceback__)]
        coreml = [f for f in frames if "/coremltools/" in f]
        if not coreml:
            return "loading" if frames else None
        for path in reversed(coreml):
            if "/converters/mil/frontend/" in path:
                return "conversion"
            if "/converters/mil/mil/passes/" in path:
                return "optimization"
            if "/converters/mil/backend/" in path or "/coremltools/models/" in path:
                return "export"
        return "loading" if coreml[-1].endswith("_converters_entry.py") else None

    def repro_code(self, options: Mapping[str, Any]) -> str:
        """The conversion as the plugin does it, for a PyTorch ``model`` (traced or exported,
        outputs flattened by the script's ``flatten``) or a TensorFlow one (a Keras model as
        it is, a ``tf.Module`` as a concrete function)."""
        parsed = CoremlOptions.parse(options)
        arguments = [f"convert_to={parsed.convert_to!r}"]
        if parsed.minimum_deployment_target:
            arguments.append(f"minimum_deployment_target=ct.target.{parsed.minimum_deployment_target}")
        if parsed.compute_precision:
            arguments.append(f"compute_precision=ct.precision.{parsed.compute_precision.upper()}")
        call = ", ".join(arguments)
        if parsed.source == "export":
            torch_capture = (
                "    tensors = {n: torch.from_numpy(a.copy()) for n, a in inputs.items()}\n"
                "    ep = torch.export.export(Flat(model), (), tensors)\n"
                f"    mlmodel = ct.convert(ep.run_decompositions({{}}), {call})")
        else:
            torch_capture = (
                "    tensors = tuple(torch.from_numpy(a.copy()) for a in inputs.values())\n"
                "    traced = torch.jit.trace(Flat(model), tensors, check_trace=False)\n"
                f"    mlmodel = ct.convert(traced, inputs=ct_inputs, {call})")
        return f"""import sys

import coremltools as ct

ct_inputs = [ct.TensorType(name=n, shape=a.shape, dtype=np.int32 if a.dtype == np.int64 else a.dtype.type)
             for n, a in inputs.items()]
if "torch" in sys.modules and isinstance(model, sys.modules["torch"].nn.Module):
    class Flat(torch.nn.Module):
        \"\"\"The model with its outputs flattened as the reference's.\"\"\"

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *args, **kwargs):
            return tuple(flatten(self.model(*args, *kwargs.values())))

{torch_capture}
elif isinstance(model, tf.keras.Model):
    mlmodel = ct.convert(model, source="tensorflow", {call})
else:  # a tf.Module: the concrete function of its __call__
    signature = [tf.TensorSpec(a.shape, a.dtype, name=n) for n, a in inputs.items()]
    function = tf.function(lambda *tensors: model(*tensors)).get_concrete_function(*signature)
    mlmodel = ct.convert([function], source="tensorflow", inputs=ct_inputs, {call})
artifact = {parsed.artifact_name!r}
mlmodel.save(artifact)
"""


# ---------------------------------------------------------------------------------------
# PyTorch


def _torch_source(request: ConversionRequest, options: CoremlOptions,
                  kwargs: dict[str, Any]) -> tuple[Any, list[str]]:
    """The captured PyTorch model for ``ct.convert`` (and the inputs/outputs it is given)."""
    import coremltools as ct
    import numpy as np
    import torch

    names = [spec.name for spec in request.case.inputs]
    args = tuple(torch.from_numpy(array.copy()) for array in request.sample_inputs)
    flat = flattened_module(request.model, names)
    with torch.no_grad():
        outputs = flat(*args)
    output_dtypes = [_numpy_dtype_name(t) for t in outputs]
    if options.source == "export":
        exported = torch.export.export(flat, (), dict(zip(names, args, strict=True)))
        return exported.run_decompositions({}), output_dtypes
    traced = torch.jit.trace(flat, args, check_trace=False)
    kwargs["inputs"] = [
        ct.TensorType(name=name, shape=tuple(array.shape), dtype=_coreml_input_dtype(array.dtype, options))
        for name, array in zip(names, request.sample_inputs, strict=True)
    ]
    declared = []
    for dtype in output_dtypes:
        if dtype == "float16" and options.float16_io_allowed():
            declared.append(ct.TensorType(dtype=np.float16))
        elif dtype in ("float32", "float16", "float64"):
            declared.append(ct.TensorType(dtype=np.float32))
        else:
            declared.append(ct.TensorType())  # coremltools picks (int64 becomes int32)
    kwargs["outputs"] = declared
    return traced, output_dtypes


def flattened_module(model: Any, names: list[str]) -> Any:
    """``model`` returning a tuple of its output tensors in the reference's order, called
    positionally (tracing) or by the case's input names (export)."""
    import torch
    from tracker_pytorch import flatten

    class Flat(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
            if kwargs:
                args = (*args, *(kwargs[name] for name in names if name in kwargs))
            return tuple(flatten(self.model(*args)))

    return Flat().eval()


def _numpy_dtype_name(tensor: Any) -> str:
    import torch

    if tensor.dtype == torch.bfloat16:
        return "float32"  # the reference holds bfloat16 as float32
    return str(tensor.dtype).removeprefix("torch.")


def _coreml_input_dtype(dtype: Any, options: CoremlOptions) -> Any:
    """The dtype to declare for an input of NumPy ``dtype``: the same where Core ML has it."""
    import numpy as np

    name = np.dtype(dtype).name
    if name == "float16":
        return np.float16 if options.float16_io_allowed() else np.float32
    if name in ("float64",):
        return np.float32
    if name in ("int64", "int16", "uint8", "uint16", "int8"):
        return np.int32
    return np.dtype(dtype).type


# ---------------------------------------------------------------------------------------
# TensorFlow: Keras models and tf.Module


def _tensorflow_source(request: ConversionRequest, options: CoremlOptions,
                       kwargs: dict[str, Any]) -> tuple[Any, list[str]]:
    """A Keras model as it is (coremltools' Keras path), a ``tf.Module`` as the concrete
    function of its ``__call__`` over the case's input signature."""
    import coremltools as ct
    import tensorflow as tf
    from tracker_tensorflow.calls import as_function, call_model, flatten, input_signature, is_keras_model

    model = request.model
    outputs = flatten(call_model(model, [tf.constant(array) for array in request.sample_inputs]))
    output_dtypes = [array.dtype.name for array in outputs]
    kwargs["source"] = "tensorflow"
    if is_keras_model(model):
        try:
            placeholders = [_tf_name(tensor) for tensor in model.inputs or []]
        except AttributeError:  # a subclassed model that was never called symbolically
            placeholders = []
        if len(placeholders) != len(request.sample_inputs):  # unknown: matched in order
            placeholders = [None] * len(request.sample_inputs)
        kwargs["inputs"] = _tensor_types(ct, placeholders, request.sample_inputs, options)
        return model, output_dtypes
    function = as_function(model, input_signature(request.case.inputs)).get_concrete_function()
    names = [spec.name for spec in request.case.inputs]
    kwargs["inputs"] = _tensor_types(ct, names, request.sample_inputs, options)
    return [function], output_dtypes


def _tensor_types(ct: Any, names: list[str | None], arrays: list[Any], options: CoremlOptions) -> list[Any]:
    return [ct.TensorType(name=name, shape=tuple(array.shape), dtype=_coreml_input_dtype(array.dtype, options))
            for name, array in zip(names, arrays, strict=True)]


def _tf_name(tensor: Any) -> str:
    """A Keras input's placeholder name (``input_1:0`` -> ``input_1``)."""
    return str(getattr(tensor, "name", "")).split(":")[0]


def _with_input_names(ct: Any, mlmodel: Any, names: list[str]) -> tuple[Any, str | None]:
    """``mlmodel`` with its inputs renamed, in order, to the case's ``names`` where they
    differ (a Keras model's placeholders are named after its Input layers), and the
    temporary package the renamed ML program lives in until it is saved (or ``None``)."""
    spec = mlmodel.get_spec()
    declared = [feature.name for feature in spec.description.input]
    if len(declared) != len(names) or declared == names:
        return mlmodel, None
    for old, new in zip(declared, names, strict=True):
        if old != new:
            ct.utils.rename_feature(spec, old, new, rename_outputs=False)
    if spec.WhichOneof("Type") != "mlProgram":
        return ct.models.MLModel(spec, skip_model_load=True), None
    renamed = ct.models.MLModel(spec, weights_dir=mlmodel.weights_dir, skip_model_load=True)
    return renamed, renamed.package_path
