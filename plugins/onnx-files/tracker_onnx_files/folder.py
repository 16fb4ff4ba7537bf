"""The folder of ONNX files: where it is, which files are cases, what each is called and
what its bytes hash to. Nothing here reads a model.

The folder is named by the environment variable ``TRACKER_ONNX_DIR``, best by an absolute
path: a relative one is taken from the working directory of the process that reads it,
which under ``nox`` is the clone's root. nox hands it to every environment it builds, as
it hands every variable. Each ``*.onnx`` file directly in it
is a case (subfolders are not searched), with ``<name>.npz`` beside it as its inputs when
there is one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

DIRECTORY_VARIABLE = "TRACKER_ONNX_DIR"
MODEL_SUFFIX = ".onnx"
INPUTS_SUFFIX = ".npz"
CASE_PREFIX = "onnx-"  # case ids are unique across plugins: a file named like a built-in case does not clash


class FolderError(Exception):
    """The folder cannot be used (unset, missing, not a folder); the message says what to do."""


def configured_directory() -> Path:
    """The folder ``TRACKER_ONNX_DIR`` names, or a :class:`FolderError` saying how to name one."""
    value = os.environ.get(DIRECTORY_VARIABLE, "").strip()
    if not value:
        raise FolderError(f"no folder of ONNX files: set {DIRECTORY_VARIABLE} to the folder that holds them "
                          f"({DIRECTORY_VARIABLE}=~/models nox -s sweep ...)")
    directory = Path(value).expanduser().absolute()
    if not directory.is_dir():
        raise FolderError(f"{DIRECTORY_VARIABLE}={value}: {directory} is not a folder")
    return directory


def model_files(directory: Path) -> list[Path]:
    """The ``*.onnx`` files directly in ``directory``, by name."""
    return sorted((p for p in directory.iterdir() if p.suffix == MODEL_SUFFIX and p.is_file()), key=lambda p: p.name)


def case_id(path: Path) -> str:
    """The case id of a model file: ``onnx-`` and its name without ``.onnx``, whitespace and
    ``/`` made ``_`` (``my model.onnx`` is ``onnx-my_model``)."""
    return CASE_PREFIX + re.sub(r"[\s/]", "_", path.name.removesuffix(MODEL_SUFFIX))


def inputs_file(path: Path) -> Path | None:
    """``<name>.npz`` beside the model ``<name>.onnx``, if there is one."""
    candidate = path.with_suffix(INPUTS_SUFFIX)
    return candidate if candidate.is_file() else None


def data_location_problem(location: str) -> str | None:
    """What is wrong with an external-data location written in a model (``None``: nothing):
    it must be a path relative to the model's folder that stays inside it."""
    if not location:
        return "is empty"
    path = Path(location)
    if path.is_absolute() or ".." in path.parts:
        return "is not a path inside the model's folder (absolute, or climbing out with '..')"
    return None
