"""``performance``: time, memory and size of the converted model beside the source's.

What the second published study measured. Metrics:

- ``latency_seconds``: the median of repeated runs of input set 0 in the runtime, after
  ``warmup`` (1) runs: at least ``min_repeats`` (5), then more while ``budget_seconds``
  (0.1) last, up to ``max_repeats`` (20), so short runs get more samples;
  ``latency_min_seconds``, ``latency_runs``. Every run's seconds are kept as the
  metric's samples (``Verdict.samples``, role ``latency``): a slowdown between versions
  is judged on both sides' samples (a rank test), never on one run. The CPU time of each
  run is kept too (``latency_cpu_seconds``, its samples beside): other processes sharing
  the cores lengthen a run's wall time, not its CPU time, so slowdowns are judged on it;
- ``eager_seconds``: the source framework's median eager latency on the same inputs
  (measured when the reference was computed, cached with it); ``latency_ratio`` =
  runtime / eager;
- ``session_rss_mb``: how far the process's peak resident memory rose while the runtime
  loaded the artifact and ran it (``rss_before_load_mb`` beside it);
- ``artifact_bytes`` (with the external data beside the file), ``parameter_bytes`` (the
  source's parameters), ``size_ratio``;
- ``convert_seconds`` (of the conversion, even when it was reused from the cache),
  ``load_seconds``.

Timings are taken on a shared machine (``--jobs`` cases at once): compare them within one
sweep, and prefer ``--jobs 1`` for numbers to publish. No verdict unless a threshold is
set: ``max_latency_ratio``, ``max_size_ratio``, ``max_session_rss_mb``.
"""

from __future__ import annotations

import glob
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tracker.plugin import CPU_TIME, Evidence, MetricDeclaration, Oracle, Verdict


def artifact_bytes(path: Path) -> int:
    """The artifact's bytes: a file's with the external data an exporter wrote beside it
    (files whose names begin with the file's and a dot: torch.onnx's dynamo exporter keeps
    the weights in ``model.onnx.data``), or every file of a directory."""
    if path.is_file():
        beside = path.parent.glob(f"{glob.escape(path.name)}.*")
        return path.stat().st_size + sum(p.stat().st_size for p in beside if p.is_file())
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def time_runs(run: Callable[[list[Any]], Any], inputs: list[Any],
              options: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each timed run of ``run(inputs)``, after the warm-up runs: at
    least ``min_repeats``, then more while ``budget_seconds`` last, at most ``max_repeats``.
    The CPU time is the process's (``time.process_time``): the runtime's threads included,
    and not lengthened by other processes sharing the cores, as the wall time is."""
    for _ in range(int(options.get("warmup", 1))):
        run(inputs)
    least, most = int(options.get("min_repeats", 5)), int(options.get("max_repeats", 20))
    budget_ends = time.perf_counter() + float(options.get("budget_seconds", 0.1))
    wall: list[float] = []
    cpu: list[float] = []
    while len(wall) < max(least, 1) or (len(wall) < most and time.perf_counter() < budget_ends):
        started, started_cpu = time.perf_counter(), time.process_time()
        run(inputs)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


class Performance(Oracle):
    name = "performance"
    description = "latency beside eager, session memory, artifact size beside parameters"
    stage = "outputs"
    defaults = {"min_repeats": 5, "max_repeats": 20, "warmup": 1, "budget_seconds": 0.1}
    metrics = (
        MetricDeclaration("latency_seconds", label="latency s", role="latency", priority=29,
                          description="the runtime's median seconds per run of input set 0; its samples kept"),
        MetricDeclaration("latency_ratio", label="latency / eager", role="report", priority=30,
                          description="runtime latency over the source's eager latency (median)"),
        MetricDeclaration("session_rss_mb", label="session MB", role="report", priority=31,
                          description="memory the runtime took to load and run the artifact (median)"),
        MetricDeclaration("size_ratio", label="size / parameters", role="report", priority=32,
                          description="artifact bytes over the source's parameter bytes (median)"),
    )

    def judge_impl(self, evidence: Evidence) -> Verdict:
        options = evidence.options
        metrics: dict[str, float] = {}
        samples: dict[str, tuple[float, ...]] = {}
        if evidence.run_converted is not None and evidence.inputs:
            seconds, cpu = time_runs(evidence.run_converted, evidence.inputs[0], options)
            metrics |= {"latency_seconds": statistics.median(seconds), "latency_min_seconds": min(seconds),
                        "latency_runs": float(len(seconds)), "latency_cpu_seconds": statistics.median(cpu)}
            samples["latency_seconds"] = tuple(seconds)
            samples["latency_seconds" + CPU_TIME] = tuple(cpu)
        source = evidence.source
        if "eager_seconds" in source:
            metrics["eager_seconds"] = source["eager_seconds"]
            if "latency_seconds" in metrics and source["eager_seconds"] > 0:
                metrics["latency_ratio"] = metrics["latency_seconds"] / source["eager_seconds"]
        metrics |= {k: v for k, v in evidence.runtime.items()}
        metrics["artifact_bytes"] = float(artifact_bytes(evidence.artifact))
        if source.get("parameter_bytes"):
            metrics["parameter_bytes"] = source["parameter_bytes"]
            metrics["size_ratio"] = metrics["artifact_bytes"] / source["parameter_bytes"]
        for name in ("convert_seconds", "load_seconds"):
            if name in evidence.timings:
                metrics[name] = evidence.timings[name]
        limits = {"latency_ratio": options.get("max_latency_ratio"), "size_ratio": options.get("max_size_ratio"),
                  "session_rss_mb": options.get("max_session_rss_mb")}
        limits = {k: float(v) for k, v in limits.items() if v is not None}
        if not limits:
            return Verdict(None, metrics, "measured (no threshold set)", samples=samples)
        over = [f"{k} {metrics[k]:.3g} > {v:g}" for k, v in limits.items() if k in metrics and metrics[k] > v]
        if over:
            return Verdict(False, metrics, "; ".join(over), subkind="slow" if "latency_ratio" in over[0] else "large",
                           samples=samples)
        return Verdict(True, metrics, samples=samples)
