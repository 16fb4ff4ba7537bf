"""Regressions, fixes and history, on a store with transitions planted along two axes.

The planted matrix (pipeline torch-onnx): variant dynamo crosses onnxruntime 1.9.0, 1.17.3,
1.20.1 with onnxscript 0.9.0, 0.10.0 (so string order is wrong on both axes), where
onnxruntime 1.17.3 x onnxscript 0.10.0 could not be built (env_error); onnxruntime 1.9.0
comes with numpy 1.26.4, the others with 2.4.6 (an incidental package, not an axis).
Variant torchscript has onnxruntime 1.9.0 and 1.20.1 only.
"""

from __future__ import annotations

import json

import pytest
from conftest import tracker
from tracker_fake_plugin import fake_case

from tracker.analysis import Rules, find_transitions, load_groups
from tracker.analysis.history import case_history
from tracker.envinfo import Environment, unbuildable
from tracker.errors import ConfigError, SelectionError
from tracker.store import ResultRecord, Store, VerdictRecord

ORT = ("1.9.0", "1.17.3", "1.20.1")
SCRIPT = ("0.9.0", "0.10.0")
UNBUILT = ("1.17.3", "0.10.0")
BAD_KERNEL = "RuntimeError: bad kernel <n>"


def _steady(ort, script):
    return {"error": 0.0 if ort == "1.9.0" else 5e-7,  # under the error floor: no drift
            "seconds": 0.001 if ort == "1.9.0" else 0.004}  # under the noise floor: no slowdown


def _breaks(ort, script):
    return {} if ort == "1.9.0" else {"outcome": "runtime_error", "signature": BAD_KERNEL}


def _fixed(ort, script):
    return {} if script == "0.10.0" else {"outcome": "convert_error", "signature": "ConvertError: Frobnicate"}


def _signatures(ort, script):
    return {
        "1.9.0": {"outcome": "incorrect", "signature": "numeric: mismatch"},
        "1.17.3": {"outcome": "incorrect", "signature": "numeric: nan"},
        "1.20.1": {"outcome": "runtime_error", "signature": BAD_KERNEL},
    }[ort]


def _drifts(ort, script):
    if ort == "1.20.1":
        return {"error": 5e-5}
    return {"error": 4e-6 if (ort, script) == ("1.9.0", "0.10.0") else 1e-6}  # x4: no drift


def _slows(ort, script):
    return {"seconds": 0.050 if ort == "1.20.1" else 0.020}


def _not_runnable(ort, script):  # converted and checked, not runnable here (CoreML off macOS)
    return {"outcome": "not_runnable", "signature": "not runnable: macOS only"}


def _conversion_lost(ort, script):  # ... until the conversion breaks: a regression
    return _not_runnable(ort, script) if ort == "1.9.0" else {"outcome": "convert_error",
                                                               "signature": "TypeError: np scalar"}


def _old_definition(ort, script):  # a regression of an older definition: never reported
    return {"outcome": "runtime_error", "signature": BAD_KERNEL} if ort == "1.20.1" else {}


def _new_definition(ort, script):
    return {"outcome": "crash", "signature": "crash: SIGSEGV in convert"}


DYNAMO = {
    "steady": _steady,
    "breaks": _breaks,
    "fixed": _fixed,
    "signatures": _signatures,
    "drifts": _drifts,
    "slows": _slows,
    "redefined": _new_definition,
    "not-runnable": _not_runnable,
    "conversion-lost": _conversion_lost,
}

# contexts: what is held fixed
AT_SCRIPT_9, AT_SCRIPT_10 = "torch-onnx.dynamo onnxscript==0.9.0", "torch-onnx.dynamo onnxscript==0.10.0"
AT_ORT_9, AT_ORT_20 = "torch-onnx.dynamo onnxruntime==1.9.0", "torch-onnx.dynamo onnxruntime==1.20.1"
TORCHSCRIPT = "torch-onnx.torchscript"

EXPECTED = {  # kind, case, axis, before, after, context
    ("regression", "breaks", "onnxruntime", "1.9.0", "1.17.3", AT_SCRIPT_9),
    ("regression", "breaks", "onnxruntime", "1.9.0", "1.20.1", AT_SCRIPT_10),  # over the env_error
    ("regression", "breaks", "onnxruntime", "1.9.0", "1.20.1", TORCHSCRIPT),
    ("fix", "fixed", "onnxscript", "0.9.0", "0.10.0", AT_ORT_9),
    ("fix", "fixed", "onnxscript", "0.9.0", "0.10.0", AT_ORT_20),
    ("signature_change", "signatures", "onnxruntime", "1.9.0", "1.17.3", AT_SCRIPT_9),
    ("signature_change", "signatures", "onnxruntime", "1.17.3", "1.20.1", AT_SCRIPT_9),
    ("signature_change", "signatures", "onnxruntime", "1.9.0", "1.20.1", AT_SCRIPT_10),
    ("drift", "drifts", "onnxruntime", "1.17.3", "1.20.1", AT_SCRIPT_9),
    ("drift", "drifts", "onnxruntime", "1.9.0", "1.20.1", AT_SCRIPT_10),
    ("slowdown", "slows", "onnxruntime", "1.17.3", "1.20.1", AT_SCRIPT_9),
    ("slowdown", "slows", "onnxruntime", "1.9.0", "1.20.1", AT_SCRIPT_10),
    # not_runnable is a good side of a step; not_runnable everywhere is no step at all
    ("regression", "conversion-lost", "onnxruntime", "1.9.0", "1.17.3", AT_SCRIPT_9),
    ("regression", "conversion-lost", "onnxruntime", "1.9.0", "1.20.1", AT_SCRIPT_10),
}


