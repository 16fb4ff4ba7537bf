"""The installer commands ``noxfile.py`` runs to build a torch pair's environment, on a
machine with a CPU build of torch on its find-links and on one without (where torch and
torchvision come first, alone, from PyTorch's CPU index), and the CUDA guard between them.
Nothing is installed: the installer is replaced by a recorder."""

from __future__ import annotations

import importlib.util
import subprocess
import uuid
from pathlib import Path
from types import SimpleNamespace

import nox.registry
import pytest

from tracker.install_plan import CPU_INDEX_VARIABLE, PYTORCH_CPU_INDEX

ROOT = Path(__file__).resolve().parents[3]
TORCHSCRIPT = "torch-onnx.torchscript torch-2.13.0 onnxruntime-1.31.1"
TORCHVISION = "torch-onnx.torchscript torch-2.14.1 onnxruntime-1.31.1"  # allow-cuda, with torchvision


def load_noxfile(monkeypatch, find_links: str = ""):
    """The noxfile as nox imports it, its local sources only ``find_links`` (pip's configuration unread)."""
    monkeypatch.setenv("UV_FIND_LINKS", find_links)
    monkeypatch.setenv("UV_EXTRA_INDEX_URL", "")
    for name in ("UV_INDEX", CPU_INDEX_VARIABLE, "TRACKER_ALLOW_CUDA", "TRACKER_MATRIX", "TRACKER_PAIRS_FILE"):
        monkeypatch.delenv(name, raising=False)
    # each import registers the sessions anew: in a registry of its own (nox warns of a second registration)
    monkeypatch.setattr(nox.registry, "_REGISTRY", {})
    spec = importlib.util.spec_from_file_location(f"noxfile_{uuid.uuid4().hex}", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Recorder:
    """Stands for the installer: records each command and its environment, prints ``dry_run_output``."""

    def __init__(self, dry_run_output: str = "", failing: str | None = None) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.dry_run_output = dry_run_output
        self.failing = failing  # an argument of the commands that fail

    def __call__(self, command, **kwargs):
        self.calls.append((list(command), kwargs["env"]))
        if self.failing in command:
            return subprocess.CompletedProcess(command, 2, stdout="", stderr="error: Failed to fetch (dns error)")
        output = self.dry_run_output if "--dry-run" in command else ""
        return subprocess.CompletedProcess(command, 0, stdout=output, stderr="")

    @property
    def commands(self) -> list[list[str]]:
        return [command for command, _ in self.calls]


def fake_session(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(bin=str(tmp_path / "bin"), log=lambda *_: None, warn=lambda *_: None,
                           error=pytest.fail,
                           virtualenv=SimpleNamespace(location=str(tmp_path), venv_backend="uv"))


def build(noxfile, pair_id: str, tmp_path: Path, monkeypatch, recorder: Recorder) -> str | None:
    (pair,) = [p for p in noxfile.PAIRS if p.id == pair_id]
    monkeypatch.setattr(noxfile.subprocess, "run", recorder)
    return noxfile.install_pair(fake_session(tmp_path), pair)


def test_without_a_local_cpu_build_torch_comes_first_from_the_cpu_index(tmp_path, monkeypatch):
    noxfile = load_noxfile(monkeypatch)
    recorder = Recorder()
    assert build(noxfile, TORCHSCRIPT, tmp_path, monkeypatch, recorder) is None
    python = str(tmp_path / "bin" / "python")
    cpu_step = ["uv", "pip", "install", "--python", python, "--no-deps", "--default-index", PYTORCH_CPU_INDEX,
                "torch==2.13.0"]
    dry_run, first, dry_run_all, everything = recorder.commands
    assert dry_run == [*cpu_step[:5], "--dry-run", *cpu_step[5:]] and first == cpu_step
    assert everything[:5] == cpu_step[:5] and "--default-index" not in everything
    assert "torch==2.13.0" in everything and "onnx==1.23.1" in everything and "-e" in everything
    assert dry_run_all == [*everything[:5], "--dry-run", *everything[5:]]
    # the CPU index's step sees no local source; the others see them
    assert recorder.calls[1][1]["UV_FIND_LINKS"] == "" and "torch-index" in (tmp_path / "tracker-pins.json").read_text()


def test_allow_cuda_without_a_local_build_takes_torch_and_torchvision_from_the_cpu_index(tmp_path, monkeypatch):
    noxfile = load_noxfile(monkeypatch)
    recorder = Recorder()
    assert build(noxfile, TORCHVISION, tmp_path, monkeypatch, recorder) is None
    first, everything = recorder.commands  # allow-cuda: no dry run
    assert first[5:] == ["--no-deps", "--default-index", PYTORCH_CPU_INDEX, "torch==2.14.1", "torchvision==0.29.1"]
    assert "torchvision==0.29.1" in everything and "timm==1.0.31" in everything


def test_a_cpu_build_on_the_find_links_keeps_one_install(tmp_path, monkeypatch):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    noxfile = load_noxfile(monkeypatch, find_links=str(wheels))
    recorder = Recorder()
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    assert build(noxfile, TORCHSCRIPT, env_dir, monkeypatch, recorder) is None
    dry_run, everything = recorder.commands
    assert not any(PYTORCH_CPU_INDEX in arg for command in recorder.commands for arg in command)
    assert "torch==2.13.0" in everything and dry_run == [*everything[:5], "--dry-run", *everything[5:]]
    assert recorder.calls[1][1]["UV_FIND_LINKS"] == str(wheels)
    assert "torch-index" not in (env_dir / "tracker-pins.json").read_text()  # as before: older envs reused


def test_the_cuda_guard_still_refuses_what_would_pull_cuda_packages(tmp_path, monkeypatch):
    noxfile = load_noxfile(monkeypatch)
    recorder = Recorder(dry_run_output=" + nvidia-cublas-cu12==12.8.4.1\n + torch==2.13.0\n")
    failure = build(noxfile, TORCHSCRIPT, tmp_path, monkeypatch, recorder)
    assert failure is not None and "refusing to install a CUDA build of torch" in failure
    assert "nvidia-cublas-cu12==12.8.4.1" in failure
    # refused at the first dry run; then only the core and plugins are installed (env_error)
    dry_run, fallback = recorder.commands
    assert "--dry-run" in dry_run and "torch==2.13.0" not in fallback and "-e" in fallback
    assert not (tmp_path / "tracker-pins.json").exists()


def test_an_unreachable_cpu_index_is_an_env_error_that_says_what_to_do(tmp_path, monkeypatch):
    noxfile = load_noxfile(monkeypatch)
    recorder = Recorder(failing=PYTORCH_CPU_INDEX)
    failure = build(noxfile, TORCHSCRIPT, tmp_path, monkeypatch, recorder)
    assert failure.startswith(f"error: could not install torch==2.13.0 from {PYTORCH_CPU_INDEX}")
    assert "TRACKER_TORCH_CPU_INDEX" in failure and "dns error" in failure
    dry_run, fallback = recorder.commands  # nothing more tried; the core and plugins for the env_error
    assert "--dry-run" in dry_run and "torch==2.13.0" not in fallback
