"""Sessions of the converter regression tracker.

    nox -s sweep                    every pair of the version matrix (envs/*.toml)
    nox -s sweep -- --models hf-bert 'op-*' --set smoke
    nox -s "sweep(torch-onnx.torchscript torch-2.13.0 onnxruntime-1.31.1)"   one pair
    nox -s sweep -t torchscript     ... or by tag
    nox -s bisect -- --package onnxruntime --good 1.24.4 --bad 1.31.1   first changed release
    nox -s latest -- --set smoke    sweep what the index released since the matrix's newest
    nox -t tests                    the test suite (unit, integration, end to end)

Each ``sweep`` session builds one isolated environment for one converter x runtime
version pair (with uv when it is installed, ``pip install "nox[uv]"``), installs the
tracker core and the plugins the pair needs, and runs ``tracker run`` in it. An
environment that cannot be built is recorded as ``env_error`` and the sweep goes on.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tracker.cli.sweep_args import (PAIRS_FILE_VARIABLE, OptionParser,  # noqa: E402  (stdlib only)
                                    add_report_argument, add_sweep_arguments, forwarded)
from tracker.errors import ConfigError  # noqa: E402
from tracker.install_plan import (InstallPlan, InstallStep, LocalSources, cpu_index,  # noqa: E402
                                  plan_install)
from tracker.matrix import Pair, load_matrix  # noqa: E402
from tracker.plugin_sources import PluginSource, check_local, classify, local_digest  # noqa: E402  (stdlib, packaging)
from tracker.matrix_order import by_usefulness  # noqa: E402
from tracker.sweep_report import SWEEP_ID_VARIABLE  # noqa: E402  (stdlib only)

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
if shutil.which("uv") is None and importlib.util.find_spec("uv") is None:
    print("noxfile: uv not found: environments are built with virtualenv and pip, several times "
          'slower (pip install "nox[uv]" brings uv)', file=sys.stderr)
nox.options.sessions = ["sweep"]

MATRIX = Path(os.environ.get("TRACKER_MATRIX") or ROOT / "envs")
# `nox -s bisect` runs the sweep of pairs that are not in the matrix (the releases it
# probes): it hands them over in a file of pairs, one JSON a line, named by this variable.
PAIRS_FILE = os.environ.get(PAIRS_FILE_VARIABLE)
PLUGIN_DIRS = ROOT / "plugins"


def _plugin_sources(pair: Pair) -> list[PluginSource]:
    return [classify(entry, PLUGIN_DIRS) for entry in pair.plugins]


def _check_plugin_dirs(pairs: list[Pair]) -> None:
    """Every local plugin the matrix names is a project directory, checked when nox loads
    this file (`nox -l`), not after minutes of building an environment."""
    for pair in pairs:
        for source in _plugin_sources(pair):
            check_local(source, PLUGIN_DIRS, f"{pair.source}: pipeline {pair.pipeline!r}")


try:
    if PAIRS_FILE:
        try:
            PAIRS = [Pair.from_json(line) for line in Path(PAIRS_FILE).read_text().splitlines() if line.strip()]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"{PAIRS_FILE_VARIABLE}={PAIRS_FILE}: not a file of pairs ({error})") from None
    else:
        PAIRS = by_usefulness(load_matrix(MATRIX))  # the order of `nox -l` and of the sweep
    _check_plugin_dirs(PAIRS)
except ConfigError as error:
    sys.exit(f"noxfile: error in the version matrix: {error}")

SWEEP_STARTED = time.time()  # nox imports this file once per invocation
# One id per `nox` invocation, handed to every `tracker run` it makes (not put in nox's own
# environment, so that a nox started by a session gets its own), so that the sweep's time
# table sums its pairs (`tracker time --sweep ID`); one set outside (CI's shards) is kept.
SWEEP_ID = os.environ.get(SWEEP_ID_VARIABLE) or f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
SWEPT: list[str] = []  # the pairs this invocation swept: the `results` session then prints their time table

PYTHON = "3.11"
CORE_TEST = ["-e", f"{ROOT}[test]"]
# torch for the integration tests: a CPU build (the local find-links', else PyTorch's CPU index: install_test_env)
INTEGRATION_PINS = ["torch==2.13.0", "onnx==1.23.1", "onnxscript==0.7.2", "onnxruntime==1.24.4",
                    "transformers==5.23.0"]
# coremltools' newest release; tensorflow-cpu 2.21 (Keras 3) for the Keras test
COREML_TEST_PINS = ["torch==2.13.0", "transformers==5.23.0", "coremltools==9.0", "tensorflow-cpu==2.21.0"]
# one pin set of envs/tensorflow.toml (Keras 3) for the TensorFlow integration tests
TENSORFLOW_TEST_PINS = ["tensorflow-cpu==2.21.0", "tf2onnx==1.17.0", "onnx==1.23.1", "onnxruntime==1.24.4"]


# ---------------------------------------------------------------------------------------
# Installing


def _pip_config(key: str) -> list[str]:
    """The values of one key of pip's configuration (``pip config get``), or none."""
    for pip in ([sys.executable, "-m", "pip"], [shutil.which("pip") or "pip"]):
        try:
            found = subprocess.run(
                [*pip, "config", "get", key], capture_output=True, text=True, timeout=30, check=False,
            ).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found:
            return found
    return []


