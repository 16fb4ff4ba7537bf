"""The installer steps of an environment: torch and torchvision from PyTorch's CPU index,
alone and first, where the local configuration holds no CPU build of the torch pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from tracker.install_plan import (CPU_INDEX_VARIABLE, PYTORCH_CPU_INDEX, InstallStep, LocalSources, cpu_index,
                                  is_cpu_build, plan_install)

LOCAL = ["-e", "/src/tracker", "-e", "/src/plugins/pytorch"]
PINS = ["torch==2.13.0", "torchvision==0.28.0", "onnx==1.23.1", "numpy<2"]


def folder_with(tmp_path: Path, *wheels: str) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir(exist_ok=True)
    for name in wheels:
        (folder / name).write_bytes(b"")
    return folder


def plan(sources: LocalSources, pins=PINS, cuda_allowed=False, index=PYTORCH_CPU_INDEX):
    return plan_install(LOCAL, pins, sources, cuda_allowed=cuda_allowed, index=index)


def test_without_local_wheels_torch_and_torchvision_come_first_from_the_cpu_index_alone():
    steps = plan(LocalSources()).steps
    assert [s.command("/env/bin/python", uv=True) for s in steps] == [
        ["uv", "pip", "install", "--python", "/env/bin/python", "--no-deps", "--default-index", PYTORCH_CPU_INDEX,
         "torch==2.13.0", "torchvision==0.28.0"],
        ["uv", "pip", "install", "--python", "/env/bin/python", *LOCAL, *PINS],
    ]
    assert [s.command("/env/bin/python", uv=False, dry_run=True) for s in steps] == [
        ["/env/bin/python", "-m", "pip", "install", "--dry-run", "--no-deps", "--index-url", PYTORCH_CPU_INDEX,
         "torch==2.13.0", "torchvision==0.28.0"],
        ["/env/bin/python", "-m", "pip", "install", "--dry-run", *LOCAL, *PINS],
    ]


def test_nothing_but_torch_and_torchvision_is_taken_from_the_cpu_index():
    pins = ["onnx==1.23.1", "torchaudio==2.13.0", "torch==2.13.0", "timm==1.0.31", "torchvision==0.28.0"]
    first, second = plan(LocalSources(), pins=pins).steps
    assert first.requirements == ("torch==2.13.0", "torchvision==0.28.0")
    assert first.only_index == PYTORCH_CPU_INDEX and "--no-deps" in first.command("python", uv=True)
    assert second.only_index is None and second.requirements == (*LOCAL, *pins)  # torch's pins again: kept


def test_a_cpu_build_on_the_local_find_links_is_used_as_configured(tmp_path):
    folder = folder_with(tmp_path, "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")
    result = plan(LocalSources(find_links=(str(folder),)))
    assert result.steps == (InstallStep((*LOCAL, *PINS)),) and result.cpu_index is None
    assert "CPU build" in result.reason
    # a file:// URL names the same folder
    assert plan(LocalSources(find_links=(folder.as_uri(),))).cpu_index is None


def test_a_cpu_build_of_another_version_does_not_count(tmp_path):
    folder = folder_with(tmp_path, "torch-2.12.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
                         "torchvision-0.28.0-cp311-cp311-manylinux_2_28_x86_64.whl")
    assert plan(LocalSources(find_links=(str(folder),))).cpu_index == PYTORCH_CPU_INDEX


def test_a_local_cuda_build_is_kept_only_where_the_matrix_allows_it(tmp_path):
    index = tmp_path / "simple"
    (index / "torch").mkdir(parents=True)
    (index / "torch" / "index.html").write_text(
        '<a href="../../files/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl#sha256=00">'
        "torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl</a>")
    sources = LocalSources(indexes=(index.as_uri(),))
    assert sources.versions("torch") == [Version("2.14.1")]
    pins = ["torch==2.14.1", "torchvision==0.29.1"]
    allowed = plan(sources, pins=pins, cuda_allowed=True)
    assert len(allowed.steps) == 1 and "allow-cuda" in allowed.reason
    assert plan(sources, pins=pins, cuda_allowed=False).cpu_index == PYTORCH_CPU_INDEX
    # allow-cuda alone, with no local build: the CPU build from the index, not PyPI's CUDA one
    assert plan(LocalSources(), pins=pins, cuda_allowed=True).cpu_index == PYTORCH_CPU_INDEX


def test_a_cpu_build_on_a_local_index(tmp_path):
    index = tmp_path / "simple"
    (index / "torch").mkdir(parents=True)
    (index / "torch" / "index.html").write_text(
        '<a href="/files/torch-2.13.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl">torch</a>')
    assert plan(LocalSources(indexes=(index.as_uri(),))).cpu_index is None
    # an index on the network cannot be looked into: the CPU index is used
    assert plan(LocalSources(indexes=("https://example.org/simple",))).cpu_index == PYTORCH_CPU_INDEX


def test_without_torch_one_step():
    result = plan(LocalSources(), pins=["onnx==1.23.1", "tensorflow-cpu==2.21.0"])
    assert result.steps == (InstallStep((*LOCAL, "onnx==1.23.1", "tensorflow-cpu==2.21.0")),)


def test_the_cpu_index_can_be_another_or_none():
    assert cpu_index({}) == PYTORCH_CPU_INDEX
    assert cpu_index({CPU_INDEX_VARIABLE: "https://mirror.example/whl/cpu"}) == "https://mirror.example/whl/cpu"
    assert cpu_index({CPU_INDEX_VARIABLE: ""}) is None
    result = plan(LocalSources(), index=None)
    assert len(result.steps) == 1 and CPU_INDEX_VARIABLE in result.reason


def test_sources_from_uv_variables():
    sources = LocalSources.from_installer_env(
        {"UV_FIND_LINKS": "/opt/wheels,/more", "UV_EXTRA_INDEX_URL": "file:///a/simple file:///b/simple"})
    assert sources == LocalSources(("/opt/wheels", "/more"), ("file:///a/simple", "file:///b/simple"))
    assert LocalSources.from_installer_env({}) == LocalSources()


@pytest.mark.parametrize(("version", "cpu"), [("2.13.0+cpu", True), ("2.3.0+cpu.cxx11.abi", True),
                                               ("2.14.1", False), ("2.13.0+cu121", False)])
def test_cpu_builds_by_their_local_label(version, cpu):
    assert is_cpu_build(Version(version)) is cpu
