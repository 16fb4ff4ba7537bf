"""A store shaped like the default sweep, for the report's layout tests and screenshot:
67 pairs (12 Core ML, 8 TorchScript, 24 dynamo, 2 dynamic, 21 tf2onnx) with long labels.

Planted: Core ML's pairs only convert (``not_runnable``, ``convert_error``: the runtime
cannot run off macOS); TorchScript regresses two cases and fixes one at its newest
onnxruntime step (1.31.1 -> 1.32.0); one dynamo pair was interrupted half-way (its run
``interrupted``, half its cases stored); one tf2onnx pair is still running (a snapshot
read while the sweep writes). Nothing here needs a deep-learning framework.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
import zlib

from tracker_fake_plugin import fake_case

from tracker.envinfo import Environment
from tracker.reports.data import ReportData, gather
from tracker.store import Store

ORT = ("1.29.1", "1.30.0", "1.31.1", "1.32.0")
INCIDENTAL = "numpy-2.4.6 protobuf-6.33.0 sympy-1.14.0"  # long labels, as the real ones are
# pipeline, variant, framework, runtime, axes (package -> versions); 67 pairs in all
MATRIX = (
    ("torch-coreml", "mlprogram-fp32", "pytorch", "coreml", {"torch": ("2.12.0", "2.13.0"),
                                                             "coremltools": ("8.3.0", "9.0")}),
    ("torch-coreml", "mlprogram-fp16", "pytorch", "coreml", {"torch": ("2.12.0", "2.13.0"),
                                                             "coremltools": ("8.3.0", "9.0")}),
    ("torch-coreml", "neuralnetwork", "pytorch", "coreml", {"torch": ("2.12.0", "2.13.0"),
                                                            "coremltools": ("8.3.0", "9.0")}),
    ("torch-onnx", "torchscript", "pytorch", "onnxruntime", {"torch": ("2.12.0", "2.13.0"), "onnxruntime": ORT}),
    ("torch-onnx", "dynamo", "pytorch", "onnxruntime", {"torch": ("2.12.0", "2.13.0"),
                                                        "onnxscript": ("0.5.6", "0.6.2", "0.7.2"),
                                                        "onnxruntime": ORT}),
    ("torch-onnx", "torchscript-dynamic", "pytorch", "onnxruntime", {"torch": ("2.13.0",),
                                                                     "onnxruntime": ORT[2:]}),
    ("tf2onnx", "keras", "tensorflow", "onnxruntime", {"tensorflow": ("2.18.1", "2.19.1", "2.20.0"),
                                                       "onnxruntime": ORT}),
    ("tf2onnx", "function", "tensorflow", "onnxruntime", {"tensorflow": ("2.18.1", "2.19.1", "2.20.0"),
                                                          "onnxruntime": ORT[1:]}),
)
PAIRS = 67
CASES = tuple(fake_case(name) for name in (
    *(f"hf-{model}" for model in ("bert-base-uncased", "convnext-tiny-224", "distilgpt2", "resnet-50",
                                  "vit-base-patch16-224", "whisper-tiny-encoder", "t5-small-encoder")),
    *(f"synthetic-{i:03d}-conv-bn-relu-pool" for i in range(12)),
    *(f"unit-{op}" for op in ("add", "matmul", "softmax", "layernorm", "gather", "einsum")),
))
REGRESSED = (CASES[0].id, CASES[3].id)  # by TorchScript's newest onnxruntime step
FIXED = CASES[5].id
INTERRUPTED = ("dynamo", ("2.13.0", "0.7.2", "1.30.0"))  # half its cases, then Ctrl-C
RUNNING = ("keras", ("2.20.0", "1.29.1"))  # the sweep is at it now
RESULT_COLUMNS = ("result_id, run_id, env_id, config_key, pipeline, variant, framework, converter, runtime, "
                  "case_id, case_hash, outcome, signature, created_at")
RUN_COLUMNS = ("run_id, env_id, label, pipeline, variant, manifest_hash, case_count, status, tracker_version, "
               "started_at, finished_at")
STORED_AT = dt.datetime(2026, 12, 3, 12, 0)


def _outcome(variant: str, versions: tuple[str, ...], case_id: str) -> tuple[str, str | None]:
    if variant.startswith(("mlprogram", "neuralnetwork")):
        if zlib.crc32(case_id.encode()) % 3 == 0:
            return "convert_error", f"ValueError: op {case_id.rsplit('-', 1)[-1]} not supported in {variant}"
        return "not_runnable", "not runnable: Core ML predicts on macOS only"
    if variant == "torchscript" and versions[-1] == ORT[-1] and case_id in REGRESSED:
        return "runtime_error", "RuntimeError: [ONNXRuntimeError] : 1 : FAIL : Non-zero status code <n>"
    if variant == "torchscript" and versions[-1] != ORT[-1] and case_id == FIXED:
        return "incorrect", "numeric: mismatch max_abs_error <n>"
    if case_id not in (*REGRESSED, FIXED) and zlib.crc32(f"{variant}{case_id}".encode()) % 7 == 0:
        return "convert_error", f"torch.onnx.errors.UnsupportedOperatorError: aten::{case_id[-6:]} <n>"
    return "ok", None


def _record_pair(store: Store, pipeline: str, variant: str, framework: str, runtime: str,
                 axes: dict[str, tuple[str, ...]], versions: tuple[str, ...]) -> None:
    pins = dict(zip(axes, versions, strict=True))
    label = f"{pipeline}.{variant} " + " ".join(f"{p}-{v}" for p, v in pins.items()) + f" {INCIDENTAL}"
    env = Environment("3.11.7", "linux-x86_64", {**pins, "numpy": "2.4.6", "protobuf": "6.33.0"})
    store.record_environment(env, label=label, requested={p: f"=={v}" for p, v in pins.items()}, buildable=True)
    interrupted = (variant, versions) == INTERRUPTED
    cases = CASES[: len(CASES) // 2] if interrupted or (variant, versions) == RUNNING else CASES
    status = "running" if (variant, versions) == RUNNING else "interrupted" if interrupted else "finished"
    run_id = uuid.uuid4().hex
    rows = [[uuid.uuid4().hex, run_id, env.env_id, f"config-{variant}", pipeline, variant, framework, pipeline,
             runtime, case.id, case.content_hash, *_outcome(variant, versions, case.id), STORED_AT]
            for case in cases]
    # at once: start_run publishes a snapshot, record_result commits each result (40 ms each here)
    with store.transaction():
        store.con.execute(f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({', '.join('?' * 11)})",
                          [run_id, env.env_id, label, pipeline, variant, "m", len(CASES), status, "test",
                           STORED_AT, None if status == "running" else STORED_AT])
        store.con.executemany(f"INSERT INTO results ({RESULT_COLUMNS}) VALUES ({', '.join('?' * 14)})", rows)


def build_planted_matrix(path) -> int:
    """Plant the store at ``path``; the number of pairs planted (:data:`PAIRS`)."""
    pairs = [(pipeline, variant, framework, runtime, axes, versions)
             for pipeline, variant, framework, runtime, axes in MATRIX
             for versions in itertools.product(*axes.values())]
    with Store.open(path) as store:
        store.record_cases(list(CASES))
        for pair in pairs:
            _record_pair(store, *pair)
    return len(pairs)


_PLANTED: dict[str, ReportData] = {}


def planted_matrix_data(tmp_path_factory) -> ReportData:
    """The report's data of the planted store, planted once per test session (it takes
    seconds) for every test module that asks."""
    if "data" not in _PLANTED:
        path = tmp_path_factory.mktemp("matrix") / "store.duckdb"
        assert build_planted_matrix(path) == PAIRS
        with Store.open(path, read_only=True) as store:
            _PLANTED["data"] = gather(store)
    return _PLANTED["data"]