def _installer_env() -> dict[str, str]:
    """uv does not read pip's configuration: hand it pip's find-links and extra indexes
    (where local wheels, e.g. a CPU build of torch, may lie), read at run time. A variable
    already set in the environment wins.

    With extra indexes, uv picks like pip: the best version over all indexes together
    (``unsafe-best-match``). uv's default, ``first-index``, takes every version of a
    package from the first index that has the package at all: a local index holding one
    onnxruntime release would hide PyPI's others."""
    env: dict[str, str] = {}
    if "UV_FIND_LINKS" not in os.environ and (links := _pip_config("global.find-links")):
        env["UV_FIND_LINKS"] = ",".join(links)
    if "UV_EXTRA_INDEX_URL" not in os.environ and (extra := _pip_config("global.extra-index-url")):
        env["UV_EXTRA_INDEX_URL"] = " ".join(extra)
        if "UV_INDEX_STRATEGY" not in os.environ:
            env["UV_INDEX_STRATEGY"] = "unsafe-best-match"
    return env


INSTALLER_ENV = _installer_env()
# The local wheels the installer sees (those variables set outside win, as they do for uv),
# looked into for a CPU build of torch: where there is none, torch comes from PyTorch's CPU index.
LOCAL_SOURCES = LocalSources.from_installer_env({**INSTALLER_ENV, **os.environ})


def _uses_uv(session: nox.Session) -> bool:
    return getattr(session.virtualenv, "venv_backend", "") == "uv"


def install_plan(local: list[str], pins: list[str], cuda_allowed: bool = False) -> InstallPlan:
    """The installer steps for ``local`` (``-e PATH`` ...) and ``pins``: torch and torchvision
    first from PyTorch's CPU index where the local configuration holds no CPU build of the
    torch pinned (``tracker/install_plan.py``)."""
    return plan_install(local, pins, LOCAL_SOURCES, cuda_allowed=cuda_allowed, index=cpu_index())


def _run_installer(session: nox.Session, step: InstallStep, dry_run: bool = False) -> tuple[bool, str]:
    command = step.command(str(Path(session.bin) / "python"), _uses_uv(session), dry_run)
    session.log(" ".join(command))
    # a step from one index alone does not see the local sources (they hold no CPU build of it)
    env = {**os.environ, **({} if step.only_index else INSTALLER_ENV)}
    process = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return process.returncode == 0, process.stdout + process.stderr


