"""``nox -s latest``'s driver on a planted index (served on 127.0.0.1) and a planted probe
that "sweeps" a pair by storing the outcomes planted for its versions in a real
(temporary) store, read back through the analysis: no test reaches the network or nox."""

from __future__ import annotations

import sys
import textwrap

import pytest
from planted_index import file, planted_index, project
from tracker_fake_plugin import fake_case

from tracker.envinfo import Environment, unbuildable
from tracker.errors import SelectionError
from tracker.latest import LatestOptions, latest
from tracker.latest.cli import main
from tracker.matrix import Pair
from tracker.store import ResultRecord, Store

MATRIX = """
[pipeline.fake]
framework = "fake-numpy"
converter = "fake-saver"
runtime = "fake-runner"
plugins = []

[pipeline.fake.variant.plain]
options = {}
converter-axes.fakecv = ["1.0", "2.0"]

[pipeline.fake.variant.other]
options = {}
converter-axes.fakecv = ["1.0"]

[pipeline.fake.runtime-axes]
fakert = ["1.0", { version = "1.9", with = ["numpy<3"] }]
"""
CASES = ["op-a", "op-b", "op-c"]


def index(fakert: list[str], fakecv: list[str] = ("1.0", "2.0")) -> dict:
    return {name: project(name, {v: [file(name, v, "here")] for v in versions})
            for name, versions in (("fakert", fakert), ("fakecv", fakecv))}


class PlantedSweep:
    """Stores, for each case, the outcome planted at the pair's fakert version (``ok``
    where none is); ``env_error`` for every case at an ``unbuildable`` fakert version."""

    def __init__(self, store, outcomes=None, unbuildable=()):
        self.store, self.outcomes, self.unbuildable = store, outcomes or {}, set(unbuildable)
        self.swept: list[Pair] = []

    def __call__(self, pair: Pair) -> str | None:
        self.swept.append(pair)
        versions = {a.package: a.version for a in pair.axes}
        buildable = versions["fakert"] not in self.unbuildable
        env = (Environment("3.11.7", "linux-x86_64", versions) if buildable else unbuildable(pair.requested()))
        cases = [fake_case(c) for c in CASES]
        with Store.open(self.store) as store:
            store.record_environment(env, label=pair.id, requested=pair.requested(), buildable=buildable)
            store.record_cases(cases)
            run_id = store.start_run(env_id=env.env_id, label=pair.id, pipeline=pair.pipeline, variant=pair.variant,
                                     model_set=None, manifest_hash="m", case_count=len(cases), argv=[])
            for case in cases:
                outcome = self.outcomes.get(versions["fakert"], {}).get(case.id, "ok")
                store.record_result(ResultRecord(
                    run_id=run_id, env_id=env.env_id, config_key=f"k-{pair.variant}", pipeline=pair.pipeline,
                    variant=pair.variant, framework=pair.framework, converter=pair.converter,
                    runtime=pair.runtime, case_id=case.id, case_hash=case.content_hash,
                    outcome=outcome if buildable else "env_error",
                    signature=None if buildable else "InstallError: refusing to install a CUDA build",
                ))
        return env.env_id


@pytest.fixture
def matrix(tmp_path):
    path = tmp_path / "matrix.toml"
    path.write_text(textwrap.dedent(MATRIX))
    return path


def _latest(matrix, store, sweep, projects, **options):
    log: list[str] = []
    with planted_index(projects) as url:
        delta = latest(LatestOptions(store=store, index=url, **options), matrix=matrix, sweep=sweep, log=log.append)
    return delta, log


def test_nothing_new_is_one_line_and_no_sweep(matrix, store):
    sweep = PlantedSweep(store)
    delta, _ = _latest(matrix, store, sweep, index(["1.0", "1.9"]))
    assert delta.lines() == ["nothing released since the matrix's newest: fakecv 2.0, fakert 1.9"]
    assert sweep.swept == [] and not store.exists()


def test_nothing_new_through_the_command_prints_one_line(matrix, store, capsys):
    with planted_index(index(["1.0", "1.9"])) as url:
        code = main(["--matrix", str(matrix), "--nox-python", sys.executable, "--noxfile", "noxfile.py", "--",
                     "--store", str(store), "--index", url])
    assert (code, capsys.readouterr().out) == (0, "nothing released since the matrix's newest: fakecv 2.0, fakert 1.9\n")


