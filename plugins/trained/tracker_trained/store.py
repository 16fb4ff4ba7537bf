"""Trained weights, kept in the tracker's cache: a model is trained once per definition
and framework version, then loaded.

The key of a trained model is what makes it: the framework and its version, the case's
params (the architecture and the training recipe) and the source of this package (the
architectures, the training loops, the data set's split). What changes the case's hash
changes the key; an edit of this package elsewhere retrains too (never a stale model).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tracker.plugin import plugin_cache_dir

PLUGIN = "trained"


@functools.cache
def package_digest() -> str:
    """SHA-256 of this package's Python files, by name."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(f"{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def weights_path(framework: str, version: str, params: Mapping[str, Any], suffix: str) -> Path:
    """Where the weights trained with ``params`` under ``framework`` ``version`` are kept."""
    identity = {"framework": framework, "version": version, "params": dict(params), "package": package_digest()}
    key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]
    return plugin_cache_dir(PLUGIN) / key[:2] / f"{key}{suffix}"


def save_whole(path: Path, write: Callable[[Path], None]) -> None:
    """``write(temporary)``, then rename it to ``path``: a reader never sees half a file.
    The temporary keeps ``path``'s suffixes (Keras reads the format from them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"tmp-{os.getpid()}-{path.name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