def _cuda_guard(session: nox.Session, step: InstallStep, allowed: list[str]) -> str | None:
    """Refuse an install step that would pull a CUDA build of torch (several GB) by accident.

    ``allowed`` (``Pair.cuda_allowances()``): the axis values whose ``allow-cuda`` in
    envs/ says why they may; with any, CUDA packages are let through and the reason logged."""
    if allowed:
        session.log("CUDA packages allowed by the matrix: " + "; ".join(allowed))
        return None
    if os.environ.get("TRACKER_ALLOW_CUDA") or not any(r.startswith("torch") for r in step.requirements):
        return None
    ok, output = _run_installer(session, step, dry_run=True)
    if not ok:
        return output
    cuda = sorted({word for word in output.split() if word.startswith(("nvidia-", "+cu", "triton"))})
    if cuda:
        return (
            "error: refusing to install a CUDA build of torch: the resolution would install "
            f"{', '.join(cuda[:6])}. Put a CPU wheel of the requested torch on pip's find-links, or "
            "let torch come from PyTorch's CPU index (TRACKER_TORCH_CPU_INDEX unset, or naming a "
            "CPU index); where only a CUDA build is to be had, say so on the axis value in envs/ "
            '(allow-cuda = "why", see envs/README.md), '
            "or set TRACKER_ALLOW_CUDA=1 for one run."
        )
    return None


def _install_steps(session: nox.Session, plan: InstallPlan, allowed: list[str]) -> str | None:
    """Run the plan's steps in order, each through the CUDA guard first (the second step's dry
    run sees the CPU build the first installed). The first failure's output, or None."""
    session.log(f"install plan: {plan.reason}")
    for step in plan.steps:
        failure = _cuda_guard(session, step, allowed)
        if failure is None:
            ok, output = _run_installer(session, step)
            failure = None if ok else output
        if failure is not None and step.only_index:
            return (f"error: could not install {' '.join(step.requirements)} from {step.only_index} (the local "
                    "find-links and indexes hold no CPU build of it): put a CPU wheel of it on pip's "
                    "find-links, or set TRACKER_TORCH_CPU_INDEX to a CPU index this machine reaches; "
                    f"the installer said:\n{failure}")
        if failure is not None:
            return failure
    return None


def _local_packages(plugins: list[str]) -> list[str]:
    """The core (editable) and the plugins, local ones editable (tracker.plugin_sources)."""
    packages = ["-e", str(ROOT)]
    for source in (classify(entry, PLUGIN_DIRS) for entry in plugins):
        check_local(source, PLUGIN_DIRS, "the matrix")
        packages += source.install_args()
    return packages


def _recorded_pins(marker: Path) -> dict[str, object]:
    """The pins an environment was built with; nothing (so: rebuild) if unreadable."""
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def pair_install_plan(pair: Pair) -> InstallPlan:
    """The installer steps that build ``pair``'s environment: its core and plugins, its pins."""
    return install_plan(_local_packages(list(pair.plugins)), pair.requirements(),
                        cuda_allowed=bool(pair.cuda_allowances()))


