"""The bisection driver on a planted timeline: a probe that "sweeps" a pair by storing
the outcomes planted for its release in a real (temporary) store, which the driver reads
back through the store API."""

from __future__ import annotations

import dataclasses
import sys
import textwrap

import pytest
from packaging.version import Version
from planted_index import file, planted_index, project
from tracker_fake_plugin import fake_case

from tracker.bisect import Release
from tracker.bisect.cli import bisect_parser, main, options_of
from tracker.bisect.driver import BisectOptions, BisectResult, CaseChange, bisect
from tracker.envinfo import Environment, unbuildable
from tracker.errors import ConfigError, TrackerError
from tracker.matrix import Pair
from tracker.store import ResultRecord, Store, VerdictRecord

MATRIX = """
[pipeline.fake]
framework = "fake-numpy"
converter = "fake-saver"
runtime = "fake-runner"
plugins = []
requires = ["helper==1.0"]

[pipeline.fake.variant.plain]
options = {}

[pipeline.fake.runtime-axes]
fakert = ["1.0", { version = "1.9", with = ["numpy<3"] }]
"""
RELEASES = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9"]
CASES = ["op-a", "op-b", "op-c"]


class PlantedSweep:
    """Sweeps a pair by storing, for each case, the outcome planted at the pair's release
    of ``package``: a case's timeline ``("ok", "1.6", "incorrect", ...)`` reads "ok, from
    1.6 on incorrect, ..." (in version order, so the dev builds of 1.6 come before it; a
    case with none is ``ok`` throughout); ``env_error`` for every case at an unbuildable
    release."""

    def __init__(self, store, package="fakert", timelines=None, unbuildable=(), failing=(), verdicts=None):
        self.store, self.package = store, package
        self.verdicts = verdicts or (lambda case, version: [])  # (case, release) -> the oracles' verdicts
        self.timelines = timelines or {}
        self.unbuildable, self.failing = set(unbuildable), set(failing)
        self.swept: list[Pair] = []

    def outcome(self, case: str, version: str) -> str:
        first, *changes = self.timelines.get(case, ("ok",))
        for since, outcome in zip(changes[::2], changes[1::2], strict=True):
            if Version(version) >= Version(since):
                first = outcome
        return first

    def __call__(self, pair: Pair) -> str | None:
        self.swept.append(pair)
        (version,) = [a.version for a in pair.axes if a.package == self.package]
        if version in self.failing:
            return None
        buildable = version not in self.unbuildable
        env = (Environment("3.11.7", "linux-x86_64", {self.package: version}) if buildable
               else unbuildable(pair.requested()))
        cases = [fake_case(c) for c in CASES]
        with Store.open(self.store) as store:
            store.record_environment(env, label=pair.id, requested=pair.requested(), buildable=buildable)
            store.record_cases(cases)
            run_id = store.start_run(env_id=env.env_id, label=pair.id, pipeline=pair.pipeline, variant=pair.variant,
                                     model_set=None, manifest_hash="m", case_count=len(cases), argv=[])
            for case in cases:
                store.record_result(ResultRecord(
                    run_id=run_id, env_id=env.env_id, config_key=f"k-{pair.variant}", pipeline=pair.pipeline,
                    variant=pair.variant, framework=pair.framework, converter=pair.converter,
                    runtime=pair.runtime, case_id=case.id, case_hash=case.content_hash,
                    outcome=self.outcome(case.id, version) if buildable else "env_error",
                    verdicts=self.verdicts(case.id, version) if buildable else []))
        return env.env_id


@pytest.fixture
def matrix(tmp_path):
    path = tmp_path / "matrix.toml"
    path.write_text(textwrap.dedent(MATRIX))
    return path


def _bisect(matrix, store, sweep, **changes) -> tuple[BisectResult, list[str]]:
    options = BisectOptions(**{"package": "fakert", "good": "1.0", "bad": "1.9", "store": store, **changes})
    log: list[str] = []
    result = bisect(options, matrix=matrix, sweep=sweep, log=log.append,
                    releases=lambda package, index: [Release(v) for v in RELEASES])
    return result, log


