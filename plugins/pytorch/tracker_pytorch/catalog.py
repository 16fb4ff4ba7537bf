"""The PyTorch cases. Importing this module does not import torch."""

from __future__ import annotations

from tracker.plugin import InputSpec, ModelCase

ALL_SETS = frozenset({"smoke", "default", "full"})
DEFAULT = frozenset({"default", "full"})


def unit(case_id: str, cls: str, inputs: list[InputSpec], description: str,
         sets: frozenset[str] = ALL_SETS, **params) -> ModelCase:
    return ModelCase(
        id=case_id,
        framework="pytorch",
        builder=f"tracker_pytorch.units:{cls}",
        params=params,
        inputs=tuple(inputs),
        kind="unit",
        sets=sets,
        description=description,
    )


def real(case_id: str, builder: str, inputs: list[InputSpec], description: str,
         tags: tuple[str, ...] = (), sets: frozenset[str] = DEFAULT, **params) -> ModelCase:
    return ModelCase(
        id=case_id,
        framework="pytorch",
        builder=f"tracker_pytorch.architectures:{builder}",
        params=params,
        inputs=tuple(inputs),
        kind="real",
        sets=sets,
        tags=tags,
        description=description,
    )


IMAGE = [InputSpec("pixel_values", (1, 3, 224, 224), kind="image")]

UNIT_CASES = [
    unit("op-resize-bilinear", "Resize", [InputSpec("x", (1, 3, 17, 23))],
         "bilinear interpolation by a non-integer factor", mode="bilinear", scale=1.5),
]

REAL_CASES = [
    real("hf-resnet", "hf_model", IMAGE, "ResNet-50 (transformers ResNetForImageClassification)",
         tags=("cnn", "vision"), model_class="ResNetForImageClassification",
         config_class="ResNetConfig", config={}),
]

CASES = [*REAL_CASES, *UNIT_CASES]
