"""Run jobs in child processes forked from a fork server, with a time and memory limit.

The fork server imports the heavy modules once (see :mod:`tracker.worker.zygote`); each
case is a fresh fork of it, in its own process group. A child that dies by a signal is a
``crash``; one that outlives its deadline or grows beyond the memory limit is killed
with its whole process group and becomes a ``timeout`` or a ``crash`` (sub-kind
``memory``). Up to ``jobs`` children run at once.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import multiprocessing.connection
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing import spawn
from typing import Any

from tracker.worker import child, memory
from tracker.worker.job import STAGE, ChildReport, Job
from tracker.worker.procs import group_rss_bytes, kill_group

POLL_SECONDS = 0.2
ZYGOTE_CONFIG_LIMIT = 100_000  # characters of TRACKER_ZYGOTE
MEMORY_POLL_SECONDS = 0.5


@dataclasses.dataclass
class _Running:
    job: Job
    process: Any
    connection: Any
    started: float
    deadline: float
    messages: list[tuple[str, Any]] = dataclasses.field(default_factory=list)
    stage: str = "setup"
    peak_rss: int = 0
    killed_for: str | None = None
    next_memory_check: float = 0.0
    closed: bool = False  # the child closed its end of the pipe


class Pool:
    def __init__(
        self,
        *,
        jobs: int,
        timeout: float,
        memory_limit_mb: float,
        preload: list[str],
        warmup: list[tuple[str, str, dict[str, Any]]],
        cases: Sequence[str] = (),
    ) -> None:
        """``cases``: the ids of the cases the jobs will run, hashed once in the fork server."""
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.data_limit = memory.data_limit_bytes(memory_limit_mb)
        os.environ["TRACKER_ZYGOTE"] = _zygote_config(preload, warmup, cases)
        _short_tempdir()
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["tracker.worker.zygote"])
        self.running: dict[int, _Running] = {}

    def probe(self, modules: list[str], timeout: float = 600.0) -> dict[str, Any]:
        """Import ``modules`` in a child; return ``{"errors": {module: traceback}, ...}``.

        Starting the fork server imports the preload modules; if that kills it, the
        error says so.
        """
        receiver, sender = self.context.Pipe(duplex=False)
        try:
            process = self.context.Process(target=child.probe, args=(modules, sender), daemon=True)
            process.start()
        except (EOFError, ConnectionError) as exc:
            return {"errors": {"(fork server)": f"the interpreter died while importing {modules}: {exc}"}}
        sender.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if receiver.poll(POLL_SECONDS):
                try:
                    kind, payload = receiver.recv()
                except EOFError:
                    break
                process.join(5)
                return payload
            if process.exitcode is not None and not receiver.poll(0):
                break
        kill_group(process.pid)
        process.join(5)
        return {"errors": {"(probe)": f"importing {modules} ended with exit code {process.exitcode}"}}

    def run(self, jobs: Iterable[Job], on_message: Callable[[Job, str, Any], None],
            on_tick: Callable[[], None] = lambda: None) -> Iterator[ChildReport]:
        """Run every job; yield a report as each child ends (in completion order).
        ``on_tick`` is called at least every :data:`POLL_SECONDS` while children run."""
        pending = deque(jobs)
        try:
            while pending or self.running:
                while pending and len(self.running) < self.jobs:
                    self._start(pending.popleft())
                self._wait(on_message)
                on_tick()
                now = time.monotonic()
                for key, running in list(self.running.items()):
                    self._police(running, now)
                    if running.process.exitcode is not None or (
                        running.killed_for and not running.process.is_alive()
                    ):
                        self._drain(running, on_message)
                        del self.running[key]
                        yield self._report(running)
        finally:
            self.stop("interrupt")

    def stop(self, reason: str) -> None:
        for running in self.running.values():
            running.killed_for = running.killed_for or reason
            kill_group(running.process.pid)
        for running in self.running.values():
            running.process.join(5)
        self.running.clear()

    # -- internals ------------------------------------------------------------------------
    def _start(self, job: Job) -> None:
        receiver, sender = self.context.Pipe(duplex=False)
        process = self.context.Process(  # under RLIMIT_DATA too: see tracker.worker.memory
            target=memory.run_limited, args=(self.data_limit, child.run_case, job, sender), daemon=True)
        process.start()
        sender.close()
        now = time.monotonic()
        self.running[id(process)] = _Running(job, process, receiver, now, now + self.timeout)

    def _wait(self, on_message: Callable[[Job, str, Any], None]) -> None:
        if not self.running:
            return
        handles = {r.connection: r for r in self.running.values() if not r.closed}
        sentinels = {r.process.sentinel: r for r in self.running.values()}
        ready = multiprocessing.connection.wait([*handles, *sentinels], timeout=POLL_SECONDS)
        for handle in ready:
            if handle in handles:
                self._drain(handles[handle], on_message)

    def _drain(self, running: _Running, on_message: Callable[[Job, str, Any], None]) -> None:
        while True:
            try:
                if not running.connection.poll(0):
                    return
                kind, payload = running.connection.recv()
            except (EOFError, OSError):
                running.closed = True
                return
            running.messages.append((kind, payload))
            if kind == STAGE:
                running.stage = payload
            on_message(running.job, kind, payload)

    def _police(self, running: _Running, now: float) -> None:
        if running.killed_for or running.process.exitcode is not None:
            return
        if now >= running.next_memory_check:
            running.next_memory_check = now + MEMORY_POLL_SECONDS
            rss = group_rss_bytes(running.process.pid) or 0
            running.peak_rss = max(running.peak_rss, rss)
            if rss > self.memory_limit:
                running.killed_for = "memory"
        if now >= running.deadline:
            running.killed_for = "timeout"
        if running.killed_for:
            kill_group(running.process.pid)
            running.process.join(5)

    def _report(self, running: _Running) -> ChildReport:
        running.process.join(5)
        return ChildReport(
            job=running.job,
            messages=running.messages,
            exitcode=running.process.exitcode,
            killed_for=running.killed_for,
            last_stage=running.stage,
            wall_seconds=time.monotonic() - running.started,
            peak_rss_mb=running.peak_rss / (1024 * 1024),
        )


def _zygote_config(preload: list[str], warmup: list[tuple[str, str, dict[str, Any]]], cases: Sequence[str]) -> str:
    """The fork server's configuration (:mod:`tracker.worker.zygote`), as JSON."""
    config = {"modules": preload, "components": warmup,
              # what multiprocessing gives each child to run as __mp_main__ (a script's path)
              "main_path": spawn.get_preparation_data("tracker").get("init_main_from_path")}
    with_cases = json.dumps({**config, "cases": list(cases)})
    # an environment variable holds 128 kB at most: beyond that, each child hashes its own case
    return with_cases if len(with_cases) < ZYGOTE_CONFIG_LIMIT else json.dumps(config)


def _short_tempdir() -> None:
    """The fork server listens on a Unix socket in the temporary directory, and such paths
    are limited to 107 bytes; nox points TMPDIR deep into its environment directory."""
    if len(tempfile.gettempdir()) > 60:
        for candidate in ("/tmp", "/var/tmp", os.path.expanduser("~")):
            if os.path.isdir(candidate) and os.access(candidate, os.W_OK):
                tempfile.tempdir = candidate
                return
