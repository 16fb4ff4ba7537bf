"""The installer commands that build a pair's environment, planned without running
anything (so that a test reads them): one step, or two where torch needs PyTorch's CPU index.

On Linux, PyPI's torch wheels are CUDA builds (several GB, refused by the noxfile's guard).
Where the local configuration (pip's find-links, a ``file://`` index) holds no CPU build of
the torch a pair pins, torch and torchvision are installed first, alone, from PyTorch's CPU
index with ``--no-deps``, so that no other package can come from that index; then
everything, torch's pins included: the CPU builds just installed satisfy them
(``torch==2.13.0`` matches ``2.13.0+cpu``), so pip and uv keep them and fetch torch's own
dependencies from the usual indexes. ``uv pip`` cannot pin a package to an index on its
command line (``tool.uv.sources`` belongs to a project), and pip cannot at all: hence two steps.

A local build of the pinned version that is not a CPU one (a CUDA wheel on a local index)
is used as it is when the pair's matrix allows CUDA for it (``allow-cuda``): the matrix
chose it. ``TRACKER_TORCH_CPU_INDEX`` names another CPU index (a mirror); set empty, none is
used. Standard library and ``packaging`` only: ``noxfile.py`` runs it in nox's interpreter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CPU_INDEX_VARIABLE = "TRACKER_TORCH_CPU_INDEX"
# the packages taken from the CPU index, and only these: torchvision with the torch it was built for
CPU_INDEX_PACKAGES = ("torch", "torchvision")
_WHEEL_LINK = re.compile(r"""[^/"'#?\s>]+\.whl""")


def cpu_index(environ: Mapping[str, str] = os.environ) -> str | None:
    """PyTorch's CPU index, another one named by ``TRACKER_TORCH_CPU_INDEX``, or None if that is empty."""
    return environ.get(CPU_INDEX_VARIABLE, PYTORCH_CPU_INDEX).strip() or None


@dataclass(frozen=True)
class LocalSources:
    """Where the local configuration puts wheels: find-links entries and extra indexes.
    Only those on this machine's disk (a folder, a ``file://`` URL) can be looked into."""

    find_links: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()

    @classmethod
    def from_installer_env(cls, env: Mapping[str, str]) -> LocalSources:
        """From uv's variables (``UV_FIND_LINKS`` comma-separated, ``UV_EXTRA_INDEX_URL`` and
        ``UV_INDEX`` space-separated), as the noxfile hands them to uv."""
        return cls(
            find_links=tuple(link for link in env.get("UV_FIND_LINKS", "").split(",") if link.strip()),
            indexes=tuple(env.get("UV_EXTRA_INDEX_URL", "").split() + env.get("UV_INDEX", "").split()),
        )

    def wheels(self, package: str) -> list[str]:
        """The file names of ``package``'s wheels in the local find-links folders and indexes."""
        name = canonicalize_name(package)
        names: list[str] = []
        for link in self.find_links:
            folder = _local_path(link.strip())
            if folder is not None and folder.is_dir():
                names += [p.name for p in folder.glob("*.whl")]
        for index in self.indexes:
            root = _local_path(index.strip())
            page = root / name / "index.html" if root is not None else None
            if page is not None and page.is_file():
                names += [unquote(m) for m in _WHEEL_LINK.findall(page.read_text(errors="replace"))]
        return sorted({n for n in names if _wheel_version(n, name) is not None})

    def versions(self, package: str) -> list[Version]:
        """The versions of ``package``'s local wheels (with their local labels: ``2.13.0+cpu``)."""
        name = canonicalize_name(package)
        return [v for n in self.wheels(package) if (v := _wheel_version(n, name)) is not None]


def _local_path(location: str) -> Path | None:
    if location.startswith("file:"):
        return Path(unquote(urlparse(location).path))
    if "://" in location or not location:
        return None  # an index on the network: not looked into
    return Path(location)


def _wheel_version(filename: str, name: str) -> Version | None:
    try:
        wheel_name, version, _, _ = parse_wheel_filename(Path(filename).name)
    except InvalidWheelFilename:
        return None
    return version if wheel_name == name else None


def is_cpu_build(version: Version) -> bool:
    """PyTorch marks its CPU builds with a local label: ``2.13.0+cpu``, ``2.3.0+cpu.cxx11.abi``."""
    return (version.local or "").split(".")[0] == "cpu"


@dataclass(frozen=True)
class InstallStep:
    """One installer call: the requirements, and the only index to take them from (with
    ``--no-deps``), or None for the configured sources."""

    requirements: tuple[str, ...]
    only_index: str | None = None
    reinstall: bool = False  # these requirements alone, again, though installed (an edited local plugin)

    def options(self, uv: bool) -> list[str]:
        """The options before the requirements (uv names pip's ``--index-url`` ``--default-index``)."""
        if self.reinstall:
            return ["--no-deps", "--reinstall" if uv else "--force-reinstall"]
        if self.only_index is None:
            return []
        return ["--no-deps", "--default-index" if uv else "--index-url", self.only_index]

    def command(self, python: str, uv: bool, dry_run: bool = False) -> list[str]:
        """The argv that installs this step into the environment of ``python``."""
        head = ["uv", "pip", "install", "--python", python] if uv else [python, "-m", "pip", "install"]
        return [*head, *(["--dry-run"] if dry_run else []), *self.options(uv), *self.requirements]


@dataclass(frozen=True)
class InstallPlan:
    """The steps, in order, and why there are as many."""

    steps: tuple[InstallStep, ...]
    reason: str

    @property
    def cpu_index(self) -> str | None:
        """The CPU index torch comes from, or None when it comes from the configured sources."""
        return next((s.only_index for s in self.steps if s.only_index), None)


def plan_install(local: Sequence[str], pins: Sequence[str], sources: LocalSources, *,
                 cuda_allowed: bool, index: str | None) -> InstallPlan:
    """The steps that install ``local`` (installer arguments: ``-e PATH`` ...) and ``pins``
    (requirement strings), torch from ``index`` where ``sources`` hold no CPU build of it."""
    everything = InstallStep((*local, *pins))
    by_name = {canonicalize_name(r.name): text for text in pins if (r := _requirement(text)) is not None}
    torch = by_name.get("torch")
    if torch is None:
        return InstallPlan((everything,), "no torch pinned")
    if index is None:
        return InstallPlan((everything,), f"torch from the configured sources ({CPU_INDEX_VARIABLE} is empty)")
    specifier = Requirement(torch).specifier
    local_builds = [v for v in sources.versions("torch") if specifier.contains(v, prereleases=True)]
    if any(is_cpu_build(v) for v in local_builds):
        return InstallPlan((everything,), f"{torch}: a CPU build is on the local find-links or index")
    if local_builds and cuda_allowed:
        return InstallPlan((everything,), f"{torch}: the local build, which the matrix allows (allow-cuda)")
    from_index = tuple(by_name[p] for p in CPU_INDEX_PACKAGES if p in by_name)
    return InstallPlan((InstallStep(from_index, only_index=index), everything),
                       f"{torch}: no CPU build locally; {' and '.join(from_index)} from {index} first")


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None  # not a requirement (an installer option): the installer judges it
