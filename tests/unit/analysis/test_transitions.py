"""Regressions, fixes and history, on a store with transitions planted along two axes.

The planted matrix (pipeline torch-onnx): variant dynamo crosses onnxruntime 1.9.0, 1.17.3,
1.20.1 with onnxscript 0.9.0, 0.10.0 (so string order is wrong on both axes), where
onnxruntime 1.17.3 x onnxscript 0.10.0 could not be built (env_error); onnxruntime 1.9.0
comes with numpy 1.26.4, the others with 2.4.6 (an incidental package, not an axis).
Variant torchscript has onnxruntime 1.9.0 and 1.20.1 only.
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import tracker
from planted_store import (
    AT_SCRIPT_9, AT_SCRIPT_10, BAD_KERNEL, EXPECTED, ORT, SCRIPT, TORCHSCRIPT, _breaks, _found, _keys, _record,
    _steady, build_latency_store, build_planted_store,
)
from tracker_fake_plugin import fake_case

from tracker.analysis import Rules, load_groups
from tracker.analysis.history import case_history
from tracker.errors import ConfigError, SelectionError
from tracker.store import Store


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    path = tmp_path_factory.mktemp("planted") / "store.duckdb"
    build_planted_store(path)
    return path


# -- analysis -----------------------------------------------------------------------------

def test_every_planted_transition_is_found_and_nothing_else(planted):
    assert _keys(_found(planted)) == EXPECTED


def test_axes_are_the_pinned_packages_that_vary(planted):
    with Store.open(planted, read_only=True) as store:
        groups = {g.name: g for g in load_groups(store)}
    assert groups["torch-onnx.dynamo"].axes == ("onnxruntime", "onnxscript")
    assert groups["torch-onnx.torchscript"].axes == ("onnxruntime",)
    assert "numpy" in groups["torch-onnx.dynamo"].varying  # varies, but was not pinned


def test_a_step_names_the_incidental_packages_that_changed_with_it(planted):
    (step,) = [t for t in _found(planted, kinds=["regression"])
               if t.describe_context() == AT_SCRIPT_9 and t.case_id == "breaks"]
    assert step.also_changed == (("numpy", "1.26.4", "2.4.6"),)
    assert (step.before.outcome, step.after.outcome) == ("ok", "runtime_error")
    assert step.after.signature == BAD_KERNEL


def test_one_axis_and_since(planted):
    found = _keys(_found(planted, axis="onnxscript"))
    assert found == {k for k in EXPECTED if k[2] == "onnxscript"}
    since = _keys(_found(planted, axis="onnxruntime", since="1.17.3"))
    assert since == {k for k in EXPECTED if k[2] == "onnxruntime" and k[3] != "1.9.0"}


def test_env_errors_count_as_failures_only_when_asked(planted):
    found = _keys(_found(planted, rules=Rules(include_env_errors=True)))
    assert ("regression", "steady", "onnxruntime", "1.9.0", "1.17.3", AT_SCRIPT_10) in found
    assert ("fix", "steady", "onnxruntime", "1.17.3", "1.20.1", AT_SCRIPT_10) in found
    assert ("regression", "steady", "onnxscript", "0.9.0", "0.10.0",
            "torch-onnx.dynamo onnxruntime==1.17.3") in found


def test_an_oracle_repeated_for_one_result_flips_nothing(planted, tmp_path):
    """A hostile or merged store may hold two verdicts of one oracle for one result (here
    the checker's and the numeric oracle's under one name): the oracle passes only if all
    of them pass, so no flip is made up by pairing them crosswise."""
    merged = tmp_path / "merged.duckdb"
    shutil.copyfile(planted, merged)
    with Store.open(merged) as store:
        store.con.execute("UPDATE verdicts SET oracle = 'merged'")
    assert not [t for t in _found(merged) if t.kind.startswith("hidden_")]


def test_a_lower_latency_ratio_finds_smaller_slowdowns(planted):
    found = _keys(_found(planted, kinds=["slowdown"], rules=Rules(latency_ratio=1.2)))
    assert ("slowdown", "steady", "onnxruntime", "1.9.0", "1.17.3", AT_SCRIPT_9) not in found  # noise
    assert {k for k in EXPECTED if k[0] == "slowdown"} <= found


def test_a_slowdown_needs_samples_that_say_so_beyond_the_noise(tmp_path):
    """Of five cases that look slower at onnxruntime 1.20.1, only the one whose samples
    separate is a slowdown: overlapping samples (x1.6 in the medians), one run per side
    (x42.5, a scheduler's hiccup), a change under the floor (1 ms -> 4 ms) and a run three
    times longer in wall time on a loaded machine, the same in CPU time, are not."""
    path = tmp_path / "latency.duckdb"
    build_latency_store(path)
    found = _found(path, kinds=["slowdown"])
    assert {(t.case_id, t.before.version, t.after.version) for t in found} == {("slows", "1.17.3", "1.20.1")}
    (slowdown,) = found
    assert "wall time median 20 ms -> 50 ms (x2.50)" in slowdown.note and "rank test p=" in slowdown.note
    # without the rank test, on the medians alone, two of them would have been reported
    loose = _found(path, kinds=["slowdown"], rules=Rules(latency_alpha=1.01, latency_min_samples=1))
    assert {t.case_id for t in loose} == {"slows", "noisy", "one-sample"}
    # and without its CPU time, the run on a loaded machine (x3 in wall time only)
    with Store.open(path) as store:
        store.con.execute("""DELETE FROM samples WHERE name LIKE '%@cpu'""")
    assert {t.case_id for t in _found(path, kinds=["slowdown"])} == {"slows", "loaded"}


def test_the_measured_timing_noise_raises_the_floor(tmp_path):
    path = tmp_path / "latency.duckdb"
    build_latency_store(path)
    with Store.open(path) as store:
        store.con.execute("UPDATE runs SET timer_noise_seconds = 0.040")  # a 40 ms hiccup was seen: 30 ms is noise
    assert _found(path, kinds=["slowdown"]) == []


def test_a_rebuilt_environment_stands_for_its_versions_with_its_newest_result(store):
    case = fake_case("rebuilt")
    with Store.open(store) as handle:
        handle.record_cases([case])
        _record(handle, "torchscript", "1.9.0", None, [(case, _steady)])
        _record(handle, "torchscript", "1.20.1", None, [(case, _breaks)])
        _record(handle, "torchscript", "1.20.1", None, [(case, _steady)], sympy="1.15.0")
    assert _found(store) == []
    with Store.open(store) as handle:
        _record(handle, "torchscript", "1.20.1", None, [(case, _breaks)], sympy="1.16.0")
    assert _keys(_found(store)) == {
        ("regression", "rebuilt", "onnxruntime", "1.9.0", "1.20.1", TORCHSCRIPT)}


def test_unknown_axis_and_since_without_axis_are_clear_errors(planted):
    with pytest.raises(SelectionError, match="'tensorflow'") as error:
        _found(planted, axis="tensorflow")
    assert "torch-onnx.dynamo: onnxruntime, onnxscript" in str(error.value)
    with pytest.raises(ConfigError, match="needs --axis"):
        _found(planted, since="1.17.3")


def test_history_is_in_version_order_and_keeps_hashes_apart(planted):
    with Store.open(planted, read_only=True) as store:
        history = case_history(store, load_groups(store), "redefined")
        everything = case_history(store, load_groups(store), "redefined", all_hashes=True)
    versions = [tuple(v for _, v in row["versions"]) for row in history.rows]
    assert versions == [(o, s) for o in ORT for s in SCRIPT]
    assert {row["outcome"] for row in history.rows} == {"crash", "env_error"}
    assert sum(history.hidden.values()) == 3 and len(everything.rows) == 9


def test_history_shows_the_newest_definition_even_before_it_has_a_result(store):
    # as the matrix does: the results of an older definition are never shown as the case's
    old, new = fake_case("redefined", delay=1.0), fake_case("redefined")
    with Store.open(store) as handle:
        handle.record_cases([old])
        _record(handle, "dynamo", "1.9.0", "0.9.0", [(old, _steady)])
        handle.record_cases([new])
        history = case_history(handle, load_groups(handle), "redefined")
    assert history.rows == [] and history.hidden == {old.content_hash: 1}
    table = tracker("history", "redefined", "--store", str(store), check=True).stdout
    assert f"redefined: 0 results, definition {new.content_hash}" in table
    assert "1 older definition(s) of this case have 1 more result(s)" in table


# -- the commands -------------------------------------------------------------------------

def test_regressions_table_and_json(planted):
    table = tracker("regressions", "--store", str(planted), "--all", check=True).stdout
    assert "last good -> first bad" in table and "1.9.0 -> 1.17.3" in table
    assert "signature changes (" in table and "drift warnings (" in table and "x2.5" in table
    assert "numpy 1.26.4 -> 2.4.6" in table
    assert "regressions: 5, signature changes: 3, drift warnings: 2, slowdowns: 2" in table
    rows = json.loads(tracker("regressions", "--store", str(planted), "--format", "json", check=True).stdout)
    assert {(r["kind"], r["case_id"], r["axis"], r["before"]["version"], r["after"]["version"])
            for r in rows} == {k[:5] for k in EXPECTED if "fix" not in k[0]}


def test_fixes_shows_the_signature_that_went_away(planted):
    table = tracker("fixes", "--store", str(planted), "--axis", "onnxscript", check=True).stdout
    assert "last bad -> first good" in table and "ConvertError: Frobnicate" in table
    assert "fixes: 2" in table
    assert "behind" not in table  # no oracle flipped along onnxscript


def test_a_fix_behind_a_standing_failure_is_listed_with_its_oracle(planted):
    """invalid_model (the checker's opset_mismatch) at every version; the numeric verdict
    fails at onnxruntime 1.9.0 and passes after: a fix the outcome alone would hide."""
    table = tracker("fixes", "--store", str(planted), "--axis", "onnxruntime", "--width", "0", check=True).stdout
    assert "fixes behind a standing failure (last bad -> first good), per version step:" in table
    line = next(line for line in table.splitlines() if line.strip().startswith("hidden-fix"))
    assert "invalid_model -> invalid_model" in line
    assert "fix (numeric, behind invalid_model/opset_mismatch): numeric failed -> passed" in line
    assert "fixes: 0, fixes behind a standing failure: 2" in table
    rows = json.loads(tracker("fixes", "--store", str(planted), "--format", "json", check=True).stdout)
    hidden = [r for r in rows if r["kind"] == "hidden_fix"]
    assert {(r["oracle"], r["after"]["subkind"]) for r in hidden} == {("numeric", "opset_mismatch")}
    regressions = tracker("regressions", "--store", str(planted), check=True).stdout
    assert "hidden-fix" not in regressions


def test_history_table_and_errors(planted):
    table = tracker("history", "signatures", "--store", str(planted), "--width", "0", check=True).stdout
    lines = [line for line in table.splitlines() if line.startswith("torch-onnx.dynamo")]
    assert [line.split()[1] for line in lines[::2]] == [f"onnxruntime-{v}" for v in ORT]
    assert "numeric: nan" in table and "not built" in table
    unknown = tracker("history", "signaturse", "--store", str(planted))
    assert unknown.returncode == 6 and "did you mean signatures" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_bad_options_exit_with_their_codes(planted):
    process = tracker("regressions", "--store", str(planted), "--axis", "tensorflow")
    assert process.returncode == 6 and "the axes in the store are" in process.stderr
    process = tracker("regressions", "--store", str(planted), "--since", "1.17.3")
    assert process.returncode == 3 and "needs --axis" in process.stderr


def test_an_empty_store_says_how_to_fill_it(store):
    with Store.open(store):
        pass
    for command in ("regressions", "fixes"):
        process = tracker(command, "--store", str(store), check=True)
        assert "holds no result yet" in process.stdout
    process = tracker("history", "hf-bert", "--store", str(store))
    assert process.returncode == 6 and "nox -s sweep" in process.stderr

