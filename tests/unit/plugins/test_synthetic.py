"""The synthetic model source, without any deep-learning framework: determinism, validity
by construction (checked by an independent NumPy interpreter of the IR), operator and
dtype coverage, identity (content hashes), cheap registration, the two-process test."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "synthetic"
sys.path.insert(0, str(PLUGIN))  # the plugin's source, not installed here

from synthetic_numpy import IMPLEMENTATIONS, evaluate  # noqa: E402
from tracker.inputs import make_inputs  # noqa: E402
from tracker_synthetic import catalog, emit, generate, ops  # noqa: E402

# seeds whose graphs are interpreted: every size, twice, and then some
CHECKED_SEEDS = range(0, 90)


def _graph(seed: int):
    return catalog.graph_of(seed, catalog.size_of(seed))


def test_the_same_seed_gives_the_same_graph_and_other_seeds_other_graphs():
    again = generate.generate(7, 45)
    assert again.text() == generate.generate(7, 45).text()
    texts = {generate.generate(seed, 45).text() for seed in range(20)}
    assert len(texts) == 20
    assert generate.generate(7, 45).text() != generate.generate(7, 50).text()


def test_each_graph_has_exactly_its_operators_reads_every_input_and_outputs_its_leaves():
    for seed in CHECKED_SEEDS:
        graph, nodes = _graph(seed), catalog.size_of(seed)
        assert len(graph.operators) == nodes, seed
        consumers = graph.consumers()
        for node in graph.inputs:
            assert consumers[node.outputs[0]], f"seed {seed}: input {node.attr('name')} is never read"
        leaves = {t for node in graph.operators for t in node.outputs if not consumers[t]}
        assert set(graph.outputs) == leaves and graph.outputs, seed
        for node in graph.nodes:  # topological: inputs come from earlier nodes
            assert all(t < min(node.outputs) for t in node.inputs), (seed, node)


@pytest.mark.parametrize("seed", CHECKED_SEEDS)
def test_numpy_computes_every_tensor_with_the_type_the_ir_says_finite_and_in_its_interval(seed):
    """Validity by construction: an independent interpreter agrees with every shape and
    dtype, raises on no division by zero or invalid value, and every value is finite and
    inside the interval the generator relied on."""
    nodes = catalog.size_of(seed)
    builder = generate.grow(seed, nodes)
    specs = catalog.input_specs(seed)
    for sample in range(2):
        values = evaluate(builder.graph, seed, make_inputs(specs, seed, sample))
        for tensor, value in values.items():
            facts = builder.tensors[tensor].facts
            if value.dtype.kind == "f":
                assert np.isfinite(value).all(), f"seed {seed}: %{tensor} is not finite"
            if value.dtype == np.bool_ or value.size == 0:
                continue
            # the intervals are computed in exact arithmetic: allow for rounding (float16
            # rounding carries over into float32 after a cast)
            slack = 1e-2 * max(1.0, facts.mag)
            low, high = float(value.min()), float(value.max())
            assert facts.lo - slack <= low and high <= facts.hi + slack, (
                f"seed {seed}: %{tensor} in [{low}, {high}], the generator assumed [{facts.lo}, {facts.hi}]")


def test_discontinuous_operators_read_only_exactly_computed_tensors():
    """floor, sign, comparisons and casts to integers flip on a one-ulp difference: they are
    applied only where every correct implementation computes the same bits."""
    discontinuous = {"floor", "ceil", "round", "sign", "greater", "less"}
    for seed in CHECKED_SEEDS:
        builder = generate.grow(seed, catalog.size_of(seed))
        for node in builder.graph.operators:
            reads = [builder.tensors[t] for t in node.inputs]
            if node.op in discontinuous or (node.op == "cast" and node.attr("to") in ("int64", "bool")):
                assert all(t.facts.exact for t in reads if t.dtype != "bool"), (seed, node)
            if node.op in ("argmax", "argmin"):
                assert not reads[0].facts.ties, (seed, node)


def test_there_are_at_least_40_operator_kinds_and_every_one_appears_in_the_full_and_default_sets():
    assert len(ops.OPS) >= 40
    assert set(ops.OPS) == set(IMPLEMENTATIONS)  # the interpreter above covers every one
    for count in (catalog.FULL, catalog.DEFAULT):
        seen: set[str] = set()
        for seed in range(count):
            seen |= set(_graph(seed).op_counts())
        assert seen == set(ops.OPS), f"never in the first {count} seeds: {sorted(set(ops.OPS) - seen)}"


def test_float32_dominates_and_float16_int64_bool_tensors_appear():
    counts = {dtype: 0 for dtype in ("float32", "float16", "int64", "bool")}
    for seed in range(catalog.DEFAULT):
        graph = _graph(seed)
        for node in graph.operators:
            for tensor in node.outputs:
                counts[graph.types[tensor].dtype] += 1
    total = sum(counts.values())
    assert counts["float32"] > total / 2, counts
    assert all(counts[d] >= total / 50 for d in ("float16", "int64", "bool")), counts


def test_sizes_run_from_15_to_100_in_steps_of_5_and_the_sets_nest():
    assert catalog.SIZES == tuple(range(15, 101, 5))
    cases = catalog.cases()
    by_set = {name: [c for c in cases if name in c.sets] for name in ("smoke", "default", "full")}
    assert len(by_set["full"]) == 2 * catalog.FULL and len(by_set["default"]) == 2 * catalog.DEFAULT
    assert {c.id for c in by_set["smoke"]} <= {c.id for c in by_set["default"]} <= {c.id for c in by_set["full"]}
    assert {c.params["nodes"] for c in by_set["default"]} == set(catalog.SIZES)
    assert all(c.kind == "synthetic" and c.generator == generate.GENERATOR for c in cases)


def test_the_two_emissions_of_a_seed_are_the_same_graph_with_readable_ids():
    torch_case, tf_case = catalog.make_case(7, "pytorch"), catalog.make_case(7, "tensorflow")
    assert (torch_case.id, tf_case.id) == ("syn-s0007-n50", "syn-s0007-n50-tf")
    assert torch_case.inputs == tf_case.inputs
    graph_lines = [line for line in torch_case.source_text().splitlines() if line.startswith("#   ")]
    assert graph_lines and graph_lines == [line for line in tf_case.source_text().splitlines()
                                           if line.startswith("#   ")]
    assert "import torch" in torch_case.source_text() and "import tensorflow" in tf_case.source_text()


def test_registering_does_not_generate(monkeypatch):
    """Registering is cheap because it generates no graph (no timing assertion: a loaded
    machine would fail it; what makes it cheap is checked instead)."""
    def refuse(*args):
        raise AssertionError("registering generated a graph")

    monkeypatch.setattr(catalog, "generate", refuse)
    cases = catalog.cases()
    assert len(cases) == 2 * catalog.FULL


def _fresh_hash(seed: int = 5, framework: str = "pytorch") -> str:
    catalog.graph_of.cache_clear()
    catalog.definition.cache_clear()
    return catalog.make_case(seed, framework).content_hash


def test_the_hash_changes_with_the_graph_the_generator_version_the_seed_the_inputs_and_the_emitter(monkeypatch):
    base = _fresh_hash()
    assert _fresh_hash(6) != base  # another seed (and so another graph and inputs)
    assert _fresh_hash(framework="tensorflow") != base  # another emission of the same graph
    # the emitter's code: one operator's PyTorch expression
    used = next(node.op for node in _graph(5).operators if isinstance(ops.OPS[node.op], ops.Unary))
    monkeypatch.setattr(ops.OPS[used], "torch_t", ops.OPS[used].torch_t + " * 1")
    assert _fresh_hash() != base
    monkeypatch.undo()
    assert _fresh_hash() == base
    # the generator's version reseeds every graph
    monkeypatch.setattr(generate, "GENERATOR", "tracker-synthetic 99.0")
    assert _fresh_hash() != base
    monkeypatch.undo()
    # the inputs' recipe
    monkeypatch.setattr(catalog, "FLOAT_RANGE", (-1.0, 1.0))
    assert catalog.make_case(5, "pytorch").content_hash != base
    monkeypatch.undo()
    assert _fresh_hash() == base


def test_the_emitted_programs_compile_and_define_their_builders():
    for seed in range(catalog.DEFAULT):
        for framework, function in (("pytorch", "build_torch"), ("tensorflow", "build_keras")):
            source = catalog.definition(framework, seed, catalog.size_of(seed))
            code = compile(source, f"<{seed}>", "exec")
            assert function in code.co_names, (seed, framework)


_HASHES = """
import json
from tracker.registry import Registry
registry = Registry.load()
print(json.dumps({c.id: c.content_hash for c in registry.cases if c.kind == "synthetic"}))
"""


def test_two_separate_processes_generate_the_same_content_hashes_for_the_whole_set():
    """The issue's test: the full synthetic set generated in two processes (with different
    hash seeds, so that no set or dict ordering can leak in) has identical hashes."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PLUGIN), str(ROOT), env.get("PYTHONPATH", "")])
    env["TRACKER_PLUGIN_MODULES"] = "tracker_synthetic"
    env["TRACKER_PLUGINS"] = ""  # no installed plugin: only the module above
    runs = []
    for hash_seed in ("1", "2"):
        env["PYTHONHASHSEED"] = hash_seed
        process = subprocess.run([sys.executable, "-c", _HASHES], capture_output=True, text=True,
                                 env=env, timeout=600, check=False)
        assert process.returncode == 0, process.stderr
        runs.append(json.loads(process.stdout))
    assert len(runs[0]) == 2 * catalog.FULL
    assert runs[0] == runs[1]
    assert len(set(runs[0].values())) == len(runs[0])


