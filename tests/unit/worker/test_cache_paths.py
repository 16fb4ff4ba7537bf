"""Paths read from a store (a conversion's artifact, a result id naming a shared
localization) stay inside the cache: a store is untrusted input, and a planted
``../../outside/planted.npz`` must not be loaded as a reused conversion."""

from __future__ import annotations

import dataclasses

import pytest

from tracker.errors import StoreError
from tracker.store import ConversionRecord
from tracker.worker import plan
from tracker.worker.cache import Cache
from tracker.worker.localize import Localization, Shared

from test_plan import _case, _pair  # noqa: E402 - the planted pair and case of the plan tests

LEAVING = ["../../outside/planted.npz", "../outside/planted.npz", "artifacts/../../outside/planted.npz",
           "{outside}/planted.npz", ".", ""]


def _planted(tmp_path) -> tuple[Cache, str]:
    cache_root, outside = tmp_path / "a" / "cache", tmp_path / "outside"
    outside.mkdir()
    (outside / "planted.npz").write_bytes(b"planted")
    cache_root.mkdir(parents=True)
    return Cache(cache_root), str(outside)


@pytest.mark.parametrize("relative", LEAVING)
def test_an_artifact_path_out_of_the_cache_is_not_found_there(tmp_path, relative):
    cache, outside = _planted(tmp_path)
    relative = relative.format(outside=outside)
    assert cache.artifact_path(relative) is None
    with pytest.raises(StoreError, match="leads out of the cache"):
        cache.stored_artifact(relative)


def test_a_stored_conversion_whose_artifact_is_outside_is_converted_again(tmp_path):
    cache, _ = _planted(tmp_path)
    planted = ConversionRecord("key", "k", "v", {}, {}, "a", "h", "ok", artifact="../../outside/planted.npz")
    job = plan.job(_pair(), _case("a"), oracles=["o"], fingerprints=plan.Fingerprints({"f": "1"}, {"k": "1"}),
                   cache=cache, reusable=lambda key: planted, log_path="x.log", threads=1, second_runtime=None)
    assert job.conversion is None
    inside = dataclasses.replace(planted, artifact="artifacts/a/model.onnx")
    (cache.root / "artifacts" / "a").mkdir(parents=True)
    (cache.root / "artifacts" / "a" / "model.onnx").write_bytes(b"onnx")
    assert cache.artifact_path(inside.artifact) == cache.root / "artifacts" / "a" / "model.onnx"
    assert cache.stored_artifact(inside.artifact) == cache.root / "artifacts" / "a" / "model.onnx"


def test_a_stored_result_id_never_names_a_file_outside_the_shared_directory(tmp_path):
    shared = Shared(tmp_path / "cache" / "localizations" / "run", "second")
    planted = Localization("../../../escaped", "case", "undetermined", False, None, "message")
    shared.seed([("runtime_error", "E: boom", planted)])
    assert not list(tmp_path.rglob("escaped*"))
