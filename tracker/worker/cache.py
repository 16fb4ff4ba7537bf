"""The content-addressed cache of reference outputs and converted artifacts.

A reference is keyed by the framework's fingerprint and the case hash; an artifact by
the converter side's fingerprint (framework + converter distributions), the case hash
and the conversion options. Environments that differ only in the runtime share both.
Files are written under a temporary name and renamed into place, so a reader never sees
half a file and a killed writer leaves only temporaries behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.api import artifact_exists
from tracker.cases import ModelCase, hash_json
from tracker.errors import StoreError

if TYPE_CHECKING:
    import numpy as np


def reference_key(case: ModelCase, framework_fingerprint: Mapping[str, Any]) -> str:
    return hash_json(
        {"case": case.content_hash, "samples": case.samples, "framework": framework_fingerprint}
    )[:24]


def conversion_key(
    case: ModelCase,
    converter: str,
    converter_fingerprint: Mapping[str, Any],
    options: Mapping[str, Any],
) -> str:
    return hash_json(
        {
            "case": case.content_hash,
            "converter": converter,
            "fingerprint": converter_fingerprint,
            "options": dict(options),
        }
    )[:24]


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def reference_path(self, key: str) -> Path:
        return self.root / "references" / key[:2] / f"{key}.npz"

    def artifact_dir(self, key: str) -> Path:
        return self.root / "artifacts" / key[:2] / key

    def scratch_dir(self, key: str) -> Path:
        path = self.root / "tmp" / f"{key}-{os.getpid()}-{time.monotonic_ns()}"
        path.mkdir(parents=True)
        return path

    # -- references -----------------------------------------------------------------------
    def save_reference(
        self,
        key: str,
        inputs: Sequence[Sequence[np.ndarray]],
        outputs: Sequence[Sequence[np.ndarray]],
        info: Mapping[str, float] | None = None,
    ) -> Path:
        """Store the input sets, the framework's outputs on them, and ``info`` (numbers
        measured on the source model: parameter bytes, eager latency)."""
        return self._save_sets(self.reference_path(key), inputs, outputs, info)

    def load_reference(self, key: str) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]]] | None:
        loaded = self._load_sets(self.reference_path(key))
        return None if loaded is None else (loaded[0], loaded[1])

    def reference_info(self, key: str) -> dict[str, float]:
        """The numbers saved with a reference (empty for references saved without)."""
        loaded = self._load_sets(self.reference_path(key))
        return {} if loaded is None else loaded[2]

    # -- the float64 reference (Framework.run_float64) -----------------------------------
    # A second reference, keyed like the first plus its dtype, beside it: the model run in
    # float64 on the same input sets (with their digest), or why it cannot be, remembered
    # so that every environment does not build the model again to learn it.
    def float64_path(self, reference: str) -> Path:
        return self.reference_path(reference).with_name(f"{reference}.float64.npz")

    def save_float64(self, reference: str, inputs_digest: str, outputs: Sequence[Sequence[np.ndarray]]) -> Path:
        return self._save_sets(self.float64_path(reference), [[] for _ in outputs], outputs,
                               {"inputs_digest": inputs_digest})

    def load_float64(self, reference: str, inputs_digest: str) -> list[list[np.ndarray]] | None:
        """The float64 outputs saved for this reference, if computed on inputs of this digest."""
        loaded = self._load_sets(self.float64_path(reference))
        if loaded is None or loaded[2].get("inputs_digest") != inputs_digest:
            return None
        return loaded[1]

    def save_float64_unavailable(self, reference: str, reason: str) -> None:
        self._write_text(self.float64_path(reference).with_suffix(".unavailable"), reason)

    def float64_unavailable(self, reference: str) -> str | None:
        return self._read_text(self.float64_path(reference).with_suffix(".unavailable"))

    # -- extra input sets (Oracle.extra_inputs) -------------------------------------------
    # The inputs of a set the core cannot remake cheaply (a ``derived`` set: adversarial
    # inputs) are data of the case: keyed by the case's content hash and the recipe, made
    # once whatever the framework version. The framework's outputs on a set are keyed by
    # the reference (framework version), with the digest of the inputs they were computed on.
    def extra_inputs_path(self, case_hash: str, recipe_key: str) -> Path:
        return self.root / "inputs" / case_hash[:2] / f"{case_hash[:24]}.{recipe_key}.npz"

    def save_extra_inputs(self, case_hash: str, recipe_key: str,
                          inputs: Sequence[Sequence[np.ndarray]]) -> list[list[np.ndarray]]:
        """Store a set's inputs unless another process stored them first; return the
        stored ones (the first writer's), which every framework version then runs."""
        path = self.extra_inputs_path(case_hash, recipe_key)
        self._save_sets(path, inputs, [[] for _ in inputs], None, replace=False)
        stored = self.load_extra_inputs(case_hash, recipe_key)
        return [list(s) for s in inputs] if stored is None else stored

    def load_extra_inputs(self, case_hash: str, recipe_key: str) -> list[list[np.ndarray]] | None:
        loaded = self._load_sets(self.extra_inputs_path(case_hash, recipe_key))
        return None if loaded is None else loaded[0]

    def extra_path(self, reference: str, recipe_key: str) -> Path:
        """The framework's outputs on a set (the inputs are not repeated there)."""
        return self.reference_path(reference).with_name(f"{reference}.outputs-{recipe_key}.npz")

    def save_extra(self, reference: str, recipe_key: str, inputs_digest: str,
                   outputs: Sequence[Sequence[np.ndarray]]) -> Path:
        return self._save_sets(self.extra_path(reference, recipe_key), [[] for _ in outputs], outputs,
                               {"inputs_digest": inputs_digest})

    def load_extra(self, reference: str, recipe_key: str, inputs_digest: str) -> list[list[np.ndarray]] | None:
        """The outputs saved for this set, if they were computed on inputs of this digest
        (inputs made again, e.g. after a prune, are run again)."""
        loaded = self._load_sets(self.extra_path(reference, recipe_key))
        if loaded is None or loaded[2].get("inputs_digest") != inputs_digest:
            return None
        return loaded[1]

    def save_extra_unavailable(self, reference: str, recipe_key: str, reason: str) -> None:
        """Remember that these extra inputs cannot be made with this framework version
        (so that every environment does not build the model again to learn it)."""
        self._write_text(self.extra_path(reference, recipe_key).with_suffix(".unavailable"), reason)

    def extra_unavailable(self, reference: str, recipe_key: str) -> str | None:
        return self._read_text(self.extra_path(reference, recipe_key).with_suffix(".unavailable"))

    @staticmethod
    def _write_text(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)

    @staticmethod
    def _read_text(path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            return None

    # -- the npz format shared by references and extra sets ---------------------------------
    @staticmethod
    def _save_sets(path: Path, inputs: Sequence[Sequence[np.ndarray]], outputs: Sequence[Sequence[np.ndarray]],
                   info: Mapping[str, Any] | None, *, replace: bool = True) -> Path:
        """Write ``path`` atomically; with ``replace=False``, keep a file already there."""
        import numpy as np

        arrays: dict[str, np.ndarray] = {}
        for s, (sample_in, sample_out) in enumerate(zip(inputs, outputs, strict=True)):
            for i, array in enumerate(sample_in):
                arrays[f"in_{s}_{i}"] = array
            for i, array in enumerate(sample_out):
                arrays[f"out_{s}_{i}"] = array
        arrays["meta"] = np.array([len(inputs)])
        arrays["info"] = np.array(json.dumps(dict(info or {}), sort_keys=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
            return path
        try:
            os.link(temporary, path)  # fails if another writer was first: theirs stands
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
        return path

    @staticmethod
    def _load_sets(path: Path) -> tuple[list[list[Any]], list[list[Any]], dict[str, Any]] | None:
        import numpy as np

        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                samples = int(data["meta"][0])
                inputs = [_collect(data, f"in_{s}_") for s in range(samples)]
                outputs = [_collect(data, f"out_{s}_") for s in range(samples)]
                info = json.loads(str(data["info"])) if "info" in data.files else {}
        except (OSError, ValueError, KeyError):
            with contextlib.suppress(OSError):
                path.unlink()  # unreadable: recompute it
            return None
        return inputs, outputs, info

    # -- artifacts ------------------------------------------------------------------------
    def publish_artifact(self, key: str, produced: Path) -> tuple[str, str, int]:
        """Move a freshly converted artifact (and its sibling files, e.g. external data)
        into the cache. Returns (path relative to the cache root, sha256, bytes)."""
        target_dir = self.artifact_dir(key)
        target_dir.parent.mkdir(parents=True, exist_ok=True)
        source_dir = produced.parent
        try:
            os.rename(source_dir, target_dir)  # atomic; fails if another writer was first
        except OSError:
            if not artifact_exists(target_dir / produced.name):
                raise
            # same key, same content: keep the first one published
            shutil.rmtree(source_dir, ignore_errors=True)
        artifact = target_dir / produced.name
        return str(artifact.relative_to(self.root)), _sha256(artifact), _size(target_dir)

    def artifact_path(self, relative: str | None) -> Path | None:
        """The cached artifact (a file, or a directory format such as ``.mlpackage``);
        ``None`` if absent, or if ``relative`` (read from a store: untrusted) leads out of
        the cache, which converts it again."""
        if not relative:
            return None
        path = self.inside(relative)
        return path if path is not None and artifact_exists(path) else None

    def inside(self, relative: str) -> Path | None:
        """``relative`` (a path read from a store) under the cache root; ``None`` if it is
        absolute or climbs out with ``..``. Checked as written, not by resolving links: a
        cache whose ``artifacts/`` is a link to another disk stays usable, and a link
        inside the cache is something only who can write the cache could plant."""
        path = Path(os.path.normpath(relative))
        if path.is_absolute() or path.parts[:1] in ((), (".",), ("..",)):
            return None
        return self.root / path

    def stored_artifact(self, relative: str) -> Path:
        """The artifact at ``relative`` (a conversion's record) in the cache, or a
        :class:`StoreError` if the path leads out of it."""
        path = self.inside(relative)
        if path is None:
            raise StoreError(f"the stored artifact path {relative!r} leads out of the cache {self.root}",
                             hint="a store is untrusted input: rerun with --recompute, or take the store from "
                                  "a sweep you trust")
        return path

    def parts(self) -> dict[str, Path]:
        """The cache's directories by what they hold (for accounting and pruning):
        ``artifacts/<2>/<conversion key>/``, ``references/<2>/<reference key>[.outputs-*].npz``,
        the extra inputs made once per case ``inputs/<2>/<case hash>.<recipe key>.npz`` and
        ``tmp/`` (the temporaries of writers, removed when a sweep starts if a day old)."""
        return {"artifacts": self.root / "artifacts", "references": self.root / "references",
                "inputs": self.root / "inputs", "temporaries": self.root / "tmp"}

    def clean_scratch(self, older_than_seconds: float = 24 * 3600) -> None:
        """Remove temporaries of killed writers."""
        scratch = self.root / "tmp"
        if not scratch.is_dir():
            return
        cutoff = time.time() - older_than_seconds
        for entry in scratch.iterdir():
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < cutoff:
                    shutil.rmtree(entry, ignore_errors=True)


def _collect(data: Any, prefix: str) -> list[Any]:
    arrays = []
    index = 0
    while f"{prefix}{index}" in data.files:
        arrays.append(data[f"{prefix}{index}"])
        index += 1
    return arrays


def _sha256(path: Path) -> str:
    """Of a file's bytes; of a directory, over its files' relative paths and bytes."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if file != path:
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
