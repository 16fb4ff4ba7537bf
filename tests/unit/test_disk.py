import os

import pytest

from tracker.disk import cache_usage, environments_usage, human, parse_size, tree_usage
from tracker.errors import ConfigError


def _write(path, size):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def test_a_file_hard_linked_twice_in_a_tree_counts_once(tmp_path):
    one = _write(tmp_path / "envs" / "a" / "torch.so", 64 * 1024)
    (tmp_path / "envs" / "b").mkdir()
    os.link(one, tmp_path / "envs" / "b" / "torch.so")
    usage = tree_usage(tmp_path / "envs")
    assert usage.files == 1 and usage.bytes >= 64 * 1024
    assert usage.shared_bytes == 0  # every link is inside the tree


def test_links_from_outside_the_tree_are_reported_as_shared(tmp_path):
    cached = _write(tmp_path / "uv-cache" / "torch.so", 64 * 1024)
    (tmp_path / ".nox" / "env1").mkdir(parents=True)
    (tmp_path / ".nox" / "env2").mkdir(parents=True)
    os.link(cached, tmp_path / ".nox" / "env1" / "torch.so")
    os.link(cached, tmp_path / ".nox" / "env2" / "torch.so")
    _write(tmp_path / ".nox" / "env2" / "own.py", 4096)
    envs = environments_usage(tmp_path / ".nox")
    assert sorted(envs.each) == ["env1", "env2"]
    assert envs.total.files == 2
    assert envs.total.shared_bytes == tree_usage(tmp_path / "uv-cache").bytes
    assert envs.total.bytes < envs.each["env1"].bytes + envs.each["env2"].bytes
    assert "shared with uv's cache" in envs.lines()[0]


def test_cache_usage_splits_the_cache_by_part(tmp_path):
    cache = tmp_path / "cache"
    _write(cache / "artifacts" / "ab" / "abcd" / "model.onnx", 100_000)
    _write(cache / "references" / "ab" / "abcd.npz", 10_000)
    _write(tmp_path / "logs" / "run" / "case.log", 1_000)
    _write(tmp_path / "store.duckdb", 5_000)
    usage = cache_usage(tmp_path / "store.duckdb", cache, tmp_path / "logs")
    assert usage.artifacts >= 100_000 and 10_000 <= usage.references < 100_000 and usage.temporaries == 0
    assert usage.cache == usage.artifacts + usage.references
    assert usage.line().startswith("cache ") and "artifacts" in usage.line()


def test_nothing_there_is_nothing_used(tmp_path):
    assert tree_usage(tmp_path / "missing").bytes == 0
    assert environments_usage(tmp_path / "missing").each == {}


@pytest.mark.parametrize(("text", "size"), [("5GB", 5 * 10**9), ("500M", 5 * 10**8), ("1.5GiB", 3 * 2**29),
                                            ("0", 0), ("12 kb", 12_000), ("7", 7), (".5G", 5 * 10**8)])
def test_sizes_as_people_write_them(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["-1GB", "5 parsecs", "", "GB", "1.2.3G", "5GB of disk"])
def test_a_bad_size_is_a_config_error_saying_what_a_size_is(text):
    with pytest.raises(ConfigError, match="is not a size") as error:
        parse_size(text)
    assert "5GB" in str(error.value)


def test_human_sizes():
    assert [human(n) for n in (0, 999, 4_276_232_621, 496 * 10**6)] == ["0 B", "999 B", "4.28 GB", "496 MB"]
