"""The PyTorch model set, read without torch: ids, sets, content hashes, the modules each
case needs, classifier tags and dynamic dimensions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "plugins" / "pytorch"))  # the plugin's source, not installed here

from tracker_pytorch import catalog, vision_catalog  # noqa: E402

CASES = [*catalog.CASES, *vision_catalog.CASES]
OPTIONAL = ("torchvision", "timm")


def _in(name: str) -> list:
    return [case for case in CASES if name in case.sets]


def test_ids_are_unique_and_every_case_hashes_without_torch():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert "torch" not in sys.modules
    hashes = {case.content_hash for case in CASES}  # reads every builder's source
    assert len(hashes) == len(CASES)


def test_the_sets_nest_and_full_holds_everything():
    smoke, default, full = ({c.id for c in _in(name)} for name in ("smoke", "default", "full"))
    assert smoke < default < full == {c.id for c in CASES}


def test_the_default_set_has_thirty_real_architectures_and_the_environments_without_torchvision_too():
    real = [case for case in _in("default") if case.kind == "real"]
    assert len(real) >= 30
    assert len([case for case in real if not case.requires]) >= 20
    assert {"torchvision", "timm"} <= {module for case in real for module in case.requires}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_case_declares_the_optional_modules_its_builder_imports(case):
    source = case.source_text()
    imported = {m for m in OPTIONAL if f"import {m}" in source or f"from {m}" in source}
    if "timm" in imported:
        imported.discard("torchvision")  # timm depends on torchvision: one is enough
    assert set(case.requires) == imported


@pytest.mark.parametrize("case", [c for c in CASES if "classifier" in c.tags], ids=lambda case: case.id)
def test_a_classifier_takes_one_normalized_image(case):
    (spec,) = case.inputs
    assert spec.kind == "image" and spec.dtype == "float32"
    assert (0, "batch") in spec.dynamic


def test_text_inputs_declare_a_dynamic_batch_and_sequence():
    token_inputs = [(case.id, spec) for case in CASES if case.kind == "real"
                    for spec in case.inputs if spec.kind in ("tokens", "mask")]
    assert len(token_inputs) >= 30
    for case_id, spec in token_inputs:
        axes = dict(spec.dynamic)
        assert axes.get(0) == "batch" and axes.get(1, "").endswith("sequence"), (case_id, spec.name)


def test_inputs_of_one_model_share_a_dimension_only_when_it_is_the_same():
    for case in CASES:
        sizes: dict[str, int] = {}
        for spec in case.inputs:
            for axis, name in spec.dynamic:
                assert sizes.setdefault(name, spec.shape[axis]) == spec.shape[axis], (case.id, name)
