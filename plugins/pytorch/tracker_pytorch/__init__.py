"""PyTorch: builds the PyTorch cases with a fixed seed and runs them eagerly for the
reference outputs. torch is imported only inside the methods.

:func:`flatten` is this plugin's public contract with converter plugins: one that wraps
a model to trace it (coremltools') flattens its outputs with it, exactly as the
reference is flattened, and names ``tracker-pytorch`` among its dependencies (or extras).
"""

from __future__ import annotations

import inspect
import os
import random
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.plugin import Framework, ModelCase, hookimpl, load_object, missing_modules


def threads() -> int:
    return int(os.environ.get("TRACKER_THREADS", "1"))


def flatten(value: Any) -> list[Any]:
    """Tensors of a nested output (tuples, lists, dicts, ``ModelOutput``) in order."""
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if value is None:
        return []
    if isinstance(value, dict):  # also transformers' ModelOutput
        return [t for item in value.values() for t in flatten(item)]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in flatten(item)]
    if isinstance(value, (bool, int, float)):
        return [torch.tensor(value)]
    raise TypeError(f"cannot flatten a model output of type {type(value).__name__}")


def to_numpy(tensor: Any) -> Any:
    import torch

    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    if tensor.is_complex():
        tensor = torch.view_as_real(tensor)
    return tensor.contiguous().numpy()


class PyTorch(Framework):
    name = "pytorch"
    description = "PyTorch eager mode (reference outputs)"
    requires = ("torch",)
    # the cases of torchvision and timm (ModelCase.requires) run only where they are installed
    packages = ("torch", "transformers", "torchvision", "timm")
    OPTIONAL = ("torchvision", "timm")

    @property
    def preload(self) -> tuple[str, ...]:  # type: ignore[override]
        """torch and transformers, and torchvision and timm where they are installed."""
        return ("torch", "transformers", *(m for m in self.OPTIONAL if not missing_modules([m])))

    def build_impl(self, case: ModelCase) -> Any:
        import numpy as np
        import torch

        torch.set_num_threads(threads())
        torch.manual_seed(case.seed)
        random.seed(case.seed)
        np.random.seed(case.seed % 2**32)
        builder = load_object(case.builder)
        with torch.random.fork_rng():
            torch.manual_seed(case.seed)
            model = builder(**case.params)
            weights = case.weights_path()
            if weights is not None:
                from tracker_pytorch.weights import load_weights

                model = load_weights(model, weights, case.id)
        return model.eval()

    def run_impl(self, model: Any, inputs: list[Any]) -> Sequence[Any]:
        import torch

        tensors = [torch.from_numpy(array.copy()) for array in inputs]
        with torch.no_grad():
            output = model(*tensors)
        return [to_numpy(t) for t in flatten(output)]

    def run_float64_impl(self, model: Any, inputs: list[Any]) -> Sequence[Any]:
        """A copy of the model in float64 (``.double()``), floating inputs cast to float64;
        while it runs, float64 is the default dtype (tensors the model makes itself) and
        ``Tensor.float()`` casts to float64: code written for float32 casts with it
        (torchvision's RAFT makes its coordinate grid so), meaning "in full precision".
        A cast to an explicit ``torch.float32`` still meets float64 weights and fails:
        the oracle then falls back to its fixed tolerance, saying so."""
        import copy

        import numpy as np
        import torch

        double = copy.deepcopy(model).double()
        tensors = [torch.from_numpy(array.astype(np.float64) if array.dtype.kind == "f" else array.copy())
                   for array in inputs]
        default, to_float = torch.get_default_dtype(), torch.Tensor.float
        torch.set_default_dtype(torch.float64)
        torch.Tensor.float = torch.Tensor.double  # type: ignore[method-assign]
        try:
            with torch.no_grad():
                output = double(*tensors)
        finally:
            torch.Tensor.float = to_float  # type: ignore[method-assign]
            torch.set_default_dtype(default)
        return [to_numpy(t) for t in flatten(output)]

    def parameter_bytes(self, model: Any) -> int | None:
        return sum(p.numel() * p.element_size() for p in model.parameters())

    def loss_gradient_impl(self, model: Any, input_sets: list[list[Any]],
                           labels: list[Any] | None) -> tuple[list[Any], list[Any]]:
        from tracker_pytorch.attacks import loss_gradient

        return loss_gradient(model, input_sets, labels)

    def repro_code(self, builder: str, params: Mapping[str, Any], seed: int) -> str:
        if not all(part.isidentifier() for part in builder.split(".")):  # a name in code, never text
            raise ValueError(f"builder {builder!r} is not a dotted Python name")
        helpers = "\n\n".join(inspect.getsource(f) for f in (flatten, to_numpy))
        return f"""import random

import torch

{helpers}

torch.manual_seed({seed})
random.seed({seed})
np.random.seed({seed % 2**32})
with torch.random.fork_rng():
    torch.manual_seed({seed})
    model = {builder}(**{dict(params)!r}).eval()
with torch.no_grad():
    expected = [to_numpy(t) for t in flatten(model(*[torch.from_numpy(a.copy()) for a in inputs.values()]))]
"""


@hookimpl
def register_frameworks(register):
    register(PyTorch())


@hookimpl
def register_models(register):
    from tracker_pytorch import catalog, vision_catalog

    for case in [*catalog.CASES, *vision_catalog.CASES]:
        register(case)
