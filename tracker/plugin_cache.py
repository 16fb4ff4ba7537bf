"""A directory of the tracker's cache for a plugin's own files (the weights it trained).

A sweep's case process points it at the sweep's cache (``$TRACKER_CACHE``, else beside the
store), so what a plugin keeps there lives and goes with the references and artifacts.
Outside a sweep (a test, a script) it is ``$TRACKER_CACHE``, else a folder of the user's
temporary directory. A plugin writes its files whole (a temporary name, then a rename):
two case processes may make the same file at once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_ROOT: Path | None = None


def use_root(root: Path) -> None:
    """Put the plugins' directories under ``root`` (the sweep's cache) in this process."""
    global _ROOT
    _ROOT = Path(root)


def plugin_cache_dir(plugin: str) -> Path:
    """The cache directory of the plugin named ``plugin`` (created)."""
    if not plugin or not plugin.replace("-", "_").isidentifier():
        raise ValueError(f"a plugin's cache directory is named by the plugin, like 'trained', not {plugin!r}")
    root = _ROOT or Path(os.environ.get("TRACKER_CACHE") or Path(tempfile.gettempdir()) / f"tracker-cache-{os.getuid()}")
    path = root / "plugins" / plugin
    path.mkdir(parents=True, exist_ok=True)
    return path
