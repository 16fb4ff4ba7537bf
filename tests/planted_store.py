"""A store with transitions planted along two axes, for the tests of the analyses, the
reports and the declarations.

The planted matrix (pipeline torch-onnx): variant dynamo crosses onnxruntime 1.9.0, 1.17.3,
1.20.1 with onnxscript 0.9.0, 0.10.0 (so string order is wrong on both axes), where
onnxruntime 1.17.3 x onnxscript 0.10.0 could not be built (env_error); onnxruntime 1.9.0
comes with numpy 1.26.4, the others with 2.4.6 (an incidental package, not an axis).
Variant torchscript has onnxruntime 1.9.0 and 1.20.1 only.
"""

from __future__ import annotations

import dataclasses
import statistics

from tracker_fake_plugin import fake_case

from tracker.analysis import find_transitions, load_groups
from tracker.envinfo import Environment, unbuildable
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


def _noisy(ort, script):  # x1.6 in the medians, but the samples overlap: no slowdown
    if ort != "1.20.1":
        return {"samples": [0.012, 0.014, 0.016, 0.018, 0.020, 0.022, 0.024, 0.050, 0.055, 0.060, 0.065]}
    return {"samples": [0.013, 0.015, 0.017, 0.019, 0.021, 0.036, 0.045, 0.051, 0.056, 0.061, 0.066]}


def _loaded(ort, script):  # x3 in wall time at 1.20.1 (a loaded machine), the same CPU time
    shared = 3.0 if ort == "1.20.1" else 1.0
    return {"samples": [0.020 * shared * (1 + 0.01 * k) for k in range(-5, 6)],
            "cpu": [0.020 * (1 + 0.01 * k) for k in range(-5, 6)]}


def _one_sample(ort, script):  # x42.9 on one run per side (a scheduler's hiccup): not a verdict
    return {"samples": [0.0002]} if ort != "1.20.1" else {"samples": [0.0085]}


def _not_runnable(ort, script):  # converted and checked, not runnable here (CoreML off macOS)
    return {"outcome": "not_runnable", "signature": "not runnable: macOS only"}


def _conversion_lost(ort, script):  # ... until the conversion breaks: a regression
    return _not_runnable(ort, script) if ort == "1.9.0" else {"outcome": "convert_error",
                                                               "signature": "TypeError: np scalar"}


OPSET_MISMATCH = "onnx-checker: opset_mismatch: asked for opset 17, the file declares 18"


def _hidden_fix(ort, script):  # invalid_model everywhere; behind it the numeric error goes away at 1.17.3
    numeric_passes = ort != "1.9.0"
    return {"outcome": "invalid_model", "subkind": "opset_mismatch", "signature": OPSET_MISMATCH,
            "error": 1e-7 if numeric_passes else 0.23,
            "verdicts": [VerdictRecord("onnx-checker", False, subkind="opset_mismatch"),
                         VerdictRecord("numeric", numeric_passes, subkind=None if numeric_passes else "mismatch"),
                         # whose fault the failure is, flipping too: not a verdict on the outputs, never a step
                         VerdictRecord("localize:onnx-reference", ort == "1.9.0")]}


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
    "hidden-fix": _hidden_fix,
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
    # a fix behind a standing failure: the numeric verdict flips under invalid_model at both ends
    ("hidden_fix", "hidden-fix", "onnxruntime", "1.9.0", "1.17.3", AT_SCRIPT_9),
    ("hidden_fix", "hidden-fix", "onnxruntime", "1.9.0", "1.20.1", AT_SCRIPT_10),
}


def _samples_around(median: float | None) -> list[float]:
    """Eleven runs within 5 % of ``median``, as a quiet machine times a small model."""
    return [] if median is None else [median * (1 + 0.01 * k) for k in range(-5, 6)]


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
        judged = spec["outcome"] in ("ok", "incorrect", "invalid_model")  # the numeric oracle had outputs
        metrics = {"max_abs_error": spec["error"]} if judged else {}
        verdicts = spec.get("verdicts") or [VerdictRecord("numeric", spec["outcome"] == "ok")]
        verdicts = [v if v.oracle != "numeric" else dataclasses.replace(v, metrics=metrics) for v in verdicts]
        samples = spec.get("samples") or _samples_around(spec["seconds"])
        if judged and samples:
            timed = {"latency_seconds": tuple(samples)}
            if "cpu" in spec:
                timed["latency_seconds@cpu"] = tuple(spec["cpu"])
            verdicts.append(VerdictRecord("performance", None, metrics={"latency_seconds": statistics.median(samples)},
                                          samples=timed))
        store.record_result(ResultRecord(
            run_id=run_id, env_id=env.env_id, config_key=f"config-{variant}", pipeline="torch-onnx",
            variant=variant, framework="pytorch", converter="torch.onnx", runtime="onnxruntime",
            case_id=case.id, case_hash=case.content_hash, outcome=spec["outcome"], subkind=spec.get("subkind"),
            signature=spec["signature"], run_seconds=spec["seconds"], verdicts=verdicts,
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


# a store of its own (the counts of the main one stay): latencies that look slower but are not
LATENCY = {"slows": _slows, "noisy": _noisy, "one-sample": _one_sample, "steady": _steady, "loaded": _loaded}


def build_latency_store(path) -> None:
    cases = {name: fake_case(name) for name in LATENCY}
    with Store.open(path) as store:
        store.record_cases(list(cases.values()))
        for ort in ORT:
            _record(store, "dynamo", ort, "0.9.0", [(cases[n], plan) for n, plan in LATENCY.items()])


def _found(path, **options):
    with Store.open(path, read_only=True) as store:
        return find_transitions(store, load_groups(store), **options)


def _keys(transitions):
    return {(t.kind, t.case_id, t.axis, t.before.version, t.after.version, t.describe_context())
            for t in transitions}
