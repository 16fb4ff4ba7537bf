"""Deterministic, realistic inputs from a declarative recipe.

A case declares its inputs as :class:`InputSpec` values; the same recipe, seed and sample
index give the same arrays on every machine (NumPy's PCG64 stream). The arrays are
generated once per reference and stored beside the reference outputs, so every runtime
sees exactly the inputs the reference was computed on.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tracker import custom_inputs
from tracker.errors import InternalError

if TYPE_CHECKING:
    import numpy as np

KINDS = ("normal", "uniform", "image", "tokens", "mask", "int", "bool", "audio", "constant", "custom")

# ImageNet statistics: images are normalised as the torchvision/Keras pipelines do.
_IMAGE_MEAN = (0.485, 0.456, 0.406)
_IMAGE_STD = (0.229, 0.224, 0.225)


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """One model input.

    :param kind: ``normal`` (standard normal times ``high`` if given), ``uniform`` in
        [low, high), ``image`` (pixels in [0, 1] normalised with ImageNet mean/std;
        ``layout`` ``NCHW`` or ``NHWC``), ``tokens`` (integer ids in [low, high): give
        the vocabulary size as ``high``), ``mask`` (1s then trailing 0s of padding per
        row, at least half 1s), ``int`` (integers in [low, high), negatives allowed),
        ``bool``, ``audio`` (log-mel-like features), ``constant`` (all ``low``), ``custom``
        (the plugin's own values, from ``source``: :mod:`tracker.custom_inputs`).
    :param dynamic: the dimensions a converter may export as dynamic, as ``(axis, name)``
        pairs: ``((0, "batch"), (1, "sequence"))``. Inputs that share a name share the
        dimension (``input_ids`` and ``attention_mask``). An oracle may run the
        artifact with these dimensions resized (``resized`` extra inputs); a converter asked for a dynamic
        export (option ``dynamic = true``) declares them so.
    :param source: for ``custom`` only: ``"package.module:callable"``, called as
        ``fn(rng, shape, dtype)`` with this input's seeded NumPy Generator, or the location
        of an ``.npz`` file of the plugin's (``"package.module:inputs.npz"``, or an absolute
        path) holding an array named as the input, samples along its first axis.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"
    kind: str = "normal"
    low: float | None = None
    high: float | None = None
    layout: str = "NCHW"
    dynamic: tuple[tuple[int, str], ...] = ()
    source: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InternalError(f"input {self.name!r}: unknown kind {self.kind!r}; use one of {KINDS}")
        if self.kind == "custom":
            problem = custom_inputs.source_problem(self.source)
            if problem:
                raise InternalError(f"input {self.name!r} of kind 'custom' {problem}")
        elif self.source is not None:
            raise InternalError(f"input {self.name!r}: a source is for inputs of kind 'custom', not {self.kind!r}")
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))
        dynamic = tuple((int(axis), str(name)) for axis, name in self.dynamic)
        for axis, name in dynamic:
            if not 0 <= axis < len(self.shape) or not name:
                raise InternalError(f"input {self.name!r}: dynamic axis {axis} ({name!r}) is not "
                                    f"a named dimension of shape {self.shape}")
        object.__setattr__(self, "dynamic", dynamic)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self) | {"shape": list(self.shape)}
        # absent when empty, so that cases declaring none keep the hashes they had
        if self.dynamic:
            data["dynamic"] = [list(pair) for pair in self.dynamic]
        else:
            del data["dynamic"]
        if self.source is None:
            del data["source"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InputSpec:
        """The input of :meth:`to_json`'s data, or of a case recipe's (whose custom inputs
        also hold their ``content``: see :meth:`tracker.cases.ModelCase.recipe`)."""
        dynamic = tuple(tuple(pair) for pair in data.get("dynamic", ()))
        fields = {key: value for key, value in data.items() if key != "content"}
        return cls(**{**fields, "shape": tuple(data["shape"]), "dynamic": dynamic})

    def resized(self, sizes: Mapping[str, int]) -> InputSpec:
        """This input with its dynamic dimensions named in ``sizes`` set to those sizes."""
        shape = list(self.shape)
        for axis, name in self.dynamic:
            if name in sizes:
                shape[axis] = int(sizes[name])
        return dataclasses.replace(self, shape=tuple(shape))


def _seed_for(seed: int, sample: int, index: int) -> int:
    digest = hashlib.sha256(f"{seed}/{sample}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def generator_for(seed: int, sample: int, index: int) -> Any:
    """The NumPy Generator the ``index``-th input of sample number ``sample`` draws from."""
    import numpy as np

    return np.random.Generator(np.random.PCG64(_seed_for(seed, sample, index)))


def make_inputs(specs: Sequence[InputSpec], seed: int, sample: int) -> list[np.ndarray]:
    """The input arrays of sample number ``sample`` (0, 1, ...) of a case."""
    return [_make_one(spec, generator_for(seed, sample, index), sample) for index, spec in enumerate(specs)]


def _make_one(spec: InputSpec, rng: Any, sample: int) -> np.ndarray:
    import numpy as np

    shape, kind = spec.shape, spec.kind
    if kind == "normal":
        scale = 1.0 if spec.high is None else spec.high
        array = rng.standard_normal(shape) * scale
    elif kind == "uniform":
        low = 0.0 if spec.low is None else spec.low
        high = 1.0 if spec.high is None else spec.high
        array = rng.uniform(low, high, shape)
    elif kind == "image":
        array = _image(shape, spec.layout, rng)
    elif kind == "tokens":
        if spec.high is None:
            raise InternalError(f"input {spec.name!r}: tokens need high= (the vocabulary size)")
        low = 0 if spec.low is None else int(spec.low)
        array = rng.integers(low, int(spec.high), shape)
    elif kind == "mask":
        array = _mask(shape, rng)
    elif kind == "int":
        low = -10 if spec.low is None else int(spec.low)
        high = 10 if spec.high is None else int(spec.high)
        array = rng.integers(low, high, shape)
    elif kind == "bool":
        array = rng.random(shape) < 0.5
    elif kind == "audio":
        array = _audio(shape, rng)
    elif kind == "custom":
        return custom_inputs.make(spec, rng, sample)
    else:  # constant
        array = np.full(shape, 0.0 if spec.low is None else spec.low)
    return np.ascontiguousarray(array.astype(spec.dtype))


def _image(shape: tuple[int, ...], layout: str, rng: Any) -> np.ndarray:
    import numpy as np

    channel_axis = 1 if layout == "NCHW" else len(shape) - 1
    channels = shape[channel_axis]
    # a smooth field plus noise looks more like a photograph than white noise does
    pixels = 0.5 + 0.25 * rng.standard_normal(shape)
    spatial = tuple(a for a in range(1, len(shape)) if a != channel_axis)
    for axis in spatial:
        pixels = 0.5 * (pixels + np.roll(pixels, 1, axis=axis))
    pixels = np.clip(pixels, 0.0, 1.0)
    stat_shape = [1] * len(shape)
    stat_shape[channel_axis] = channels
    mean = np.resize(np.array(_IMAGE_MEAN), channels).reshape(stat_shape)
    std = np.resize(np.array(_IMAGE_STD), channels).reshape(stat_shape)
    return (pixels - mean) / std


def _mask(shape: tuple[int, ...], rng: Any) -> np.ndarray:
    """1s, then 0s of padding at the end of each row (at most half the row)."""
    import numpy as np

    array = np.ones(shape, dtype=np.int64)
    length = shape[-1]
    for row in array.reshape(-1, length):
        padding = int(rng.integers(0, length // 2 + 1))
        if padding:
            row[length - padding :] = 0
    return array


def _audio(shape: tuple[int, ...], rng: Any) -> np.ndarray:
    """Log-mel-like features: smooth in time, roughly in [-1, 1]."""
    import numpy as np

    noise = rng.standard_normal(shape)
    return np.tanh(0.5 * (noise + np.roll(noise, 1, axis=-1)))
