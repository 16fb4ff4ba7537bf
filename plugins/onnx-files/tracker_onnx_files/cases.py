"""One case per model file: its identity (the SHA-256 of the file, of its external data and
of its ``.npz`` inputs, never where they are) and its inputs (from the ``.npz`` beside it,
or seeded values of the declared shapes and types).

A file that cannot be a case as it is (not ONNX, truncated, its external data missing, an
input of a type no values are generated for) is still registered: its problem is kept in
the case, and building it fails with that message, so it is one failed case of the sweep
(``env_error``, sub-kind ``reference_failed``) beside the others, not a stopped sweep.
"""

from __future__ import annotations

from pathlib import Path

from tracker.plugin import InputSpec, ModelCase, file_digest

from tracker_onnx_files import folder, graph

FRAMEWORK = "onnx-files"
SETS = frozenset({"default", "onnx-files"})
BUILDER = "tracker_onnx_files.framework:reference_session"
SAMPLES = 2  # input sets generated per case (an .npz gives its own count)


def case_of(path: Path) -> ModelCase:
    """The case of the model file at ``path``."""
    lines = [f"file: {path.name} sha256 {file_digest(path)}"]
    problems: list[str] = []
    inputs: tuple[InputSpec, ...] = ()
    samples = SAMPLES
    try:
        declared = graph.read(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is this file's problem
        message = _first_line(exc).replace(str(path.parent), "")  # the problem is hashed: not the folder's place
        problems.append(f"{path.name} cannot be read as an ONNX model ({type(exc).__name__}: {message}): "
                        "is it a whole .onnx file? Replace it, or move it out of the folder")
    else:
        lines += [f"declared input: {item.describe()}" for item in declared.inputs]
        lines += _data_files(path, declared.data_files, problems)
        npz = folder.inputs_file(path)
        if npz is None:
            inputs = _generated(path, declared.inputs, problems)
            lines.append(f"inputs: seeded values of the declared shapes, symbolic dimensions at {graph.SYMBOLIC_SIZE}")
        else:
            inputs, samples = _from_npz(npz, declared.inputs, problems)
            lines.append(f"inputs: {npz.name} sha256 {file_digest(npz)}")
    params: dict[str, str] = {"file": path.name}
    if problems:
        params["problem"] = "; ".join(problems)
        lines += [f"problem: {problem}" for problem in problems]
        inputs = ()
    return ModelCase(id=folder.case_id(path), framework=FRAMEWORK, builder=BUILDER, params=params, inputs=inputs,
                     sets=SETS, samples=samples, definition="\n".join(lines), tags=("onnx-file",),
                     description=f"the ONNX file {path.name}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "no message"


def _data_files(path: Path, locations: tuple[str, ...], problems: list[str]) -> list[str]:
    """The identity lines of the external-data files (their SHA-256); a missing or
    misplaced one is a problem."""
    lines = []
    for location in locations:
        problem = folder.data_location_problem(location)
        data = path.parent / location
        if problem is None and not data.is_file():
            problem = "is not beside it: copy it into the folder with the model"
        if problem is not None:
            problems.append(f"{path.name}: its external data file {location!r} {problem}")
            continue
        lines.append(f"external data: {location} sha256 {file_digest(data)}")
    return lines


def _generated(path: Path, declared: tuple[graph.DeclaredInput, ...], problems: list[str]) -> tuple[InputSpec, ...]:
    """Seeded values of each declared input's shape and type (:data:`graph.VALUE_KINDS`)."""
    inputs = []
    for item in declared:
        if item.dtype is None or item.dims is None:
            what = "declares no shape" if item.dtype else "is of a type no values are generated for"
            problems.append(f"{path.name}: input {item.describe()} {what}: give its values in "
                            f"{path.with_suffix(folder.INPUTS_SUFFIX).name} beside it")
            continue
        kind, low, high = graph.VALUE_KINDS[_numpy_kind(item.dtype)]
        inputs.append(InputSpec(item.name, item.shape(), dtype=item.dtype, kind=kind, low=low, high=high,
                                dynamic=item.dynamic()))
    return tuple(inputs)


def _numpy_kind(dtype: str) -> str:
    import numpy as np

    return np.dtype(dtype).kind


def _from_npz(npz: Path, declared: tuple[graph.DeclaredInput, ...],
              problems: list[str]) -> tuple[tuple[InputSpec, ...], int]:
    """One ``custom`` input per declared input, its values from ``npz`` (one array per input
    name, samples along the first axis); the number of samples it holds."""
    import numpy as np

    try:
        with np.load(npz, allow_pickle=False) as arrays:
            shapes = {name: (arrays[name].shape, arrays[name].dtype.name) for name in arrays.files}
    except Exception as exc:  # noqa: BLE001 - an unreadable file is this case's problem
        problems.append(f"{npz.name} cannot be read as NumPy arrays ({type(exc).__name__}: {_first_line(exc)})")
        return (), SAMPLES
    inputs, counts = [], set()
    for item in declared:
        if item.name not in shapes:
            problems.append(f"{npz.name} holds no array named {item.name!r} (it holds {', '.join(shapes) or 'none'}): "
                            "one array per model input, the samples along its first axis")
            continue
        shape, dtype = shapes[item.name]
        fits = item.dims is None or (len(shape) == len(item.dims) + 1 and all(
            not isinstance(want, int) or want == got for want, got in zip(item.dims, shape[1:])))
        if not fits or not shape or shape[0] < 1:
            problems.append(f"{npz.name}: array {item.name!r} has shape {list(shape)}, not the samples of input "
                            f"{item.describe()} along a first axis (np.savez(path, {item.name}=np.stack(samples)))")
            continue
        counts.add(shape[0])
        inputs.append(InputSpec(item.name, shape[1:], dtype=item.dtype or dtype, kind="custom", source=str(npz)))
    if len(counts) > 1:
        problems.append(f"{npz.name} holds {sorted(counts)} samples of different inputs: give each as many")
    return tuple(inputs), min(counts, default=SAMPLES)
