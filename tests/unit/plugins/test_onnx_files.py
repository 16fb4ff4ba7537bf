"""The onnx-files plugin's parts that need no onnx: finding the folder and its files, the
case ids, the inputs made for declared shapes and types, the inputs taken from an .npz
beside a file. Reading real files, and sweeping them: tests/integration/test_onnx_files.py."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "plugins" / "onnx-files"))  # the plugin's source, not installed here

from tracker.inputs import make_inputs  # noqa: E402
from tracker_onnx_files import cases, folder  # noqa: E402
from tracker_onnx_files.graph import ELEMENT_TYPES, SYMBOLIC_SIZE, DeclaredInput  # noqa: E402

FLOAT, INT64, BOOL, UINT8, STRING = 1, 7, 9, 2, 8


def test_the_folder_is_named_by_the_variable_or_the_error_says_how(tmp_path, monkeypatch):
    monkeypatch.delenv(folder.DIRECTORY_VARIABLE, raising=False)
    with pytest.raises(folder.FolderError, match="set TRACKER_ONNX_DIR to the folder"):
        folder.configured_directory()
    monkeypatch.setenv(folder.DIRECTORY_VARIABLE, str(tmp_path / "nowhere"))
    with pytest.raises(folder.FolderError, match="is not a folder"):
        folder.configured_directory()
    monkeypatch.setenv(folder.DIRECTORY_VARIABLE, str(tmp_path))
    assert folder.configured_directory() == tmp_path


def test_the_cases_are_the_onnx_files_directly_in_the_folder_named_after_them(tmp_path):
    for name in ("b.onnx", "a model.onnx", "b.npz", "notes.txt", "sub/c.onnx", "b.onnx.data"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "dir.onnx").mkdir()
    files = folder.model_files(tmp_path)
    assert [p.name for p in files] == ["a model.onnx", "b.onnx"]
    assert [folder.case_id(p) for p in files] == ["onnx-a_model", "onnx-b"]
    assert [folder.inputs_file(p) for p in files] == [None, tmp_path / "b.npz"]


@pytest.mark.parametrize("location, problem", [
    ("m.onnx.data", None), ("weights/m.bin", None),
    ("/etc/passwd", "not a path inside"), ("../m.data", "not a path inside"), ("", "is empty"),
])
def test_an_external_data_location_must_stay_in_the_folder(location, problem):
    found = folder.data_location_problem(location)
    assert found is None if problem is None else problem in found


def test_symbolic_and_unknown_dimensions_are_made_one_and_declared_dynamic():
    declared = DeclaredInput("ids", INT64, ("batch", 8, None))
    assert declared.shape() == (SYMBOLIC_SIZE, 8, SYMBOLIC_SIZE) == (1, 8, 1)
    assert declared.dynamic() == ((0, "batch"), (2, "ids:2"))
    assert declared.describe() == "ids int64 [batch, 8, ?]"
    assert DeclaredInput("s", STRING, (2,)).dtype is None


def test_generated_inputs_follow_the_declared_types():
    declared = (DeclaredInput("x", FLOAT, ("batch", 3)), DeclaredInput("i", INT64, (4,)),
                DeclaredInput("m", BOOL, (2,)), DeclaredInput("u", UINT8, (5,)))
    problems: list[str] = []
    specs = cases._generated(Path("m.onnx"), declared, problems)
    assert problems == []
    assert [(s.name, s.shape, s.dtype, s.kind, s.dynamic) for s in specs] == [
        ("x", (1, 3), "float32", "normal", ((0, "batch"),)), ("i", (4,), "int64", "int", ()),
        ("m", (2,), "bool", "bool", ()), ("u", (5,), "uint8", "int", ())]
    x, i, m, u = make_inputs(specs, 0, 0)
    assert x.dtype == np.float32 and m.dtype == np.bool_
    assert i.min() >= 0 and i.max() < 10 and u.min() >= 0  # an index or a count, for most models


def test_every_element_type_of_the_table_has_a_kind_of_values():
    assert all(np.dtype(name).kind in cases.graph.VALUE_KINDS for name in ELEMENT_TYPES.values())


def test_an_input_no_values_are_made_for_asks_for_an_npz():
    problems: list[str] = []
    specs = cases._generated(Path("m.onnx"), (DeclaredInput("s", STRING, (2,)), DeclaredInput("x", FLOAT, None)),
                             problems)
    assert specs == ()
    assert problems == ["m.onnx: input s element type 8 [2] is of a type no values are generated for: give its "
                        "values in m.npz beside it",
                        "m.onnx: input x float32 no declared shape declares no shape: give its values in m.npz "
                        "beside it"]


def test_inputs_from_an_npz_beside_the_file_take_its_samples(tmp_path):
    npz = tmp_path / "m.npz"
    np.savez(npz, x=np.zeros((3, 2, 4), np.float64), ids=np.ones((3, 4), np.int32))
    declared = (DeclaredInput("x", FLOAT, ("batch", 4)), DeclaredInput("ids", INT64, (4,)))
    problems: list[str] = []
    specs, samples = cases._from_npz(npz, declared, problems)
    assert problems == [] and samples == 3
    assert [(s.name, s.shape, s.dtype, s.kind, s.source) for s in specs] == [
        ("x", (2, 4), "float32", "custom", str(npz)), ("ids", (4,), "int64", "custom", str(npz))]
    x, ids = make_inputs(specs, 0, 2)  # the last sample, cast to the declared types
    assert (x.dtype, ids.dtype, ids.tolist()) == (np.float32, np.int64, [1, 1, 1, 1])


@pytest.mark.parametrize("arrays, problem", [
    ({"y": np.zeros((2, 4))}, "holds no array named 'x' (it holds y)"),
    ({"x": np.zeros((2, 5))}, "array 'x' has shape [2, 5], not the samples of input x float32 [4]"),
    ({"x": np.zeros(4)}, "array 'x' has shape [4], not the samples"),  # one sample without its axis
])
def test_an_npz_that_does_not_fit_the_declared_inputs_says_how(tmp_path, arrays, problem):
    npz = tmp_path / "m.npz"
    np.savez(npz, **arrays)
    problems: list[str] = []
    cases._from_npz(npz, (DeclaredInput("x", FLOAT, (4,)),), problems)
    assert len(problems) == 1 and problem in problems[0], problems
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    problems.clear()
    cases._from_npz(tmp_path / "bad.npz", (DeclaredInput("x", FLOAT, (4,)),), problems)
    assert problems[0].startswith("bad.npz cannot be read as NumPy arrays")