def test_input_ranges_are_what_the_generator_assumed():
    for seed in range(40):
        for spec, ttype in zip(catalog.input_specs(seed), generate.input_types(seed)):
            assert (spec.shape, spec.dtype) == (ttype.shape, ttype.dtype)
            values = make_inputs([spec], seed, 0)[0]
            facts = generate.input_facts(ttype)
            if spec.dtype != "bool":
                assert facts.lo <= values.min() and values.max() <= facts.hi, spec


def test_weights_are_drawn_alike_by_the_emitted_code_and_the_interpreter():
    namespace: dict = {"np": np, "SEED": 3}
    exec(emit.DRAW, namespace)
    graph = _graph(3)
    for node in graph.nodes:
        if node.op in ("const", "weight"):
            from synthetic_numpy import _draw

            ttype = graph.types[node.outputs[0]]
            drawn = namespace["_draw"](node.outputs[0], ttype.shape, ttype.dtype, node.attr("low"), node.attr("high"))
            assert np.array_equal(drawn, _draw(3, node, graph))


def test_facts_reject_what_would_overflow():
    from tracker_synthetic.facts import Facts

    assert not Facts(0.0, math.inf).fits("float32")
    assert not Facts(-1e4, 1.0).fits("float32") and Facts(-1e3, 1.0).fits("float32")
    assert not Facts(0.0, 600.0).fits("float16")
