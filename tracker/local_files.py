"""Files a case names beside its plugin (its weights, its input arrays): where they are and
what they hold.

A location is an absolute path, or ``"package.module:relative/path"``: a path relative to
the directory of that module, so a plugin names the files it ships wherever it is
installed. Only what a file holds is hashed into a case's identity (its SHA-256), never
where it is: a checkpoint moved to another machine or folder is the same case.

Nothing here imports a deep-learning framework; finding a module's directory imports its
parent package at most (as reading a builder's source does).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from tracker.errors import CaseFileError

SPELLINGS = "an absolute path, or 'package.module:relative/path' (relative to that module's directory)"
_CHUNK = 1 << 20


def location_problem(location: str) -> str | None:
    """What is wrong with how ``location`` is written (``None``: nothing); no file is read."""
    if not location:
        return "is empty"
    if Path(location).is_absolute():
        return None
    module, colon, relative = location.partition(":")
    if not colon or not relative:
        return f"is a relative path without its module: write it as {SPELLINGS}"
    if not all(part.isidentifier() for part in module.split(".")):
        return f"names the module {module!r}, which is not a dotted Python name"
    if Path(relative).is_absolute():
        return f"has an absolute path after the module: write it as {SPELLINGS}"
    return None


def resolve(location: str, *, owner: str, what: str) -> Path:
    """The existing file or directory ``location`` names, for ``what`` (``"weights"``,
    ``"input arrays"``) of ``owner`` (``"case my-scorer"``); a :class:`CaseFileError`
    saying what to do if it cannot be found."""
    problem = location_problem(location)
    if problem:
        raise CaseFileError(f"{owner}: the {what} location {location!r} {problem}",
                            hint=f"give {SPELLINGS}")
    if Path(location).is_absolute():
        path = Path(location)
    else:
        module, _, relative = location.partition(":")
        path = _module_directory(module, owner=owner, what=what) / relative
    if not path.exists():
        raise CaseFileError(
            f"{owner}: its {what} file {str(path)!r} does not exist (named {location!r})",
            hint="create it (the weights: torch.save(model.state_dict(), path), model.save(path), "
                 "save_pretrained(path); the inputs: np.savez(path, name=array)), or fix the path in the "
                 "case's registration; nothing is downloaded at run time")
    return path


def _module_directory(module: str, *, owner: str, what: str) -> Path:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        spec, reason = None, str(exc)
    else:
        reason = "it is not installed"
    if spec is None or not spec.origin:
        raise CaseFileError(f"{owner}: the {what} are beside module {module!r}, which cannot be found "
                            f"({reason})", hint="install the plugin that ships them, or give an absolute path")
    return Path(spec.origin).parent


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes; of a directory, of every file under it in sorted
    relative-path order, each path hashed with its bytes (a renamed file changes it)."""
    path = Path(path)
    if path.is_dir():
        files = sorted((p for p in path.rglob("*") if p.is_file()), key=lambda p: p.relative_to(path).as_posix())
        whole = hashlib.sha256()
        for file in files:
            whole.update(f"{file.relative_to(path).as_posix()}\0{_file_digest(file)}\n".encode())
        return whole.hexdigest()
    return _file_digest(path)


def _file_digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()
