"""Bisection over a planted timeline of releases: the first bad release, found with at
most ceil(log2(n)) probes; unbuildable releases skipped, then a clear error."""

from __future__ import annotations

import math

import pytest

from tracker.bisect import (BAD, GOOD, SKIP, Bisection, Release, candidates, judge,
                            max_probes)
from tracker.bisect.search import builds_between, upload_day
from tracker.errors import ConfigError, TrackerError

TIMELINE = [f"1.{minor}.{patch}" for minor in range(17, 32) for patch in (0, 1)]


def _bisect(versions, first_bad, unbuildable=(), max_skips=3):
    bisection = Bisection("1.16.0", versions, max_skips=max_skips)
    while (probe := bisection.next_probe()) is not None:
        if probe in unbuildable:
            bisection.record(probe, SKIP)
        else:
            bad = versions.index(probe) >= versions.index(first_bad)
            bisection.record(probe, BAD if bad else GOOD)
    return bisection


@pytest.mark.parametrize("first_bad", TIMELINE)
def test_every_planted_release_is_found_within_the_promised_probes(first_bad):
    bisection = _bisect(TIMELINE, first_bad)
    assert bisection.first_bad == first_bad
    index = TIMELINE.index(first_bad)
    assert bisection.last_good == (TIMELINE[index - 1] if index else "1.16.0")
    assert len(bisection.probed) <= max_probes(len(TIMELINE)) == math.ceil(math.log2(30))


def test_an_unbuildable_release_is_skipped_and_a_neighbour_tried():
    first_bad = "1.24.0"
    bisection = _bisect(TIMELINE, first_bad, unbuildable={"1.24.0", "1.23.1"})
    # the two releases around the change cannot be tried: the answer is a range
    assert bisection.last_good == "1.23.0"
    assert bisection.first_bad == "1.24.1"
    assert bisection.unresolved == ["1.23.1", "1.24.0"]


def test_too_many_unbuildable_releases_is_a_clear_error():
    with pytest.raises(TrackerError, match="more than --max-skips 1"):
        _bisect(TIMELINE, "1.20.0", unbuildable=set(TIMELINE[:-1]), max_skips=1)


def test_a_non_monotonic_outcome_is_reported_not_guessed():
    bisection = Bisection("1.0", ["1.1", "1.2", "1.3"])
    bisection.record("1.1", BAD)
    bisection.record("1.2", GOOD)
    with pytest.raises(TrackerError, match="not monotonic"):
        bisection.next_probe()


def test_candidates_leave_out_pre_releases_and_yanked_ones_unless_asked():
    releases = [Release("1.17.3"), Release("1.18.0"), Release("1.18.1", yanked=True),
                Release("1.19.0rc1"), Release("1.19.0"), Release("1.20.0"), Release("1.21.0"),
                Release("legacy-1")]
    assert candidates(releases, "1.17.3", "1.20.0") == ["1.18.0", "1.19.0", "1.20.0"]
    assert candidates(releases, "1.17.3", "1.20.0", pre=True, yanked=True) == [
        "1.18.0", "1.18.1", "1.19.0rc1", "1.19.0", "1.20.0"]


@pytest.mark.parametrize(("good", "bad", "message"), [
    ("1.20.0", "1.18.0", "must be older"),
    ("1.18.0", "1.99.0", "not a release"),
    ("x", "1.18.0", "not a version"),
])
def test_bad_ranges_are_clear_errors(good, bad, message):
    with pytest.raises(ConfigError, match=message):
        candidates([Release("1.18.0"), Release("1.20.0")], good, bad)


def test_a_probe_is_judged_against_the_outcomes_at_good():
    at_good = {"a": "ok", "b": "incorrect"}
    assert judge(at_good, {"a": "ok", "b": "incorrect"}) == GOOD
    assert judge(at_good, {"a": "crash", "b": "incorrect"}) == BAD
    assert judge(at_good, {"a": "ok", "b": "ok"}) == BAD  # a fix is a change too
    assert judge(at_good, {"a": "env_error", "b": "env_error"}) == SKIP


def test_the_builds_between_two_releases_are_their_dev_builds_and_pre_releases():
    releases = [Release(v) for v in ("0.7.0.dev20260418", "0.7.0", "0.7.1.dev20260509", "0.7.1.dev20260421",
                                     "0.7.1rc1", "0.7.1", "0.7.1.post1", "0.7.2.dev20260701", "nightly")]
    releases.append(Release("0.7.1.dev20260430", yanked=True))
    assert builds_between(releases, "0.7.0", "0.7.1") == ["0.7.1.dev20260421", "0.7.1.dev20260509", "0.7.1rc1"]
    assert builds_between(releases, "0.7.0", "0.7.1", yanked=True) == [
        "0.7.1.dev20260421", "0.7.1.dev20260430", "0.7.1.dev20260509", "0.7.1rc1"]
    assert builds_between(releases, "0.7.1", "0.7.2") == ["0.7.2.dev20260701"]
    assert builds_between(releases, "0.7.0.dev20260418", "0.7.0") == []


def test_a_release_was_uploaded_the_day_of_its_first_file():
    assert upload_day([{"upload_time_iso_8601": "2026-06-09T07:21:19.9Z"},
                       {"upload_time": "2026-06-08T23:59:00"}]) == "2026-06-08"
    assert upload_day([{}]) is None and upload_day([]) is None
