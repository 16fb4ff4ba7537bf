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
    assert "about 20 min left" in line  # d: 10 min stored + e: 10 min, this sweep's mean
    assert "1 pairs as they took when last run" in line and "1 at this sweep's mean" in line


def test_the_first_pair_of_a_cold_sweep_says_the_time_left_is_unknown():
    line = position_line(_position(1, 3, ["b", "c"]), {}, now=1000.0)
    assert "unknown" in line
    partly = position_line(_position(1, 3, ["b", "c"]), {"b": 90.0}, now=1000.0)
    assert "more than 2 min left" in partly


def test_the_last_pair_says_so():
    assert position_line(_position(4, 4, []), {}, now=5000.0).endswith("the last pair")


def test_hours_are_written_as_hours():
    line = position_line(_position(2, 3, ["c"]), {"c": 2 * 3600 + 5 * 60}, now=1000.0 + 30)
    assert "about 2 h 05 min left" in line


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
