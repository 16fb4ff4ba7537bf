"""Discovery of releases newer than the matrix (tracker/releases.py) against the planted
index of tests/planted_index.py, and the text edits that promote them
(tracker/matrix_edit.py). No test reaches the network."""

from __future__ import annotations

import tomllib

import pytest
from planted_index import (HERE, PLANTED_MATRIX, closed_port_url, file, planted_index,
                           planted_projects, write_planted_matrix)

from tracker.bisect.search import project_releases, released_versions
from tracker.errors import IndexUnavailable
from tracker.errors import ConfigError
from tracker.matrix import load_matrix
from tracker.matrix_edit import AxisEdit, append, edit_texts, locate_arrays, write
from tracker.releases import (CUDA_NOTE, DEV, FINAL, PRE, discover, frontiers, installability,
                              promotable, promotion_edits)


@pytest.fixture
def matrix(tmp_path):
    write_planted_matrix(tmp_path / "envs")
    return tmp_path / "envs"


def _found(matrix, pre=False):
    fronts = frontiers(load_matrix(matrix))
    return {(r.package, r.version): r for r in discover(fronts, _releases(), pre=pre)}


def _releases():
    return {name: data["releases"] for name, data in planted_projects().items()}


def test_frontiers_are_the_newest_version_of_each_axis_per_pipeline(matrix):
    fronts = {(f.pipeline, f.package): f for f in frontiers(load_matrix(matrix))}
    assert {k: f.newest for k, f in fronts.items()} == {
        ("alpha", "conv"): "1.0.0", ("alpha", "rt"): "1.2.0",
        ("beta", "torch"): "2.0.0", ("beta", "rt"): "1.0.0"}
    assert fronts[("alpha", "rt")].side == "runtime" and fronts[("alpha", "conv")].side == "converter"
    assert fronts[("beta", "torch")].allow_cuda and not fronts[("alpha", "rt")].allow_cuda


def test_a_release_is_listed_for_the_pipelines_whose_newest_it_passes(matrix):
    found = _found(matrix)
    assert [v for p, v in found if p == "rt"] == ["1.1.0", "1.2.0", "1.3.0", "1.3.1"]
    assert [f.pipeline for f in found[("rt", "1.1.0")].extends] == ["beta"]
    assert [f.pipeline for f in found[("rt", "1.2.0")].extends] == ["beta"]
    assert sorted(f.pipeline for f in found[("rt", "1.3.0")].extends) == ["alpha", "beta"]
    # the first file's date; final releases only, the yanked 1.5.0 never
    assert found[("rt", "1.3.0")].uploaded == "2026-11-01" and found[("rt", "1.3.0")].kind == FINAL


def test_pre_releases_and_dev_builds_only_when_asked(matrix):
    assert not any(r.kind != FINAL for r in _found(matrix).values())
    found = _found(matrix, pre=True)
    assert found[("rt", "1.4.0rc1")].kind == PRE
    assert found[("rt", "1.4.0.dev20261201")].kind == DEV
    assert ("rt", "1.5.0") not in found  # yanked: never, even with --pre


def test_installable_here_or_why_not(matrix):
    found = _found(matrix)
    assert found[("rt", "1.3.0")].sweepable
    reasons = {v: r.installability.reason for (p, v), r in found.items() if p == "conv"}
    assert reasons["1.1.0"] == "no wheel for this platform: sdist only"
    assert reasons["1.2.0"].startswith("no wheel for this platform (wheels for ")
    assert reasons["1.3.0"] == f"no wheel for Python {_python()} on this platform (wheels for cp27)"
    assert reasons["1.4.0"] == f"every file requires Python <3 (this is {_python()})"
    assert not any(found[("conv", v)].sweepable for v in reasons)
    # a yanked wheel does not count: what is left of 1.3.1 is its sdist
    assert found[("rt", "1.3.1")].installability.reason == "no wheel for this platform: sdist only"


def _python():
    import platform

    return platform.python_version()


def test_a_wheel_whose_tags_match_but_whose_python_does_not_is_refused():
    files = [file("x", "1.0", "here", requires_python=">=9"), file("x", "1.0", requires_python=">=3")]
    verdict = installability(files, [HERE], "3.11.0")
    assert not verdict.installable and "no wheel for Python 3.11.0" in verdict.reason
    assert not installability([], [HERE], "3.11.0").installable


def test_torch_and_allow_cuda_axes_carry_the_cuda_note(matrix):
    found = _found(matrix)
    assert found[("torch", "2.1.0")].note == CUDA_NOTE and found[("torch", "2.1.0")].sweepable
    assert found[("rt", "1.3.0")].note == ""


def test_json_keys(matrix):
    row = _found(matrix)[("conv", "1.1.0")].to_json()
    assert row == {
        "package": "conv", "version": "1.1.0", "kind": "final", "uploaded": "2026-11-13",
        "installable": False, "reason": "no wheel for this platform: sdist only", "sweepable": False,
        "extends": [{"pipeline": "alpha", "side": "converter", "matrix_newest": "1.0.0",
                     "file": str(matrix / "alpha.toml")}],
        "note": None,
    }


