"""`tracker releases` against the planted index of tests/planted_index.py: the table, the
JSON, --promote and --write, and an index that cannot be read (exit 7, one line)."""

from __future__ import annotations

import json

import pytest
from conftest import tracker
from planted_index import PLANTED_MATRIX, closed_port_url, planted_index, planted_projects, write_planted_matrix

from tracker.matrix import load_matrix


@pytest.fixture
def matrix(tmp_path):
    write_planted_matrix(tmp_path / "envs")
    return tmp_path / "envs"


@pytest.fixture(scope="module")
def index():
    with planted_index(planted_projects()) as url:
        yield url


def test_the_table_lists_newer_releases_why_not_installable_and_what_they_extend(matrix, index):
    out = tracker("releases", "--matrix", str(matrix), "--index", index, check=True).stdout
    lines = {tuple(line.split()[:2]): line for line in out.splitlines() if line.startswith(("rt ", "conv "))}
    assert sorted(lines) == [("conv", "1.1.0"), ("conv", "1.2.0"), ("conv", "1.3.0"), ("conv", "1.4.0"),
                             ("rt", "1.1.0"), ("rt", "1.2.0"), ("rt", "1.3.0"), ("rt", "1.3.1")]
    assert "no, not sweepable: no wheel for this platform: sdist only" in lines[("conv", "1.1.0")]
    assert "2026-11-01  yes" in lines[("rt", "1.3.0")] and "alpha > 1.2.0, beta > 1.0.0" in lines[("rt", "1.3.0")]
    assert "9 newer than the matrix, 4 installable here" in out
    assert "1.4.0rc1" not in out and "1.4.0.dev" not in out
    pre = tracker("releases", "--matrix", str(matrix), "--index", index, "--pre", check=True).stdout
    assert "1.4.0rc1" in pre and "1.4.0.dev20261201" in pre and "1.5.0" not in pre


def test_json_is_a_list_of_documented_objects(matrix, index):
    out = tracker("releases", "--matrix", str(matrix), "--index", index, "--format", "json", check=True).stdout
    rows = json.loads(out)
    assert {tuple(sorted(row)) for row in rows} == {(
        "extends", "installable", "kind", "note", "package", "reason", "sweepable", "uploaded", "version")}
    torch = next(r for r in rows if r["package"] == "torch")
    assert torch["sweepable"] and "CUDA" in torch["note"]


def test_promote_prints_the_edits_and_write_makes_them(matrix, index):
    common = ("releases", "--matrix", str(matrix), "--index", index, "--newest", "--package", "rt")
    out = tracker(*common, "--promote", check=True).stdout
    assert f'{matrix / "alpha.toml"}: [pipeline.alpha.runtime-axes] rt += "1.3.0"' in out
    assert '+runtime-axes.rt = ["0.9.0", "1.0.0", "1.3.0"]' in out and '+    "1.3.0",' in out
    assert (matrix / "beta.toml").read_text() == PLANTED_MATRIX["beta.toml"]  # printed, not written
    written = tracker(*common, "--write", check=True).stdout
    assert "the matrix loads" in written
    assert "# keep this comment" in (matrix / "alpha.toml").read_text()
    versions = {(p.pipeline, a.version) for p in load_matrix(matrix) for a in p.runtime_axes}
    assert {("alpha", "1.3.0"), ("beta", "1.3.0")} <= versions
    again = tracker(*common, "--promote", check=True).stdout
    assert again.startswith("nothing to promote")


def test_an_unreachable_index_exits_7_with_one_line(matrix):
    url = closed_port_url()
    process = tracker("releases", "--matrix", str(matrix), "--index", url)
    assert process.returncode == 7, process.stderr
    assert url in process.stderr and "--index" in process.stderr
    assert "Traceback" not in process.stderr and len(process.stderr.strip().splitlines()) == 1


def test_an_index_answering_garbage_exits_7_with_one_line(matrix):
    with planted_index({name: b"<html>maintenance</html>" for name in ("rt", "conv", "torch")}) as url:
        process = tracker("releases", "--matrix", str(matrix), "--index", url)
    assert process.returncode == 7 and "not PyPI's JSON API" in process.stderr
    assert "Traceback" not in process.stderr and len(process.stderr.strip().splitlines()) == 1


def test_an_unknown_package_names_the_axes_and_newest_needs_promote(matrix, index):
    process = tracker("releases", "--matrix", str(matrix), "--index", index, "--package", "onnx")
    assert process.returncode == 6 and "its axis packages: conv, rt, torch" in process.stderr
    process = tracker("releases", "--matrix", str(matrix), "--index", index, "--newest")
    assert process.returncode == 3 and "give --promote too" in process.stderr
