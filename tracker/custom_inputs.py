"""Inputs whose values come from the plugin: ``InputSpec(kind="custom", source=...)``.

The source is one of:

- ``"package.module:callable"``, named like a builder: called as ``fn(rng, shape, dtype)``
  with the NumPy Generator every other kind draws from (seeded by the case's seed, the
  sample and the input's position), it returns an array of ``shape``. Its source, and
  the module-level helpers it uses, is part of the case's identity, read as a builder's
  is (:func:`tracker.cases.builder_source`, without importing the module).
- the location of an ``.npz`` file shipped with the plugin (an absolute path, or
  ``"package.module:inputs.npz"``: :mod:`tracker.local_files`), one array per input name
  with the samples along its first axis: sample ``s`` of input ``x`` is ``file["x"][s]``.
  The file's SHA-256 is part of the case's identity.

Either way the values are cast to the input's dtype, as every kind's are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.api import load_object
from tracker.local_files import location_problem, resolve

if TYPE_CHECKING:
    import numpy as np

    from tracker.inputs import InputSpec

NPZ_SUFFIX = ".npz"


def is_file(source: str) -> bool:
    """Whether ``source`` names an ``.npz`` file (else a callable)."""
    return source.endswith(NPZ_SUFFIX)


def source_problem(source: str | None) -> str | None:
    """What is wrong with how ``source`` is written (``None``: nothing); nothing is read."""
    if not source:
        return "has no source: give source='package.module:callable' or the location of an .npz file"
    if is_file(source):
        problem = location_problem(source)
        return None if problem is None else f"has the source {source!r}, which {problem}"
    module, colon, attribute = source.partition(":")
    if not colon or not all(part.isidentifier() for part in (*module.split("."), *attribute.split("."))):
        return (f"has the source {source!r}, which is neither 'package.module:callable' nor the location "
                f"of an {NPZ_SUFFIX} file")
    return None


def make(spec: InputSpec, rng: Any, sample: int) -> np.ndarray:
    """The values of ``spec`` for sample number ``sample``, drawn with ``rng`` (a callable's)."""
    import numpy as np

    source = str(spec.source)
    if is_file(source):
        array = _from_file(spec, sample)
    else:
        array = np.asarray(load_object(source)(rng, spec.shape, spec.dtype))
    if tuple(array.shape) != spec.shape:
        raise ValueError(f"input {spec.name!r}: {source} gave values of shape {tuple(array.shape)}, "
                         f"the input's shape is {spec.shape}")
    return np.ascontiguousarray(array.astype(spec.dtype))


def _from_file(spec: InputSpec, sample: int) -> np.ndarray:
    import numpy as np

    path = resolve(str(spec.source), owner=f"input {spec.name!r}", what="input arrays")
    with np.load(path, allow_pickle=False) as arrays:
        if spec.name not in arrays.files:
            raise ValueError(f"input {spec.name!r}: {path} holds no array named {spec.name!r} (it holds "
                             f"{', '.join(arrays.files) or 'none'}): one array per input, samples along its first axis")
        stack = arrays[spec.name]
    if stack.ndim == 0 or sample >= len(stack):
        count = 0 if stack.ndim == 0 else len(stack)
        raise ValueError(f"input {spec.name!r}: {path} holds {count} samples of it, not sample {sample}: give the "
                         "file as many samples (first axis) as the case's `samples`")
    return stack[sample]
