"""``performance``: time, memory and size of the converted model beside the source's.

What the second published study measured. Metrics:

- ``latency_seconds``: the median over ``repeats`` (5) runs of input set 0 in the
  runtime, after ``warmup`` (1) runs, stopping early once ``budget_seconds`` (2) are
  spent (at least 3 runs); ``latency_min_seconds``, ``latency_runs``;
- ``eager_seconds``: the source framework's median eager latency on the same inputs
  (measured when the reference was computed, cached with it); ``latency_ratio`` =
  runtime / eager;
- ``session_rss_mb``: how far the process's peak resident memory rose while the runtime
  loaded the artifact and ran it (``rss_before_load_mb`` beside it);
- ``artifact_bytes``, ``parameter_bytes`` (the source's parameters), ``size_ratio``;
- ``convert_seconds`` (of the conversion, even when it was reused from the cache),
  ``load_seconds``.

Timings are taken on a shared machine (``--jobs`` cases at once): compare them within one
sweep, and prefer ``--jobs 1`` for numbers to publish. No verdict unless a threshold is
set: ``max_latency_ratio``, ``max_size_ratio``, ``max_session_rss_mb``.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from tracker.plugin import Evidence, MetricDeclaration, Oracle, Verdict


def artifact_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Performance(Oracle):
    name = "performance"
    description = "latency beside eager, session memory, artifact size beside parameters"
    stage = "outputs"
    defaults = {"repeats": 5, "warmup": 1, "budget_seconds": 2.0}
    metrics = (
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
        if evidence.run_converted is not None and evidence.inputs:
            sample = evidence.inputs[0]
            for _ in range(int(options.get("warmup", 1))):
                evidence.run_converted(sample)
            seconds: list[float] = []
            budget = time.perf_counter() + float(options.get("budget_seconds", 2.0))
            while len(seconds) < int(options.get("repeats", 5)) and (len(seconds) < 3 or time.perf_counter() < budget):
                started = time.perf_counter()
                evidence.run_converted(sample)
                seconds.append(time.perf_counter() - started)
            metrics |= {"latency_seconds": statistics.median(seconds), "latency_min_seconds": min(seconds),
                        "latency_runs": float(len(seconds))}
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
            return Verdict(None, metrics, "measured (no threshold set)")
        over = [f"{k} {metrics[k]:.3g} > {v:g}" for k, v in limits.items() if k in metrics and metrics[k] > v]
        if over:
            return Verdict(False, metrics, "; ".join(over), subkind="slow" if "latency_ratio" in over[0] else "large")
        return Verdict(True, metrics)
