"""Where a pipeline's plugins come from: the three forms of an entry of its ``plugins``.

- a name (``"pytorch"``): a directory under the project's ``plugins/``;
- a path (``"./my-models"``, ``"../plugins/mine"``, ``"/srv/my-models"``): a directory,
  relative to the matrix file that names it (:func:`resolve_entry` makes it absolute when
  the matrix is read, so a pair carries it wherever it goes);
- a requirement (``"my-models==1.2"``, ``"my-models @ file:///srv/my-models"``,
  ``"my-models @ git+https://..."``): installed as written, by the installer.

The first two are *local*: installed editable, and every file in them is part of the
environment's pins (:func:`local_digest`), so an edited plugin re-syncs the environments
already built. A bare name is always a directory under ``plugins/``; a requirement says
a version or a URL, which tells the two apart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from tracker.errors import ConfigError

BUNDLED, PATH, REQUIREMENT = "bundled", "path", "requirement"
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
FORMS = ("a directory name under plugins/ ('pytorch'), a path relative to the matrix file ('./my-models'), "
         "or a requirement with a version or URL ('my-models==1.0', 'my-models @ file:///path')")
# not part of a plugin's sources: what building, testing and running leave behind
_SKIPPED_DIRS = {"__pycache__", ".git", ".nox", ".tox", ".pytest_cache", ".mypy_cache", ".ruff_cache", "build",
                 "dist", ".venv", "venv"}


@dataclasses.dataclass(frozen=True)
class PluginSource:
    entry: str  # as a pair carries it: a name, an absolute path, or a requirement
    kind: str  # BUNDLED | PATH | REQUIREMENT
    path: Path | None = None  # the directory of a local one

    @property
    def local(self) -> bool:
        return self.path is not None

    def install_args(self) -> list[str]:
        """The installer's arguments for it: local ones editable."""
        return ["-e", str(self.path)] if self.path is not None else [self.entry]

    def describe(self) -> str:
        return {BUNDLED: f"plugins/{self.entry}", PATH: f"{self.path} (editable)",
                REQUIREMENT: self.entry}[self.kind]


def looks_like_path(entry: str) -> bool:
    if "@" in entry:  # a requirement's direct reference: 'name @ file:///path'
        return False
    return entry.startswith((".", "/", "~")) or "/" in entry or os.sep in entry


def resolve_entry(entry: str, matrix_dir: Path) -> str:
    """A matrix's entry as a pair carries it: a path made absolute (relative to the matrix
    file's directory), a name or requirement as written.

    :raises ValueError: the entry is none of the three forms (the message says why)."""
    entry = entry.strip()
    if PLAIN_NAME.fullmatch(entry):
        return entry
    if looks_like_path(entry):
        return str((matrix_dir / Path(entry).expanduser()).resolve())
    try:
        requirement = Requirement(entry)
    except InvalidRequirement as exc:
        raise ValueError(f"{entry!r} is not a plugin entry ({exc})") from None
    if not requirement.specifier and not requirement.url:
        raise ValueError(f"{entry!r} names neither a directory under plugins/ nor a version or URL")
    return entry


def classify(entry: str, plugin_root: Path) -> PluginSource:
    """The source of an entry as a pair carries it (after :func:`resolve_entry`)."""
    if PLAIN_NAME.fullmatch(entry):
        return PluginSource(entry, BUNDLED, plugin_root / entry)
    if os.path.isabs(entry):
        return PluginSource(entry, PATH, Path(entry))
    return PluginSource(entry, REQUIREMENT)


def check_local(source: PluginSource, plugin_root: Path, named_in: str) -> None:
    """A local plugin is a directory with a ``pyproject.toml``.

    :raises ConfigError: it is not, with the directories there are."""
    if source.path is None or (source.path / "pyproject.toml").is_file():
        return
    if source.kind == BUNDLED:
        there = sorted(p.name for p in plugin_root.iterdir() if (p / "pyproject.toml").is_file())
        raise ConfigError(f"{named_in} names the plugin {source.entry!r}, but {source.path} has no pyproject.toml",
                          hint=f"the plugin directories: {', '.join(there)}; or give a path ('./{source.entry}', "
                               "relative to the matrix file) or a requirement ('name==1.0')")
    raise ConfigError(f"{named_in} names the plugin directory {source.path}, which has no pyproject.toml",
                      hint="a path in 'plugins' is relative to the matrix file that names it")


def local_digest(sources: Iterable[PluginSource]) -> str:
    """The hash of every file of the local plugins (their names and contents), caches and
    build output left out: changes when any file of one changes."""
    digest = hashlib.sha256()
    for source in sorted((s for s in sources if s.path is not None), key=lambda s: str(s.path)):
        assert source.path is not None
        digest.update(f"plugin {source.path}\0".encode())
        for file in _files(source.path):
            digest.update(f"{file.relative_to(source.path).as_posix()}\0".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _files(root: Path) -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS and not d.endswith(".egg-info"))
        found += [Path(directory) / name for name in sorted(files) if not name.endswith((".pyc", ".pyo"))]
    return found
