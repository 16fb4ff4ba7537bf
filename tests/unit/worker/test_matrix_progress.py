"""The whole sweep's progress line: pair i of N, time spent, time left."""

import json

import pytest

from tracker.errors import ConfigError
from tracker.worker.matrix_progress import MatrixPosition, position_line


def _position(index, count, remaining, started=1000.0):
    return MatrixPosition(index, count, started, tuple(remaining))


def test_time_left_adds_stored_timings_and_this_sweeps_mean_for_the_rest():
    position = _position(3, 5, ["d", "e"])
    line = position_line(position, {"d": 600.0}, now=1000.0 + 1200.0)  # 2 pairs in 20 min
    assert line.startswith("pair 3 of 5 · 20 min into the sweep")
    # this pair (c) and e: 10 min each, this sweep's mean; d: 10 min stored
    assert "about 30 min left" in line
    assert "1 pairs as they took when last run" in line and "2 at this sweep's mean" in line


def test_the_first_pair_of_a_cold_sweep_says_the_time_left_is_unknown():
    line = position_line(_position(1, 3, ["b", "c"]), {}, now=1000.0)
    assert "unknown" in line
    partly = position_line(_position(1, 3, ["b", "c"]), {"b": 90.0}, now=1000.0)
    assert "more than 2 min left" in partly and "2 never timed" in partly


def test_the_last_pair_says_so():
    assert position_line(_position(4, 4, []), {}, now=5000.0).endswith("the last pair")


def test_hours_are_written_as_hours():
    line = position_line(_position(2, 3, ["c"]), {"c": 2 * 3600 + 5 * 60}, now=1000.0 + 30)
    assert "about 2 h 05 min left" in line  # and this pair, at the mean of 30 s


@pytest.mark.parametrize("content", ["not json", json.dumps({"index": 1}), json.dumps(
    {"index": 5, "count": 4, "sweep_started": 0, "remaining": []})])
def test_a_bad_position_file_is_a_config_error(tmp_path, content):
    path = tmp_path / "position.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="--matrix-position"):
        MatrixPosition.read(path)


def test_a_position_file_round_trips(tmp_path):
    path = tmp_path / "position.json"
    path.write_text(json.dumps({"index": 2, "count": 3, "sweep_started": 12.5, "remaining": ["c"]}))
    assert MatrixPosition.read(path) == _position(2, 3, ["c"], started=12.5)


def _sided(index, pairs, started=1000.0):
    """A position among ``pairs`` (label, converter side), at the 1-based ``index``."""
    labels = [label for label, _ in pairs]
    return MatrixPosition(index, len(pairs), started, tuple(labels[index:]), tuple(pairs))


def test_pairs_never_timed_are_estimated_by_kind_first_of_a_converter_side_or_another_runtime():
    pairs = [("a 1 rt-2", "a 1"), ("a 1 rt-1", "a 1"), ("b 1 rt-2", "b 1"), ("b 1 rt-1", "b 1"),
             ("a 2 rt-2", "a 2")]
    # a 1's first pair converted for 10 min, its second runtime took 1 min
    position = _sided(3, pairs)
    line = position_line(position, {}, now=1000.0 + 660.0,
                         swept_seconds={"a 1 rt-2": 600.0, "a 1 rt-1": 60.0})
    # this pair (b 1 rt-2) and a 2 rt-2 convert (10 min each), b 1 rt-1 reuses b 1's conversions (1 min)
    assert "about 21 min left" in line, line
    assert "2 first pairs of a converter side at 10 min each" in line
    assert "1 more runtimes of a converted side at 1 min each, the mean of 1 this sweep finished" in line


def test_a_kind_with_no_finished_pair_is_estimated_at_the_sweeps_mean():
    pairs = [("a 1 rt-2", "a 1"), ("b 1 rt-2", "b 1"), ("b 1 rt-1", "b 1")]
    line = position_line(_sided(2, pairs), {}, now=1000.0 + 600.0, swept_seconds={"a 1 rt-2": 600.0})
    # b 1 rt-2: a first pair, as a 1 rt-2 took; b 1 rt-1: no other runtime finished, the mean
    assert "about 20 min left" in line and "this sweep's mean over all pairs" in line, line


def test_a_position_file_with_pairs_round_trips_and_must_list_every_pair(tmp_path):
    path = tmp_path / "position.json"
    pairs = [["a 1 rt-2", "a 1"], ["a 1 rt-1", "a 1"]]
    path.write_text(json.dumps({"index": 1, "count": 2, "sweep_started": 1.0, "remaining": ["a 1 rt-1"],
                                "pairs": pairs}))
    assert MatrixPosition.read(path).pairs == (("a 1 rt-2", "a 1"), ("a 1 rt-1", "a 1"))
    path.write_text(json.dumps({"index": 1, "count": 3, "sweep_started": 1.0, "remaining": [], "pairs": pairs}))
    with pytest.raises(ConfigError, match="2 pairs listed for 3"):
        MatrixPosition.read(path)