def test_a_new_runtime_release_is_swept_beside_the_newest_of_the_rest_and_its_delta_printed(matrix, store):
    # an old step, from 1.0 to 1.9, is in the store already: it is not new, and not listed
    PlantedSweep(store, {"1.0": {"op-a": "crash"}})(_pair(matrix, "plain", "2.0", "1.0"))
    planted = {"2.1": {"op-a": "incorrect", "op-b": "ok", "op-c": "timeout"},
               "1.9": {"op-b": "crash", "op-c": "crash"}}
    sweep = PlantedSweep(store, planted)
    delta, log = _latest(matrix, store, sweep, index(["1.0", "1.9", "2.0", "2.1rc1", "2.1", "3.0.dev1"]))
    # the newest final release only (2.0 is older, 2.1rc1 and 3.0.dev1 need --pre); each
    # variant's newest converter, the companions the matrix gives fakert 1.9
    assert [p.id for p in sweep.swept] == [
        "fake.plain fakecv-2.0 fakert-2.1", "fake.other fakecv-1.0 fakert-2.1",
        "fake.plain fakecv-2.0 fakert-1.9", "fake.other fakecv-1.0 fakert-1.9",  # the baselines: not in the store
    ]
    assert sweep.swept[0].requirements()[-1] == "numpy<3"
    assert log[0] == ("2 releases newer than the matrix; sweeping the newest installable one of each package "
                      "(--all sweeps every one): fakert 2.1")
    lines = delta.lines()
    assert lines[0] == ("fakert 2.1 against the matrix's newest (1.9), 2 pairs: new regressions: 2, "
                        "signature changes: 2, new fixes: 2")
    listed = [(line.split()[0], line.split()[2] if line.split()[0] == "signature" else line.split()[1])
              for line in lines[3:]]
    assert sorted(listed) == sorted([("regression", "op-a")] * 2 + [("signature", "op-c")] * 2 + [("fix", "op-b")] * 2)
    assert all("1.9 -> 2.1" in line for line in lines[3:])
    assert "1.0 -> 1.9" not in "\n".join(lines)
    # again: nothing is swept twice, and the baselines are already stored
    again = PlantedSweep(store, planted)
    assert _latest(matrix, store, again, index(["1.0", "1.9", "2.1"]))[0].lines() == lines
    assert len(again.swept) == 2


def test_an_unchanged_release_says_so_and_pre_releases_are_opt_in(matrix, store):
    sweep = PlantedSweep(store)
    delta, _ = _latest(matrix, store, sweep, index(["1.9", "2.1rc1"], fakecv=["2.0"]), pre=True)
    assert delta.lines() == ["fakert 2.1rc1 against the matrix's newest (1.9), 2 pairs: nothing changed"]


def test_every_release_with_all_and_an_unbuildable_pair_reported(matrix, store):
    sweep = PlantedSweep(store, unbuildable={"2.1"})
    delta, _ = _latest(matrix, store, sweep, index(["1.9", "2.0", "2.1"], fakecv=["2.0"]), every=True)
    assert [p.id for p in sweep.swept][:4] == [
        "fake.plain fakecv-2.0 fakert-2.0", "fake.other fakecv-1.0 fakert-2.0",
        "fake.plain fakecv-2.0 fakert-2.1", "fake.other fakecv-1.0 fakert-2.1",
    ]
    lines = delta.lines()
    assert lines[0] == "fakert 2.0 against the matrix's newest (1.9), 2 pairs: nothing changed"
    assert lines[1] == "fakert 2.1 against the matrix's newest (1.9), 2 pairs: nothing to compare: no pair was built"
    assert lines[2] == ("   not built (env_error, left out of the delta): fake.plain fakecv-2.0 fakert-2.1: "
                        "InstallError: refusing to install a CUDA build")


def test_a_release_that_cannot_be_installed_here_is_named_not_swept(matrix, store):
    projects = index(["1.9"])
    projects["fakert"]["releases"]["2.1"] = [file("fakert", "2.1")]  # an sdist only
    sweep = PlantedSweep(store)
    delta, _ = _latest(matrix, store, sweep, projects)
    assert sweep.swept == []
    assert delta.lines() == [
        "not swept: fakert 2.1: not installable here: no wheel for this platform: sdist only",
        "nothing installable released since the matrix's newest: fakecv 2.0, fakert 1.9",
    ]


def test_an_unknown_package_is_a_one_line_error(matrix, store, capsys):
    code = main(["--matrix", str(matrix), "--nox-python", sys.executable, "--noxfile", "noxfile.py", "--",
                 "--store", str(store), "--package", "nope", "--index", "http://127.0.0.1:9"])
    assert code == SelectionError.exit_code
    assert capsys.readouterr().err.startswith(f"nox -s latest: error: no axis package of the matrix {matrix} is nope")


def _pair(matrix, variant: str, fakecv: str, fakert: str) -> Pair:
    from tracker.matrix import load_matrix

    return next(p for p in load_matrix(matrix) if p.variant == variant
                and {a.package: a.version for a in p.axes} == {"fakecv": fakecv, "fakert": fakert})