def _environment(variant: str, ort: str, script: str | None, sympy: str = "1.14.0"):
    requested = {"torch": "==2.13.0", "onnxruntime": f"=={ort}"}
    if script:
        requested["onnxscript"] = f"=={script}"
    if ort == "1.9.0":
        requested["numpy"] = "<2"
    if (ort, script) == UNBUILT:
        return unbuildable(requested), requested, False
    packages = {"numpy": "1.26.4" if ort == "1.9.0" else "2.4.6", "onnxruntime": ort,
                "sympy": sympy, "torch": "2.13.0+cpu"}
    if script:
        packages["onnxscript"] = script
    return Environment("3.11.7", "linux-x86_64", dict(sorted(packages.items()))), requested, True


def _record(store: Store, variant: str, ort: str, script: str | None, planted: list,
            sympy: str = "1.14.0") -> None:
    env, requested, buildable = _environment(variant, ort, script, sympy)
    label = f"torch-onnx.{variant} onnxruntime-{ort}" + (f" onnxscript-{script}" if script else "")
    store.record_environment(env, label=label, requested=requested, buildable=buildable)
    run_id = store.start_run(env_id=env.env_id, label=label, pipeline="torch-onnx", variant=variant,
                             model_set=None, manifest_hash="m", case_count=len(planted), argv=[])
    for case, plan in planted:
        spec = {"outcome": "ok", "signature": None, "error": 1e-6, "seconds": 0.020}
        if not buildable:
            spec = {"outcome": "env_error", "signature": "InstallError: no matching distribution",
                    "error": None, "seconds": None}
        else:
            spec.update(plan(ort, script))
        judged = spec["outcome"] in ("ok", "incorrect")  # the numeric oracle had outputs
        metrics = {"max_abs_error": spec["error"]} if judged else {}
        store.record_result(ResultRecord(
            run_id=run_id, env_id=env.env_id, config_key=f"config-{variant}", pipeline="torch-onnx",
            variant=variant, framework="pytorch", converter="torch.onnx", runtime="onnxruntime",
            case_id=case.id, case_hash=case.content_hash, outcome=spec["outcome"],
            signature=spec["signature"], run_seconds=spec["seconds"],
            verdicts=[VerdictRecord("numeric", spec["outcome"] == "ok", metrics=metrics)],
        ))


def build_planted_store(path) -> None:
    cases = {name: fake_case(name) for name in DYNAMO}
    old = fake_case("redefined", delay=1.0)  # same id, another content hash
    with Store.open(path) as store:
        store.record_cases([old])
        for ort in ORT:
            _record(store, "dynamo", ort, "0.9.0", [(old, _old_definition)])
        store.record_cases(list(cases.values()))  # the newer definition of "redefined"
        for ort in ORT:
            for script in SCRIPT:
                _record(store, "dynamo", ort, script, [(cases[n], plan) for n, plan in DYNAMO.items()])
        for ort in ("1.9.0", "1.20.1"):
            _record(store, "torchscript", ort, None, [(cases["breaks"], _breaks)])


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    path = tmp_path_factory.mktemp("planted") / "store.duckdb"
    build_planted_store(path)
    return path


def _found(path, **options):
    with Store.open(path, read_only=True) as store:
        return find_transitions(store, load_groups(store), **options)


def _keys(transitions):
    return {(t.kind, t.case_id, t.axis, t.before.version, t.after.version, t.describe_context())
            for t in transitions}


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


def test_a_lower_latency_ratio_finds_smaller_slowdowns(planted):
    found = _keys(_found(planted, kinds=["slowdown"], rules=Rules(latency_ratio=1.2)))
    assert ("slowdown", "steady", "onnxruntime", "1.9.0", "1.17.3", AT_SCRIPT_9) not in found  # noise
    assert {k for k in EXPECTED if k[0] == "slowdown"} <= found


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
    table = tracker("regressions", "--store", str(planted), check=True).stdout
    assert "last good -> first bad" in table and "1.9.0 -> 1.17.3" in table
    assert "signature change" in table and "drift (warning)" in table and "x2.5" in table
    assert "numpy 1.26.4 -> 2.4.6" in table
    assert "regressions: 5, signature changes: 3, drift warnings: 2, slowdowns: 2" in table
    rows = json.loads(tracker("regressions", "--store", str(planted), "--format", "json", check=True).stdout)
    assert {(r["kind"], r["case_id"], r["axis"], r["before"]["version"], r["after"]["version"])
            for r in rows} == {k[:5] for k in EXPECTED if k[0] != "fix"}


def test_fixes_shows_the_signature_that_went_away(planted):
    table = tracker("fixes", "--store", str(planted), "--axis", "onnxscript", check=True).stdout
    assert "last bad -> first good" in table and "ConvertError: Frobnicate" in table
    assert "fixes: 2" in table


def test_history_table_and_errors(planted):
    table = tracker("history", "signatures", "--store", str(planted), check=True).stdout
    lines = [line for line in table.splitlines() if line.startswith("torch-onnx.dynamo")]
    assert [line.split()[1] for line in lines[::2]] == [f"onnxruntime=={v}" for v in ORT]
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