def test_a_change_is_found_at_the_planted_release_and_reported(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6", "incorrect")})
    result, log = _bisect(matrix, store, sweep)
    assert (result.first.first_changed, result.first.last_unchanged, result.first.unresolved) == ("1.6", "1.5", ())
    assert result.first.changes == (CaseChange("op-a", "ok", "incorrect"),)
    assert len(result.probed) <= 4 and result.built == ("1.0", "1.9", *result.probed)
    assert log[0] == "9 releases after 1.0 up to 1.9: 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9; at most 4 to try"
    assert log[1] == "building and sweeping fake.plain fakert-1.0"
    assert log[2] == "building and sweeping fake.plain fakert-1.9 (with numpy<3)"
    assert "watching 1 cases: op-a (ok -> incorrect)" in log
    assert "fakert 1.6: bad (an outcome differs from 1.0's)" in log
    assert "fakert 1.5: good (as at 1.0)" in log
    assert result.lines() == [
        "first bad release: fakert 1.6 (last good: 1.5)",
        "   op-a: ok at 1.5 -> incorrect at 1.6",
        f"   {len(result.probed)} releases probed, {len(result.built)} environments swept (the rest were in the store)",
    ]
    # a release the matrix does not list is probed with --good's companions, and the
    # package pinned in `requires` stays pinned
    probed = sweep.swept[2]
    assert [a.pin for a in probed.axes] == [f"fakert=={result.probed[0]}"] and probed.requires == ("helper==1.0",)
    # the second time every outcome is in the store: nothing is swept
    again, _ = _bisect(matrix, store, PlantedSweep(store, failing=RELEASES))
    assert again.built == () and (again.first, again.probed) == (result.first, result.probed)


def test_unbuildable_releases_are_skipped_and_the_range_they_leave_reported(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-b": ("ok", "1.5", "crash")}, unbuildable={"1.4", "1.5"})
    result, log = _bisect(matrix, store, sweep)
    assert (result.first.first_changed, result.first.last_unchanged, result.first.unresolved) == (
        "1.6", "1.3", ("1.4", "1.5"))
    assert "fakert 1.5: skip (cannot be installed or imported: skipped)" in log
    assert result.lines()[:3] == [
        "first bad release: fakert 1.6 (last good: 1.3)",
        "   could not be tried, so the change may be in: 1.4, 1.5",
        "   op-b: ok at 1.3 -> crash at 1.6",
    ]


def test_too_many_unbuildable_releases_stop_the_bisection(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-b": ("ok", "1.5", "crash")}, unbuildable=RELEASES[1:-1])
    with pytest.raises(TrackerError, match="more than --max-skips 1"):
        _bisect(matrix, store, sweep, max_skips=1)


@pytest.mark.parametrize("end", ["1.0", "1.9"])
def test_an_end_that_cannot_be_installed_is_a_clear_error(matrix, store, end):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6", "incorrect")}, unbuildable={end})
    with pytest.raises(TrackerError) as error:
        _bisect(matrix, store, sweep)
    assert str(error.value) == (f"fakert {end} cannot be installed or imported: see its env_error "
                                f"(tracker results --store {store})")


def test_a_failed_sweep_is_a_clear_error(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6", "incorrect")}, failing={"1.9"})
    with pytest.raises(TrackerError, match=r"^the sweep of fake.plain fakert-1.9 failed \(its output is above\)$"):
        _bisect(matrix, store, sweep)


def test_nothing_to_bisect_when_no_case_changes(matrix, store):
    with pytest.raises(TrackerError, match="^no case has another outcome at fakert 1.9 than at 1.0: nothing to bisect$"):
        _bisect(matrix, store, PlantedSweep(store))
    other = store.with_name("other.duckdb")
    with pytest.raises(TrackerError, match="^no watched case has another outcome"):
        _bisect(matrix, other, PlantedSweep(other, timelines={"op-a": ("ok", "1.6", "incorrect")}), cases=("op-b",))


def test_only_the_watched_cases_are_bisected(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.3", "incorrect"), "op-c": ("ok", "1.7", "timeout")})
    result, log = _bisect(matrix, store, sweep, cases=("op-c",))
    assert (result.first.first_changed, result.first.last_unchanged) == ("1.7", "1.6")
    assert result.steps[1:] == () and result.first.changes == (CaseChange("op-c", "ok", "timeout"),)
    assert "watching 1 cases: op-c (ok -> timeout)" in log


def test_given_companions_replace_the_matrix_ones(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6", "incorrect")})
    _bisect(matrix, store, sweep, companions=("numpy<2",))
    assert {pin for pair in sweep.swept for a in pair.axes for pin in a.companions} == {"numpy<2"}


def test_a_pinned_package_becomes_the_axis_of_the_probes(matrix, store):
    sweep = PlantedSweep(store, package="helper", timelines={"op-a": ("ok", "1.6", "incorrect")})
    result, _ = _bisect(matrix, store, sweep, package="helper")
    assert result.first.first_changed == "1.6"
    (pair, *_) = sweep.swept
    assert pair.id == "fake.plain fakert-1.9 helper-1.0" and pair.requires == ()
    assert dataclasses.asdict(pair)["runtime_axes"][-1]["package"] == "helper"


def test_the_command_says_a_user_error_in_one_line(matrix, store, capsys):
    code = main(["--matrix", str(matrix), "--nox-python", sys.executable, "--noxfile", "noxfile.py", "--",
                 "--package", "nope", "--good", "1.0", "--bad", "1.9", "--store", str(store)])
    assert code == ConfigError.exit_code
    assert capsys.readouterr().err.startswith(f"nox -s bisect: error: no pair of {matrix} has 'nope' as an axis")


def _probes_line(result: BisectResult) -> str:
    return (f"   {len(result.probed)} releases probed, {len(result.built)} environments swept "
            f"(the rest were in the store)")


@pytest.mark.parametrize(("timelines", "headline", "case_lines"), [
    ({"op-a": ("incorrect", "1.4", "ok"), "op-b": ("crash", "1.4", "not_runnable")},
     "first fixed release: fakert 1.4 (last still failing: 1.3)",
     ["   op-a: incorrect at 1.3 -> ok at 1.4", "   op-b: crash at 1.3 -> not_runnable at 1.4"]),
    ({"op-a": ("not_runnable", "1.4", "convert_error")},
     "first bad release: fakert 1.4 (last good: 1.3)", ["   op-a: not_runnable at 1.3 -> convert_error at 1.4"]),
    ({"op-a": ("incorrect", "1.4", "crash")},
     "first changed release: fakert 1.4 (last unchanged: 1.3)", ["   op-a: incorrect at 1.3 -> crash at 1.4"]),
    ({"op-a": ("ok", "1.4", "crash"), "op-b": ("incorrect", "1.4", "ok")},  # one broke, one was fixed
     "first changed release: fakert 1.4 (last unchanged: 1.3)",
     ["   op-a: ok at 1.3 -> crash at 1.4", "   op-b: incorrect at 1.3 -> ok at 1.4"]),
])
def test_the_summary_says_a_fix_a_regression_or_a_change(matrix, store, timelines, headline, case_lines):
    result, _ = _bisect(matrix, store, PlantedSweep(store, timelines=timelines))
    assert result.lines() == [headline, *case_lines, _probes_line(result)]


@pytest.mark.parametrize("names", [("--good", "--bad"), ("--from", "--to")])
def test_the_ends_may_be_given_newer_first(matrix, store, names):
    timelines = {"op-a": ("incorrect", "1.6", "ok")}
    in_order, _ = _bisect(matrix, store, PlantedSweep(store, timelines=timelines))
    args = bisect_parser().parse_args(["--package", "fakert", names[0], "1.9", names[1], "1.0"])
    reversed_order, log = _bisect(matrix, store, PlantedSweep(store, failing=RELEASES),
                                  good=options_of(args).good, bad=options_of(args).bad)
    assert log[0] == "the ends were given newer first: searching from 1.0 up to 1.9"
    assert (reversed_order.older, reversed_order.newer, reversed_order.steps) == ("1.0", "1.9", in_order.steps)
    assert reversed_order.lines()[0] == "first fixed release: fakert 1.6 (last still failing: 1.5)"
    with pytest.raises(ConfigError, match="^--good and --bad are both 1.9: give the two releases"):
        _bisect(matrix, store, PlantedSweep(store), good="1.9")


@pytest.mark.parametrize("second", [("ok", "1.7", "timeout"), ("timeout", "1.7", "ok"), ("ok", "1.5", "crash")])
def test_cases_changing_at_different_releases_each_get_their_own(matrix, store, second):
    timelines = {"op-a": ("incorrect", "1.3", "ok"), "op-b": ("crash",), "op-c": second}
    sweep = PlantedSweep(store, timelines=timelines)
    result, log = _bisect(matrix, store, sweep, cases=("op-a", "op-b", "op-c"))
    before, changed, after = second
    last = RELEASES[RELEASES.index(changed) - 1]
    assert [(s.first_changed, s.last_unchanged) for s in result.steps] == [("1.3", "1.2"), (changed, last)]
    verb = "regressed" if before == "ok" else "fixed"
    assert result.lines() == [
        "first fixed release: fakert 1.3 (last still failing: 1.2)",
        "   op-a: incorrect at 1.2 -> ok at 1.3",
        f"   op-c: {verb} in {changed} ({before} at {last} -> {after} at {changed})",
        "   op-b: still failing at 1.9 (crash at 1.0 and 1.9)",
        f"   {len(result.probed)} releases probed in 2 searches (at most 7 with no skip), "
        f"{len(result.built)} environments swept (the rest were in the store)",
    ]
    assert "1 cases had not changed at 1.3: searching the 6 releases after it for op-c; at most 3 to try" in log
    # no release is probed or swept twice: the second search starts from what the first read
    assert len(set(result.probed)) == len(result.probed) <= 7
    assert result.built == ("1.0", "1.9", *result.probed) and len(sweep.swept) == len(result.built)


def test_without_watched_cases_every_changed_case_gets_its_release(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.3", "incorrect"), "op-c": ("ok", "1.7", "timeout")})
    result, log = _bisect(matrix, store, sweep)
    assert "watching 2 cases: op-a (ok -> incorrect), op-c (ok -> timeout)" in log
    assert result.lines()[:3] == [
        "first bad release: fakert 1.3 (last good: 1.2)",
        "   op-a: ok at 1.2 -> incorrect at 1.3",
        "   op-c: regressed in 1.7 (ok at 1.6 -> timeout at 1.7)",
    ]


VARIANTS = MATRIX + """
[pipeline.fake.variant.other]
options = {}
"""


@pytest.fixture
def two_variants(tmp_path):
    path = tmp_path / "variants.toml"
    path.write_text(textwrap.dedent(VARIANTS))
    return path


def test_the_variant_is_inferred_from_the_stored_ends(two_variants, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6", "incorrect")})
    with pytest.raises(ConfigError) as error:  # nothing stored: which one?
        _bisect(two_variants, store, sweep)
    assert str(error.value) == ("fakert is an axis of 2 variants and the store has results at fakert 1.0 and 1.9 "
                                "for none: choose one of plain, other with --variant")
    assert sweep.swept == []
    _bisect(two_variants, store, sweep, variant="other")
    inferred, log = _bisect(two_variants, store, PlantedSweep(store, failing=RELEASES))
    assert log[0] == "variant other: the only one of plain, other with results at fakert 1.0 and 1.9 in the store"
    assert inferred.built == () and inferred.first.first_changed == "1.6"
    # only the watched cases count: the store has no result of an unknown one anywhere
    with pytest.raises(ConfigError, match="^fakert is an axis of 2 variants and the store has results of op-z at"):
        _bisect(two_variants, store, sweep, cases=("op-z",))


def test_several_stored_variants_are_a_one_line_error(two_variants, store, capsys):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6", "incorrect")})
    for variant in ("plain", "other"):
        _bisect(two_variants, store, sweep, variant=variant)
    code = main(["--matrix", str(two_variants), "--nox-python", sys.executable, "--noxfile", "noxfile.py", "--",
                 "--package", "fakert", "--from", "1.0", "--to", "1.9", "--store", str(store),
                 "--index", "http://127.0.0.1:9"])  # never reached: no test reads the network
    assert code == ConfigError.exit_code
    assert capsys.readouterr().err == (
        "nox -s bisect: error: fakert is an axis of 2 variants and the store has results at fakert 1.0 and 1.9 "
        "for 2: choose one of plain, other with --variant\n")


# --dev: the dev builds published between two consecutive releases, on a planted index
DEV_BUILDS = [f"1.6.dev202605{day:02}" for day in range(1, 9)]  # 8 builds: ceil(log2(8 + 1)) = 4, not ceil(log2 8) = 3
SDIST_ONLY = "1.6.dev20260504"


def _planted_fakert(builds=DEV_BUILDS, sdist_only=SDIST_ONLY) -> dict:
    """fakert's releases on the planted index, each uploaded on its own day; ``sdist_only``
    has no wheel (which `tracker releases` calls not installable here)."""
    days = {v: f"2026-0{1 + i // 3}-{10 + i:02}T08:00:00Z" for i, v in enumerate(RELEASES)}
    days.update({b: f"2026-05-{b[-2:]}T07:19:00Z" for b in builds})
    ordered = sorted(days, key=Version)
    return {"fakert": project("fakert", {
        v: [file("fakert", v, None if v == sdist_only else "here", uploaded=days[v])] for v in ordered})}


def _bisect_dev(matrix, store, sweep, projects, **changes) -> tuple[BisectResult, list[str]]:
    with planted_index(projects) as index:
        options = BisectOptions(**{"package": "fakert", "good": "1.0", "bad": "1.9", "store": store,
                                   "index": index, "dev": True, **changes})
        log: list[str] = []
        return bisect(options, matrix=matrix, sweep=sweep, log=log.append), log


def test_dev_the_first_changed_dev_build_and_its_window_are_named(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("incorrect", "1.6.dev20260505", "ok")})
    result, log = _bisect_dev(matrix, store, sweep, _planted_fakert())
    builds = result.first.builds
    assert (result.first.first_changed, result.first.last_unchanged) == ("1.6", "1.5")
    assert (builds.first_changed, builds.last_unchanged, builds.unresolved) == (
        "1.6.dev20260505", "1.6.dev20260503", (SDIST_ONLY,))
    assert builds.uploaded == ("2026-05-05", "2026-05-03")
    assert f"8 dev builds between 1.5 and 1.6: {', '.join(DEV_BUILDS)}; at most 4 to try" in log
    # the build with no wheel is skipped without an environment, as an uninstallable release is
    assert (f"fakert {SDIST_ONLY}: skip (not installable here (no wheel for this platform: sdist only): skipped)"
            in log)
    assert SDIST_ONLY not in result.probed and SDIST_ONLY not in result.built
    dev_probed = [v for v in result.probed if "dev" in v]
    assert len(dev_probed) <= 4 and result.built == ("1.0", "1.9", *result.probed)
    assert result.bound == 4 + 4  # ceil(log2 9) for the releases, ceil(log2(8 + 1)) for the builds
    assert result.lines() == [
        "first fixed release: fakert 1.6 (last still failing: 1.5)",
        "   first fixed build 1.6.dev20260505 (uploaded 2026-05-05); "
        "last still failing 1.6.dev20260503 (uploaded 2026-05-03)",
        f"      could not be tried, so the change may be in: {SDIST_ONLY}",
        "   op-a: incorrect at 1.5 -> ok at 1.6",
        f"   {len(result.probed)} releases and builds probed in 2 searches (at most 8 with no skip), "
        f"{len(result.built)} environments swept (the rest were in the store)",
    ]


@pytest.mark.parametrize("first_bad", [*DEV_BUILDS, "1.6"])
def test_dev_every_planted_build_is_found_within_the_bound(matrix, store, first_bad):
    sweep = PlantedSweep(store, timelines={"op-b": ("ok", first_bad, "crash")})
    result, _ = _bisect_dev(matrix, store, sweep, _planted_fakert(sdist_only=None), cases=("op-b",))
    builds = result.first.builds
    assert (builds.first_changed, builds.unresolved) == (first_bad, ())
    assert result.lines()[1].startswith(f"   first bad build {builds.first_changed} (uploaded ")
    assert len([v for v in result.probed if v not in RELEASES]) <= 4  # ceil(log2(8 + 1))


@pytest.mark.parametrize(("sweep_options", "builds", "note"), [
    ({}, [], "no dev build searched: fakert has none between 1.5 and 1.6 on the index"),
    ({"unbuildable": {"1.5"}}, DEV_BUILDS,
     "no dev build searched: 1.4 and 1.6 are not consecutive releases (1.5 could not be tried)"),
])
def test_dev_says_why_nothing_was_refined(matrix, store, sweep_options, builds, note):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6.dev20260502", "incorrect")}, **sweep_options)
    result, _ = _bisect_dev(matrix, store, sweep, _planted_fakert(builds))
    assert result.first.builds is None and f"   {note}" in result.lines()
    assert not any("dev" in v for v in result.probed) and "in 2 searches" not in result.lines()[-1]


def test_without_dev_the_builds_are_not_searched(matrix, store):
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6.dev20260502", "incorrect")})
    result, _ = _bisect_dev(matrix, store, sweep, _planted_fakert(), dev=False)
    assert result.first.builds is None and result.first.builds_note == ""
    assert result.lines()[0] == "first bad release: fakert 1.6 (last good: 1.5)" and len(result.lines()) == 3


TWO_AXES = MATRIX.replace('fakert = ["1.0", { version = "1.9", with = ["numpy<3"] }]',
                          'fakert = ["1.0", "1.9"]\nfakecv = ["2.0", "3.0"]')


def test_axis_keeps_another_axis_of_the_probed_pair(tmp_path, store):
    matrix = tmp_path / "axes.toml"
    matrix.write_text(textwrap.dedent(TWO_AXES))
    sweep = PlantedSweep(store, timelines={"op-a": ("ok", "1.6", "incorrect")})
    _bisect(matrix, store, sweep, axes=("fakecv==2.0",))
    assert {a.pin for pair in sweep.swept for a in pair.axes if a.package == "fakecv"} == {"fakecv==2.0"}
    args = bisect_parser().parse_args(["--package", "fakert", "--good", "1.0", "--bad", "1.9",
                                       "--axis", "fakecv==2.0", "--dev"])
    assert (options_of(args).axes, options_of(args).dev) == (("fakecv==2.0",), True)
    with pytest.raises(ConfigError, match=r"^no pair of .* with 'fakert' has fakecv==9.9\n  hint: --axis names"):
        _bisect(matrix, store, sweep, axes=("fakecv==9.9",))
    with pytest.raises(ConfigError, match="^--axis 'fakecv' is not PACKAGE==VERSION\n"):
        _bisect(matrix, store, sweep, axes=("fakecv",))



def _numeric_fixed_at(release):
    """invalid_model (the checker's opset_mismatch) everywhere; behind it, op-a's numeric
    verdict fails before ``release`` and passes from it (the other cases fail throughout)."""
    def verdicts(case, version):
        numeric = case == "op-a" and Version(version) >= Version(release)
        return [VerdictRecord("onnx-checker", False, subkind="opset_mismatch"), VerdictRecord("numeric", numeric)]
    return verdicts


def test_a_fix_behind_a_standing_failure_is_bisected_by_the_oracle_that_flipped(matrix, store):
    sweep = PlantedSweep(store, timelines={c: ("invalid_model",) for c in CASES}, verdicts=_numeric_fixed_at("1.6"))
    result, log = _bisect(matrix, store, sweep)
    assert ("no case has another outcome at fakert 1.9 than at 1.0, but the verdicts of numeric flipped behind "
            "a standing failure: watching them") in log
    assert (result.first.first_changed, result.first.last_unchanged) == ("1.6", "1.5")
    assert result.first.changes == (CaseChange("op-a", "invalid_model, numeric failed",
                                               "invalid_model, numeric passed"),)
    # watched by name, an oracle that never flips leaves nothing to bisect
    with pytest.raises(TrackerError, match="nothing to bisect"):
        _bisect(matrix, store, PlantedSweep(store, failing=RELEASES), oracles=("onnx-checker",))