def install_pair(session: nox.Session, pair: Pair) -> str | None:
    """Install the core, the pair's plugins and pins. Return the installer's output on
    failure (the environment then holds the core and plugins, and what steps before the
    failing one installed), None on success.

    An environment whose recorded pins are unchanged is reused as it is; one whose pins
    changed is rebuilt from scratch, so no stale package survives."""
    local = _local_packages(list(pair.plugins))
    plan = pair_install_plan(pair)
    marker = Path(session.virtualenv.location) / "tracker-pins.json"
    # the local projects' metadata (dependencies, entry points) is part of the pins
    sources = _plugin_sources(pair)
    metadata = {
        str(path): path.read_text()
        for path in [ROOT / "pyproject.toml", *(s.path / "pyproject.toml" for s in sources if s.path is not None)]
    }
    pins: dict[str, object] = {"requirements": local + pair.requirements(), "metadata": metadata}
    if plan.cpu_index:  # where torch comes from is part of the pins (absent otherwise: older markers stay valid)
        pins["torch-index"] = plan.cpu_index
    pins["plugin-files"] = local_digest(sources)  # any file of a local plugin: edited, it re-syncs them
    wanted = json.dumps(pins, sort_keys=True)
    if marker.is_file():
        recorded = _recorded_pins(marker)
        if recorded == pins:
            session.log("environment reused: its recorded pins are unchanged")
            return None
        if {**recorded, "plugin-files": pins["plugin-files"]} == pins:
            session.log("a file of a local plugin changed since this environment was built: reinstalling "
                        "the local plugins")
            ok, output = _run_installer(session, InstallStep(tuple(local), reinstall=True))
            if ok:
                marker.write_text(wanted)
                return None
            session.warn(f"reinstalling the local plugins failed: rebuilding the environment\n{output}")
        session.log("the pins changed since this environment was built: rebuilding it")
        shutil.rmtree(session.virtualenv.location)
        session.virtualenv.reuse_existing = False
        session.virtualenv.create()
    failure = _install_steps(session, plan, pair.cuda_allowances())
    if failure is None:
        marker.write_text(wanted)
        return None
    session.warn(f"could not build the environment of {pair.id}; recording env_error")
    ok, output = _run_installer(session, InstallStep(tuple(local)))
    if not ok:
        session.error(f"cannot even install the tracker core into the environment:\n{output}")
    marker.unlink(missing_ok=True)
    return failure


# ---------------------------------------------------------------------------------------
# The sweep


def _sweep_parser(prog: str) -> argparse.ArgumentParser:
    parser = OptionParser(prog=prog, description="Options of the sweep sessions.")
    add_sweep_arguments(parser)
    add_report_argument(parser)
    return parser


@nox.session(python=PYTHON, reuse_venv=True)
@nox.parametrize("pair", [nox.param(p, id=p.id, tags=p.all_tags) for p in PAIRS])
def sweep(session: nox.Session, pair: Pair) -> None:
    """Run the model set through one converter x runtime version pair."""
    args = _sweep_parser("nox -s sweep --").parse_args(session.posargs)
    started = time.monotonic()
    failure = install_pair(session, pair)
    env_build_seconds = time.monotonic() - started
    pair_file = Path(session.create_tmp()) / "pair.json"
    pair_file.write_text(pair.to_json())
    command = ["tracker", "run", "--pair-file", str(pair_file), "--env-build-seconds", f"{env_build_seconds:.3f}",
               *forwarded(args)]
    position = _matrix_position(session, pair)
    if position is not None:
        position_file = Path(session.create_tmp()) / "matrix-position.json"
        position_file.write_text(json.dumps(position))
        command += ["--matrix-position", str(position_file)]
    if args.report_file is not None:
        command += ["--report-file", str(args.report_file.resolve())]
    if failure is not None:
        error_file = Path(session.create_tmp()) / "install-error.txt"
        error_file.write_text(failure)
        command += ["--env-error-file", str(error_file)]
    session.run(*command, env={SWEEP_ID_VARIABLE: SWEEP_ID})
    if not PAIRS_FILE:  # a bisection prints its own summary
        summary_args = ["--store", str(args.store.resolve())] if args.store else []
        SWEPT.append(pair.id)
        session.notify("results", posargs=summary_args)


def _matrix_position(session: nox.Session, pair: Pair) -> dict[str, object] | None:
    """Where this pair stands among the sweep sessions of this nox invocation (those
    selected by -s, -t, -k), for the matrix-level progress line of ``tracker run``.

    nox has no public API for the selected sessions: this reads its manifest (the queue
    ``session.notify`` uses) and gives up quietly, returning None, if that ever changes."""
    try:
        runners = [*session._runner.manifest._consumed, *session._runner.manifest._queue]  # noqa: SLF001
        pairs = [r.func.call_spec["pair"] for r in runners
                 if isinstance(getattr(r.func, "call_spec", None), dict) and "pair" in r.func.call_spec]
        index = [p.id for p in pairs].index(pair.id)
    except (AttributeError, TypeError, ValueError):
        return None
    return {"index": index + 1, "count": len(pairs), "sweep_started": SWEEP_STARTED,
            "remaining": [p.id for p in pairs[index + 1:]], "pairs": [[p.id, p.converter_side] for p in pairs]}


