"""`tracker plan-ci`: the CI jobs planned from timings planted in real stores. A heavy
converter side is sharded, light sides are packed, no job is expected over the cap, every
pair is in exactly one group of jobs, the plan is the same every time, pairs without a
timing are estimated and say so, and bad input is a clear error."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import textwrap

import pytest
from conftest import fake_env, tracker

from tracker.ci_plan import Assumptions, plan, side_of
from tracker.ci_timings import read_pair_timings
from tracker.errors import ConfigError, StoreError
from tracker.matrix import load_matrix
from tracker.store import ConversionRecord, ResultRecord, Store


def pipeline(name: str, converter: str, converter_axis: str, runtime_axis: str) -> str:
    """A pipeline of one variant ``v``: ``converter_axis``, ``runtime_axis`` as TOML keys."""
    return textwrap.dedent(f"""
        [pipeline.{name}]
        framework = "fw"
        converter = "{converter}"
        runtime = "rt"
        plugins = ["a"]
        [pipeline.{name}.variant.v]
        converter-axes.{converter_axis}
        [pipeline.{name}.runtime-axes]
        {runtime_axis}
    """)


MATRIX = "".join([
    pipeline("heavy", "conv", 'torch = ["1.0", "2.0"]', 'onnxruntime = ["1.0", "2.0", "3.0"]'),
    pipeline("light", "conv", 'tf = ["1.0"]', 'onnxruntime = ["1.0", "2.0"]'),
    pipeline("untimed", "conv", 'jax = ["1.0"]', 'onnxruntime = ["1.0"]'),
])
HEAVY = "heavy.v torch-1.0 onnxruntime-1.0"
LIGHT = "light.v tf-1.0 onnxruntime-1.0"
START = dt.datetime(2026, 12, 1, 10, 0, 0)
EXACT = Assumptions(max_minutes=30, speedup=1, env_minutes=2, default_minutes=20)


def plant_run(store: Store, label: str, *, cases: int, seconds: float, convert_share: float,
              reused: bool = False, set_size: int | None = None, argv: tuple[str, ...] = (),
              status: str = "finished", started: dt.datetime = START, platform: str = "linux-x86_64") -> None:
    """A run of ``label`` over ``cases`` cases (of a selection of ``set_size``), ``seconds``
    long at --jobs 1, ``convert_share`` of it converting (or reused: converted before)."""
    pipeline, variant = label.split()[0].split(".")
    env = f"env-{label}-{status}"
    store.con.execute("INSERT INTO environments VALUES (?, ?, '3.11', ?, '{}', '{}', true, ?)",
                      [env, label, platform, started])
    run_id = store.start_run(env_id=env, label=label, pipeline=pipeline, variant=variant,
                             model_set="default", manifest_hash="m", case_count=set_size or cases,
                             argv=list(argv))
    per_case = seconds / cases
    for number in range(cases):
        key = f"{label}-{status}-{number}"
        store.record_conversion(ConversionRecord(key, "conv", variant, {}, {}, f"c{number}", "h", "ok",
                                                 seconds=per_case * convert_share))
        store.record_result(ResultRecord(
            run_id=run_id, env_id=env, config_key="k", pipeline=pipeline, variant=variant,
            framework="fw", converter="conv", runtime="rt", case_id=f"c{number}", case_hash="h",
            outcome="ok", conversion_key=key, conversion_reused=reused,
            wall_seconds=per_case * (1 - convert_share) if reused else per_case))
    store.finish_run(run_id, status=status, computed=cases, reused=0)
    wall = seconds * (1 - convert_share) if reused else seconds
    store.con.execute("UPDATE runs SET started_at = ?, finished_at = ? WHERE run_id = ?",
                      [started, started + dt.timedelta(seconds=wall), run_id])


@pytest.fixture
def matrix(tmp_path):
    path = tmp_path / "envs"
    path.mkdir()
    (path / "m.toml").write_text(MATRIX)
    return path


@pytest.fixture
def timed(tmp_path):
    """The heavy side: 60 min cold for 100 cases, 40 of them converting; light: 6 min, 1 converting."""
    path = tmp_path / "timed.duckdb"
    with Store.open(path) as store:
        plant_run(store, HEAVY, cases=100, seconds=3600, convert_share=2 / 3)
        plant_run(store, LIGHT, cases=10, seconds=360, convert_share=1 / 6)
    return path


def _plan(matrix, stores, assumptions=EXACT):
    return plan(load_matrix(matrix), read_pair_timings(stores), assumptions)


def test_a_heavy_side_is_sharded_and_no_job_is_expected_over_the_cap(matrix, timed):
    the_plan = _plan(matrix, [timed])
    heavy = [job for job in the_plan.jobs if any(p.pair_id == HEAVY for p in job.pairs)]
    # 40 min converting + 3 pairs x 20 min, 7 min of setup: 100 / (30 - 7) -> 5 shards
    assert [job.shard_text for job in heavy] == [f"{i}/5" for i in range(1, 6)]
    assert all(len(job.pairs) == 3 for job in heavy), "the side's pairs stay together: one conversion"
    assert heavy[0].minutes == pytest.approx(1 + 3 * 2 + 100 / 5)
    assert the_plan.max_minutes <= 30
    assert all(job.minutes <= 30 for job in the_plan.jobs)


def test_light_pairs_are_grouped_and_light_sides_packed_together(matrix, timed):
    light = [job for job in _plan(matrix, [timed]).jobs if any(p.pair_id == LIGHT for p in job.pairs)]
    assert len(light) == 1 and light[0].shards == 1
    assert {p.side for p in light[0].pairs} == {"light.v tf-1.0"}
    # 1 min converting + 2 x 5 min + 1 + 2 x 2 setup: 16 min; the untimed pair (10 + 10 + 1 + 2)
    # does not fit beside it under 30 ...
    assert light[0].minutes == pytest.approx(16)
    # ... but does under 60, in one job with one job setup
    roomy = dataclasses.replace(EXACT, max_minutes=60)
    light = [job for job in _plan(matrix, [timed], roomy).jobs if any(p.pair_id == LIGHT for p in job.pairs)]
    assert [p.side for p in light[0].pairs] == ["untimed.v jax-1.0", "light.v tf-1.0", "light.v tf-1.0"]
    assert light[0].minutes == pytest.approx(16 + 23 - 1)


@pytest.mark.parametrize("cap", [30, 60, 200])
def test_every_pair_is_in_exactly_one_group_of_jobs(matrix, timed, cap):
    the_plan = _plan(matrix, [timed], dataclasses.replace(EXACT, max_minutes=cap))
    groups: dict[tuple[str, ...], list[str]] = {}
    for job in the_plan.jobs:
        groups.setdefault(tuple(p.pair_id for p in job.pairs), []).append(job.shard_text)
    planned = [pair for group in groups for pair in group]
    assert sorted(planned) == sorted(p.id for p in load_matrix(matrix))  # none lost, none doubled
    for shards in groups.values():  # a group runs on every one of its shards, once
        count = int(shards[0].split("/")[1])
        assert sorted(shards) == sorted(f"{i}/{count}" for i in range(1, count + 1))
    names = the_plan.names()
    assert len(set(names)) == len(names)


def test_the_plan_is_the_same_every_time_and_whatever_the_order_of_the_stores(matrix, timed, tmp_path):
    other = tmp_path / "other.duckdb"
    with Store.open(other) as store:  # an older, smaller run of the heavy pair: not the best
        plant_run(store, HEAVY, cases=10, seconds=900, convert_share=0.5, started=START - dt.timedelta(days=1))
    first = _plan(matrix, [timed, other]).matrix()
    assert first == _plan(matrix, [other, timed]).matrix() == _plan(matrix, [timed]).matrix()
    assert json.dumps(first) == json.dumps(_plan(matrix, [timed, other]).matrix())


def test_pairs_with_no_timing_are_estimated_and_say_so(matrix, timed):
    costs = {p.pair_id: p for job in _plan(matrix, [timed]).jobs for p in job.pairs}
    assert costs[HEAVY].basis == "measured (100 cases)"
    same_variant = costs["heavy.v torch-2.0 onnxruntime-3.0"]
    assert same_variant.basis == "estimate: mean of 1 timed pair(s) of heavy.v"
    assert (same_variant.convert_minutes, same_variant.rest_minutes) == pytest.approx((40, 20))
    untimed = costs["untimed.v jax-1.0 onnxruntime-1.0"]
    assert untimed.basis.startswith("estimate: no timing of pipeline untimed")
    assert untimed.convert_minutes + untimed.rest_minutes == pytest.approx(20)  # never zero


def test_no_store_at_all_estimates_every_pair(matrix):
    the_plan = _plan(matrix, [])
    pairs = [p for job in the_plan.jobs for p in job.pairs]
    assert pairs and all(p.basis.startswith("estimate") for p in pairs)
    assert all(job.minutes <= 30 for job in the_plan.jobs)


def test_part_of_the_set_is_scaled_up_and_reused_conversions_still_count(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        # 25 of 100 cases (one shard of four), conversions reused from an earlier run
        plant_run(store, HEAVY, cases=25, seconds=900, convert_share=2 / 3, reused=True,
                  argv=("--shard", "2/4"))
        plant_run(store, LIGHT, cases=10, seconds=360, convert_share=1 / 6, set_size=40)
        plant_run(store, LIGHT, cases=20, seconds=10_000, convert_share=0.5, status="interrupted")
    timings = read_pair_timings([path])
    heavy, light = timings[HEAVY], timings[LIGHT]
    assert heavy.full_cases == 100 and heavy.basis == "measured on 25 of 100 cases, scaled up"
    assert (heavy.convert_seconds, heavy.rest_seconds) == pytest.approx((2400, 1200))
    assert light.cases == 10, "a finished run is a better timing than an interrupted one"
    assert light.full_cases == 40 and light.convert_seconds == pytest.approx(4 * 60)


def test_a_cap_below_the_setup_is_an_error_that_says_what_to_do(matrix, timed):
    with pytest.raises(ConfigError, match=r"--max-minutes 2 leaves no time.*needs 3.0 min") as error:
        _plan(matrix, [timed], Assumptions(max_minutes=2, speedup=1, env_minutes=2))
    assert "raise --max-minutes" in str(error.value)


@pytest.mark.parametrize("field", ["max_minutes", "speedup", "env_minutes", "default_minutes"])
@pytest.mark.parametrize("value", [0, -1, float("nan")])
def test_assumptions_must_be_positive(field, value):
    with pytest.raises(ConfigError, match="must be a positive number"):
        Assumptions(**{field: value})


def test_the_command_prints_the_table_and_the_workflows_json(matrix, timed):
    args = ["plan-ci", "--matrix", str(matrix), "--store", str(timed), "--speedup", "1"]
    table = tracker(*args, env=fake_env())
    assert table.returncode == 0, table.stderr
    assert "plan: 9 pairs in 12 jobs, longest expected 27.0 min (cap 30); 7 pair(s) estimated" in table.stdout
    assert "measured (100 cases)" in table.stdout and "estimate: no timing of pipeline untimed" in table.stdout
    as_json = tracker(*args, "--format", "json", env=fake_env())
    assert as_json.returncode == 0, as_json.stderr
    jobs = json.loads(as_json.stdout)["include"]
    assert [set(job) for job in jobs] == [{"name", "sessions", "shard", "minutes"}] * 12
    assert jobs[0]["sessions"].splitlines() == [f"sweep(heavy.v torch-1.0 onnxruntime-{v})" for v in ("1.0", "2.0", "3.0")]
    assert as_json.stderr.startswith("plan: 9 pairs in 12 jobs")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--tag", "nope"], 3, "no pair of .* has the tag\\(s\\) nope"),
    (["--max-minutes", "0"], 3, "--max-minutes 0.0 must be a positive number"),
    (["--store", "missing.duckdb"], 5, "no store at missing.duckdb"),
])
def test_bad_input_is_a_one_line_error(matrix, args, code, message):
    process = tracker("plan-ci", "--matrix", str(matrix), *args, env=fake_env())
    assert process.returncode == code, process.stderr
    first = process.stderr.splitlines()[0]
    assert first.startswith("tracker plan-ci: error: ")
    assert re.search(message, first), first


def test_a_side_is_the_converter_axes_and_a_runtime_axis_that_is_the_converter(tmp_path):
    (tmp_path / "m.toml").write_text(pipeline("c", "coremltools", 'torch = ["1.0"]', 'coremltools = ["8.0", "9.0"]'))
    sides = {side_of(p) for p in load_matrix(tmp_path)}
    assert sides == {"c.v torch-1.0 coremltools-8.0", "c.v torch-1.0 coremltools-9.0"}


def test_missing_store_error_type(tmp_path):
    with pytest.raises(StoreError):
        read_pair_timings([tmp_path / "none.duckdb"])


def test_a_models_selection_with_no_whole_set_run_says_the_set_size_is_unknown(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        plant_run(store, LIGHT, cases=5, seconds=100, convert_share=0.5, argv=("--models", "a", "b"))
    assert read_pair_timings([path])[LIGHT].basis == (
        "measured on 5 cases chosen with --models: no run says how many the set has")


def test_a_plan_for_one_kind_of_runner_reads_only_its_platforms_timings(tmp_path):
    path = tmp_path / "merged.duckdb"
    with Store.open(path) as store:  # a merged store: the same pair timed on Linux and on macOS
        plant_run(store, LIGHT, cases=10, seconds=360, convert_share=0.5)
        plant_run(store, LIGHT, cases=10, seconds=60, convert_share=0.5, status="interrupted",
                  platform="darwin-arm64")
    assert read_pair_timings([path], platform="darwin")[LIGHT].rest_seconds == pytest.approx(30)
    assert read_pair_timings([path], platform="linux")[LIGHT].rest_seconds == pytest.approx(180)
    assert read_pair_timings([path])[LIGHT].rest_seconds == pytest.approx(180)  # finished wins
    assert read_pair_timings([path], platform="win32") == {}
