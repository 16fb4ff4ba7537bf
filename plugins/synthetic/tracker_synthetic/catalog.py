"""The synthetic cases: which seeds and sizes, their ids, inputs, sets, and definitions.

Seed ``s`` gives a graph of ``15 + 5 * (s % 18)`` operators (15, 20, ..., 100, the sizes of
the published study, in turn), emitted once for PyTorch (case ``syn-sSSSS-nNN``) and once
for TensorFlow/Keras (``syn-sSSSS-nNN-tf``): the same graph, inputs and weights, so that
the two converters are judged on the same function.

Registering is cheap: a case needs only its inputs, which depend on the seed alone
(:func:`tracker_synthetic.generate.input_types`). The graph and the emitted program (the
case's definition, which its content hash covers) are made the first time they are asked
for, and cached.
"""

from __future__ import annotations

import functools

from tracker.plugin import InputSpec, ModelCase

from tracker_synthetic.generate import FLOAT_RANGE, GENERATOR, INT_RANGE, generate, input_types

SIZES = tuple(range(15, 101, 5))
SMOKE, DEFAULT, FULL = 4, 36, 480  # graphs per framework in each set (the first seeds)
FRAMEWORKS = ("pytorch", "tensorflow")
BUILDERS = {"pytorch": "tracker_synthetic.builders:build_torch",
            "tensorflow": "tracker_synthetic.builders:build_keras"}


def size_of(seed: int) -> int:
    return SIZES[seed % len(SIZES)]


def case_id(seed: int, framework: str) -> str:
    base = f"syn-s{seed:04d}-n{size_of(seed)}"
    return base if framework == "pytorch" else f"{base}-tf"


def input_specs(seed: int) -> tuple[InputSpec, ...]:
    specs = []
    for index, ttype in enumerate(input_types(seed)):
        name = f"x{index}"
        if ttype.dtype == "bool":
            specs.append(InputSpec(name, ttype.shape, "bool", kind="bool"))
        elif ttype.dtype == "int64":
            specs.append(InputSpec(name, ttype.shape, "int64", kind="int", low=INT_RANGE[0], high=INT_RANGE[1]))
        else:
            specs.append(InputSpec(name, ttype.shape, ttype.dtype, kind="uniform",
                                   low=FLOAT_RANGE[0], high=FLOAT_RANGE[1]))
    return tuple(specs)


@functools.cache
def graph_of(seed: int, nodes: int):
    return generate(seed, nodes)


@functools.cache
def definition(framework: str, seed: int, nodes: int) -> str:
    """The emitted program of one case: its definition, hashed and run."""
    from tracker_synthetic.emit import keras_source, torch_source

    twin = case_id(seed, "tensorflow" if framework == "pytorch" else "pytorch")
    emit = torch_source if framework == "pytorch" else keras_source
    return emit(graph_of(seed, nodes), seed, nodes, twin)


class SyntheticCase(ModelCase):
    """A case whose definition is generated when first asked for (registration stays
    cheap); everything else is as for any :class:`ModelCase`."""

    def source_text(self) -> str:
        return definition(self.framework, int(self.params["seed"]), int(self.params["nodes"]))


def sets_of(seed: int) -> frozenset[str]:
    sets = {"full"}
    if seed < DEFAULT:
        sets.add("default")
    if seed < SMOKE:
        sets.add("smoke")
    return frozenset(sets)


def make_case(seed: int, framework: str) -> SyntheticCase:
    nodes = size_of(seed)
    return SyntheticCase(
        id=case_id(seed, framework),
        framework=framework,
        builder=BUILDERS[framework],
        params={"seed": seed, "nodes": nodes},
        inputs=input_specs(seed),
        seed=seed,
        kind="synthetic",
        sets=sets_of(seed),
        tags=("synthetic",),
        description=f"random graph of {nodes} operators, seed {seed}",
        generator=GENERATOR,
    )


def cases(count: int = FULL) -> list[SyntheticCase]:
    """The synthetic cases of the first ``count`` seeds, for both frameworks."""
    return [make_case(seed, framework) for seed in range(count) for framework in FRAMEWORKS]