def install_tools(session: nox.Session, plugins: list[str]) -> None:
    """Install the core (and ``plugins``) editable into a tool session's environment,
    once: again only when their project files change (code changes need no reinstall)."""
    packages = _local_packages(plugins)
    marker = Path(session.virtualenv.location) / "tracker-tools.json"
    wanted = json.dumps({str(Path(p) / "pyproject.toml"): (Path(p) / "pyproject.toml").read_text()
                         for p in packages if p != "-e"}, sort_keys=True)
    if marker.is_file() and marker.read_text() == wanted:
        return
    session.install(*packages, env=INSTALLER_ENV)
    marker.write_text(wanted)


@nox.session(python=PYTHON, reuse_venv=True, default=False)
def results(session: nox.Session) -> None:
    """Print the case x environment matrix of outcomes from the store."""
    install_tools(session, [])
    session.run("tracker", "results", *session.posargs)
    if SWEPT:  # this invocation swept: where its time went, per pair and in total, and its disk
        session.run("tracker", "time", "--sweep", SWEEP_ID, *session.posargs)
        session.run("tracker", "disk", "--envs", str(ROOT / ".nox"), *_store_option(session.posargs))


def _store_option(posargs: list[str]) -> list[str]:
    """``--store PATH`` of ``posargs``, if given (``tracker disk`` takes no other option of results)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    known, _ = parser.parse_known_args(posargs)
    return ["--store", known.store] if known.store else []


@nox.session(python=PYTHON, reuse_venv=True, default=False)
def repro(session: nox.Session) -> None:
    """Write a stand-alone script that reproduces one stored failure (tracker repro)."""
    install_tools(session, sorted(p.name for p in PLUGIN_DIRS.iterdir() if (p / "pyproject.toml").is_file()))
    session.run("tracker", "repro", *session.posargs)


# ---------------------------------------------------------------------------------------
# Bisect


@nox.session(python=PYTHON, reuse_venv=True, default=False)
def bisect(session: nox.Session) -> None:
    """Find the first release of a package that changed an outcome (broke, fixed or changed it)."""
    install_tools(session, [])  # the bisection reads the store: it runs in this environment
    # it sweeps each release it probes with this nox and noxfile (tracker/bisect/probe.py)
    session.run("python", "-m", "tracker.bisect", "--matrix", str(MATRIX), "--nox-python", sys.executable,
                "--noxfile", str(ROOT / "noxfile.py"), "--", *session.posargs, env=INSTALLER_ENV)


@nox.session(python=PYTHON, reuse_venv=True, default=False)
def latest(session: nox.Session) -> None:
    """Sweep the releases newer than the matrix (tracker releases), print what they changed."""
    install_tools(session, [])  # the comparison reads the store: it runs in this environment
    # it sweeps each new pair with this nox and noxfile, as bisect does (tracker/bisect/probe.py)
    session.run("python", "-m", "tracker.latest", "--matrix", str(MATRIX), "--nox-python", sys.executable,
                "--noxfile", str(ROOT / "noxfile.py"), "--", *session.posargs, env=INSTALLER_ENV)


# ---------------------------------------------------------------------------------------
# Tests


# pytest's exit code when it collected no test: `nox -t tests -- -k NAME` runs every test
# session, and those without such a test must not fail the run.
NO_TESTS_COLLECTED = 5


def _pytest(session: nox.Session, default: list[str], *options: str, env: dict[str, str] | None = None) -> None:
    """pytest on ``default`` (test paths), or on the paths given after ``--``."""
    given = [arg for arg in session.posargs if not arg.startswith("-") and Path(arg.split("::")[0]).exists()]
    session.run("pytest", *([] if given else default), *options, *session.posargs,
                success_codes=[0, NO_TESTS_COLLECTED], env=env)


def install_test_env(session: nox.Session, local: list[str], pins: list[str]) -> None:
    """Install a test session's local projects and pins, torch as a pair's is (``install_plan``)."""
    for step in install_plan(local, pins).steps:
        session.install(*step.options(_uses_uv(session)), *step.requirements,
                        env=None if step.only_index else INSTALLER_ENV)


@nox.session(python=PYTHON, reuse_venv=True, tags=["tests"])
def unit(session: nox.Session) -> None:
    """Unit tests of the core: no deep-learning framework installed."""
    session.install(*CORE_TEST, *_local_packages(["oracles", "coreml"]), env=INSTALLER_ENV)
    session.run("python", "-c", "import importlib.util as u, sys; "
                "sys.exit('torch must not be installed here' if u.find_spec('torch') else 0)")
    _pytest(session, ["tests/unit"])


@nox.session(python=PYTHON, reuse_venv=True, default=False)
def fuzz(session: nox.Session) -> None:
    """The fuzz suite (tests/unit/fuzz) with many generated inputs: 1000 per property, TRACKER_FUZZ_EXAMPLES=N for N."""
    session.install(*CORE_TEST, *_local_packages(["oracles", "coreml"]), env=INSTALLER_ENV)
    # `nox -t tests` runs the same properties in `unit`, bounded and derandomized (the `ci` profile)
    _pytest(session, ["tests/unit/fuzz"], env={"HYPOTHESIS_PROFILE": "fuzz"})


@nox.session(python=PYTHON, reuse_venv=True, tags=["tests"])
def integration(session: nox.Session) -> None:
    """Integration tests: real conversions of small models with torch, onnx, onnxruntime; a folder of ONNX files."""
    install_test_env(session, [*CORE_TEST, *_local_packages(["pytorch", "torch-onnx", "onnxruntime", "oracles",
                                                             "synthetic", "onnx-files", "trained"])], INTEGRATION_PINS)
    _pytest(session, ["tests/integration"], "-m", "not tensorflow and not coreml")


@nox.session(python=PYTHON, reuse_venv=True, tags=["tests"])
def integration_tensorflow(session: nox.Session) -> None:
    """TensorFlow: small Keras and tf.Module models through each tf2onnx entry point, run in ONNX Runtime."""
    install_test_env(session, [*CORE_TEST, *_local_packages(["tensorflow", "tf2onnx", "onnxruntime", "oracles",
                                                             "synthetic", "trained"])], TENSORFLOW_TEST_PINS)
    _pytest(session, ["tests/integration"], "-m", "tensorflow")


@nox.session(python=PYTHON, reuse_venv=True, tags=["tests"])
def integration_coreml(session: nox.Session) -> None:
    """Core ML: small PyTorch and Keras models converted with coremltools, their spec checked."""
    install_test_env(session, [*CORE_TEST, *_local_packages(["pytorch", "tensorflow", "coreml", "oracles"])],
                     COREML_TEST_PINS)
    # its own file: other integration modules import packages this session does not install
    _pytest(session, ["tests/integration/test_coreml.py"], "-m", "coreml")


@nox.session(python=PYTHON, reuse_venv=True, tags=["tests"])
def e2e(session: nox.Session) -> None:
    """End to end: a real `nox -s sweep` on a tiny matrix, then the store is checked."""
    session.install(*CORE_TEST, env=INSTALLER_ENV)
    _pytest(session, ["tests/e2e"], env=INSTALLER_ENV)


# The docs site's builder, pinned: its Markdown renderer decides the anchors that links use.
DOCS_PINS = ["mkdocs==1.6.1", "markdown==3.11.3"]


@nox.session(python=PYTHON, reuse_venv=True, tags=["tests"])
def docs(session: nox.Session) -> None:
    """The documentation site (mkdocs.yml, docs/) built into site/, strict: a broken link fails."""
    # the core too: docs/hooks.py generates the schema page from tracker/store/schema.py
    session.install("-e", str(ROOT), *DOCS_PINS, env=INSTALLER_ENV)
    session.run("mkdocs", "build", "--strict", *session.posargs)