# -- the index reader ----------------------------------------------------------------------


def test_the_reader_reads_the_planted_index_and_bisect_still_sees_yanked_releases():
    with planted_index(planted_projects()) as url:
        assert "1.3.0" in project_releases("rt", url)
        releases = {r.version: r.yanked for r in released_versions("rt", url)}
    assert releases["1.5.0"] and not releases["1.3.1"]  # yanked: every file is


def test_an_unreachable_index_is_a_one_line_error_naming_the_url():
    url = closed_port_url()
    with pytest.raises(IndexUnavailable) as caught:
        project_releases("rt", url, timeout=5)
    assert IndexUnavailable.exit_code == 7
    assert f"{url}/rt/json" in str(caught.value) and "--index" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("answer", [b"<html>not json</html>", b'{"releases": ["1.0"]}',
                                    b'{"releases": {"1.0": [{"name": 1}]}}', b"[]"])
def test_an_index_answering_garbage_is_a_one_line_error(answer):
    with planted_index({"rt": answer}) as url, pytest.raises(IndexUnavailable) as caught:
        project_releases("rt", url)
    assert "not PyPI's JSON API" in str(caught.value) and f"{url}/rt/json" in str(caught.value)


def test_a_package_missing_from_the_index_is_a_config_error():
    with planted_index({}) as url, pytest.raises(ConfigError, match="'rt' is not on the index"):
        project_releases("rt", url)


# -- promotion -----------------------------------------------------------------------------


def test_promotion_appends_installable_final_releases_to_the_frontier_arrays(matrix):
    found = list(_found(matrix).values())
    assert [(r.package, r.version) for r in promotable(found)] == [
        ("rt", "1.1.0"), ("rt", "1.2.0"), ("rt", "1.3.0"), ("torch", "2.1.0")]
    newest = promotable(found, newest=True)
    assert [(r.package, r.version) for r in newest] == [("rt", "1.3.0"), ("torch", "2.1.0")]
    texts = {str(path): path.read_text() for path in sorted(matrix.glob("*.toml"))}
    edits = promotion_edits(newest, texts)
    assert {(e.path, e.version) for e in edits} == {
        (("pipeline", "alpha", "runtime-axes", "rt"), "1.3.0"),
        (("pipeline", "beta", "runtime-axes", "rt"), "1.3.0"),
        (("pipeline", "beta", "variant", "plain", "converter-axes", "torch"), "2.1.0"),
    }
    edited, _ = edit_texts(edits, texts)
    assert edited[str(matrix / "alpha.toml")] == PLANTED_MATRIX["alpha.toml"].replace(
        '# keep this comment\n', '# keep this comment\n    "1.3.0",\n')
    assert edited[str(matrix / "beta.toml")] == PLANTED_MATRIX["beta.toml"].replace(
        'rt = ["0.9.0", "1.0.0"]', 'rt = ["0.9.0", "1.0.0", "1.3.0"]').replace(
        'the only build" }]', 'the only build" }, "2.1.0"]')


@pytest.mark.parametrize(("before", "after"), [
    ('x = ["1"]\n', 'x = ["1", "2"]\n'),
    ('x = []\n', 'x = ["2"]\n'),
    ('x = ["1",]  # c\n', 'x = ["1", "2",]  # c\n'),
    ('x = ["1",\n     "1.5"]\n', 'x = ["1",\n     "1.5",\n     "2"]\n'),
    ('x = [\n  "1"  # c\n]\n', 'x = [\n  "1",  # c\n  "2"\n]\n'),
    ('x = [\n  "1",  # c ]\n]\n', 'x = [\n  "1",  # c ]\n  "2",\n]\n'),
    ('[t]\n"y".z = [{ v = "]" }] # k\n', '[t]\n"y".z = [{ v = "]" }, "2"] # k\n'),
    ('s = """\nx = [\n"""\n[t]\nx = ["1"]\n', 's = """\nx = [\n"""\n[t]\nx = ["1", "2"]\n'),
])
def test_an_array_keeps_its_layout(before, after):
    path = [p for p in locate_arrays(before) if p[-1] in "xz"][-1]
    assert append(before, path, "2")[0] == after
    assert tomllib.loads(after)  # still TOML


def test_write_round_trip_and_roll_back(matrix):
    alpha = str(matrix / "alpha.toml")
    originals = {alpha: PLANTED_MATRIX["alpha.toml"]}
    texts, _ = edit_texts([AxisEdit(alpha, ("pipeline", "alpha", "runtime-axes", "rt"), "1.3.0")], originals)
    write(texts, originals, lambda: load_matrix(matrix))
    assert "1.3.0" in {p.runtime_axes[0].version for p in load_matrix(matrix)}
    assert "# keep this comment" in (matrix / "alpha.toml").read_text()

    def refuse():
        raise ConfigError("planted failure")

    with pytest.raises(ConfigError, match="planted failure.*back as they were"):
        write({alpha: "broken = ["}, {alpha: texts[alpha]}, refuse)
    assert (matrix / "alpha.toml").read_text() == texts[alpha]
