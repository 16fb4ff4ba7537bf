"""Planning a pair's sweep: pure functions of the pair, its components, the store's and
the cache's contents."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import FAKES
from tracker.api import Converter, Framework, Oracle, Runtime
from tracker.cases import ModelCase
from tracker.errors import ConfigError, SelectionError
from tracker.inputs import InputSpec
from tracker.matrix import load_matrix
from tracker.store import ConversionRecord
from tracker.worker import plan
from tracker.worker.cache import Cache


def _pair(**changes):
    (pair,) = load_matrix(FAKES / "matrix.toml")
    return dataclasses.replace(pair, **changes)


def _case(case_id: str, **changes) -> ModelCase:
    fields = dict(id=case_id, framework=_pair().framework, builder="tracker_fake_plugin:affine", params={},
                  inputs=(InputSpec("x", (1, 2)),), sets=frozenset({"default"}))
    return ModelCase(**{**fields, **changes})


class _Framework(Framework):
    """A framework unusable here, for a reason."""

    name = "f"

    def __init__(self, reason):
        self.reason = reason

    def unavailable_reason(self):
        return self.reason

    def build_impl(self, case):
        raise NotImplementedError

    def run_impl(self, model, inputs):
        raise NotImplementedError


class _Converter(Converter):
    name = "k"
    frameworks = ()

    def accepts(self, case, options):
        return "refused by design" if "refuse" in case.id else None

    def convert_impl(self, request):
        raise NotImplementedError


class _Runtime(Runtime):
    name = "r"

    def load_impl(self, artifact, options):
        raise NotImplementedError

    def run_impl(self, session, inputs):
        raise NotImplementedError


class _Oracle(Oracle):
    name = "o"

    def __init__(self, stage="outputs", wants=None):
        self.stage, self.wants = stage, wants or {}

    def extra_inputs(self, case, options, converter_options):
        return self.wants

    def judge_impl(self, evidence):
        raise NotImplementedError


def test_config_key_changes_with_options_only():
    assert plan.config_key(_pair()) == plan.config_key(_pair(tags=("other",)))
    assert plan.config_key(_pair()) != plan.config_key(_pair(options={"opset": 99}))


def test_a_pipeline_without_an_output_oracle_is_refused_with_a_hint():
    with pytest.raises(ConfigError, match="no oracle that judges outputs"):
        plan.checked_oracles(_pair(), [_Oracle(stage="artifact")])


def test_selection_names_what_was_asked_when_empty_and_a_shard_may_empty_it():
    cases = [_case("a"), _case("b", sets=frozenset({"other"}))]
    assert [c.id for c in plan.selected(cases, _pair(), "default", (), None)] == ["a"]
    with pytest.raises(SelectionError, match="set 'nope'"):
        plan.selected(cases, _pair(), "nope", (), None)


def test_an_empty_selection_names_the_sets_there_are_and_the_plugins_with_none_in_it():
    framework = _pair().framework
    cases = [_case("mine-1", sets=frozenset({"mine"})), _case("mine-2", sets=frozenset({"mine", "smoke"})),
             _case("theirs", framework="another", sets=frozenset({"default"}))]
    with pytest.raises(SelectionError) as error:
        plan.selected(cases, _pair(), "default", (), None, {"my-models": ["mine-1", "mine-2"], "other": ["theirs"]})
    assert error.value.hint == (f"the {framework} cases are in the sets: mine (2), smoke (1); choose one with --set NAME\n"
                                f"plugin my-models registers 2 {framework} cases, none in set 'default' "
                                "(its sets: mine, smoke)")
    with pytest.raises(SelectionError) as error:
        plan.selected(cases[2:], _pair(), "default", (), None)
    assert f"no installed plugin registers a {framework} case" in error.value.hint
    # a framework whose cases come from somewhere not configured says why it has none
    why = "no folder of ONNX files: set TRACKER_ONNX_DIR"
    unusable = _Framework(why)
    for others in (cases[2:], []):  # whether or not other frameworks' cases make the set exist
        with pytest.raises(SelectionError, match=f"no {framework} case is registered") as error:
            plan.selected(others, _pair(), "default", (), None, framework=unusable)
        assert error.value.hint == f"the {framework} framework is not usable here: {why}"
    with pytest.raises(SelectionError) as error:  # with cases of its own, the sets they are in are the hint
        plan.selected(cases, _pair(), "default", (), None, framework=unusable)
    assert error.value.hint.startswith(f"the {framework} cases are in the sets")


def test_applicability_counts_each_reason():
    cases = [_case("a"), _case("refuse-1"), _case("refuse-2"), _case("b", requires=("no_such_module_xyz",))]
    kept, reasons = plan.applicable(cases, _Converter(), {})
    assert [c.id for c in kept] == ["a"]
    assert reasons == {"refused by design": 2, "needs no_such_module_xyz, not installed here": 1}
    assert [c.id for c in plan.accepted(cases, _Converter(), {})] == ["a", "b"]


def test_stored_cases_are_not_run_again_unless_their_content_changed():
    a, b = _case("a"), _case("b")
    assert plan.not_stored([a, b], {("a", a.content_hash), ("b", "an older hash")}) == [b]


def _job(tmp_path, stored):
    return plan.job(_pair(), _case("a"), oracles=["o"], fingerprints=plan.Fingerprints({"f": "1"}, {"k": "1"}),
                    cache=Cache(tmp_path), reusable=lambda key: stored, log_path="x.log", threads=1,
                    second_runtime=None)


def test_a_stored_conversion_is_reused_only_while_its_artifact_is_in_the_cache(tmp_path):
    ok = ConversionRecord("key", "k", "v", {}, {}, "a", "h", "ok", artifact="artifacts/a/model.onnx")
    assert _job(tmp_path, ok).conversion is None  # the artifact left the cache: convert again
    (tmp_path / "artifacts" / "a").mkdir(parents=True)
    (tmp_path / "artifacts" / "a" / "model.onnx").write_bytes(b"onnx")
    assert _job(tmp_path, ok).conversion == ok
    failed = dataclasses.replace(ok, outcome="convert_error", artifact=None)
    assert _job(tmp_path, failed).conversion == failed  # a failure is reused as it is


def test_the_source_is_needed_for_a_missing_reference_conversion_or_extra_set(tmp_path):
    cache = Cache(tmp_path)
    ok = ConversionRecord("key", "k", "v", {}, {}, "a", "h", "ok", artifact="artifacts/a/model.onnx")
    (tmp_path / "artifacts" / "a").mkdir(parents=True)
    (tmp_path / "artifacts" / "a" / "model.onnx").write_bytes(b"onnx")
    job = _job(tmp_path, ok)
    case = _case("a")
    assert plan.needs_source([case], [job], cache, _Runtime(), [])  # no reference yet
    cache.save_reference(job.reference_key, [[]], [[]], {})
    assert not plan.needs_source([case], [job], cache, _Runtime(), [])
    wants = _Oracle(wants={"more": {"kind": "samples", "count": 2}})
    assert plan.needs_source([case], [job], cache, _Runtime(), [wants])  # an extra set to make
    assert plan.needs_source([case], [_job(tmp_path, None)], cache, _Runtime(), [])  # a conversion to make


def test_a_runtime_only_pair_imports_neither_framework_nor_converter():
    class Heavy(_Converter):
        preload = ("heavy_converter",)

    runtime = _Runtime()
    imports = plan.imports(_pair(), object(), Heavy(), runtime, [], source_needed=False)  # type: ignore[arg-type]
    assert [kind for kind, _, _ in imports.warmup] == ["runtime"]
    assert "heavy_converter" not in imports.preload
