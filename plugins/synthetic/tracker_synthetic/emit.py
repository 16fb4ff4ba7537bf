"""Emitters: a graph as the Python source of a PyTorch ``nn.Module`` or a Keras model.

The source is a self-contained program (it imports only NumPy and the framework): it is
the case's definition, so it is what ``tracker models show`` prints, what the content
hash covers and what ``tracker repro`` pastes into a repro script; the builder runs
exactly this text. It opens with the graph's canonical text, as a comment.

Constants and weights are drawn by the emitted ``_draw`` from NumPy's PCG64 seeded with
``(seed, tensor number)``, so the PyTorch and the Keras emission of one graph hold the same
values and compute the same function: the two converters see the same model.
"""

from __future__ import annotations

import textwrap

from tracker_synthetic.generate import GENERATOR
from tracker_synthetic.ir import Graph, Node
from tracker_synthetic.ops import OPS

DRAW = '''
def _draw(index, shape, dtype, low, high):
    """Constant %index of the graph: the same values in every framework."""
    rng = np.random.Generator(np.random.PCG64([SEED, index]))
    if dtype == "bool":
        values = rng.random(shape) < 0.5
    elif dtype == "int64":
        values = rng.integers(low, high, shape)
    else:
        values = rng.uniform(low, high, shape)
    return np.asarray(values).astype(dtype)
'''

TF_HELPERS = {
    "_to_nhwc": '''
def _to_nhwc(x):
    return tf.transpose(x, [0, 2, 3, 1])
''',
    "_to_nchw": '''
def _to_nchw(x):
    return tf.transpose(x, [0, 3, 1, 2])
''',
    "_layer_norm": '''
def _layer_norm(x, weight, bias, eps):
    mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
    return (x - mean) / tf.math.sqrt(variance + eps) * weight + bias
''',
}


def _header(graph: Graph, seed: int, nodes: int, framework: str, twin: str) -> str:
    lines = [
        f"# {GENERATOR}: the graph of seed {seed} with {nodes} operators, emitted for {framework}.",
        f"# The same graph, emitted for the other framework, is case {twin}.",
        "#",
        *[f"#   {line}" for line in graph.lines()],
    ]
    return "\n".join(lines)


def _names(graph: Graph) -> dict[int, str]:
    names: dict[int, str] = {}
    for node in graph.nodes:
        tensor = node.outputs[0]
        if node.op == "input":
            names[tensor] = node.attr("name")
        elif node.op == "const":
            names[tensor] = f"self.c{tensor}"
        elif node.op == "weight":
            names[tensor] = f"self.w{tensor}"
        else:
            for out in node.outputs:
                names[out] = f"v{out}"
    return names


def _draw_call(graph: Graph, node: Node) -> str:
    ttype = graph.types[node.outputs[0]]
    return (f"_draw({node.outputs[0]}, {tuple(ttype.shape)!r}, {ttype.dtype!r}, "
            f"{node.attr('low')!r}, {node.attr('high')!r})")


def _body(graph: Graph, names: dict[int, str], framework: str) -> list[str]:
    lines = []
    for node in graph.operators:
        op = OPS[node.op]
        args = [names[t] for t in node.inputs]
        expr = (op.torch if framework == "pytorch" else op.tf)(node, args, graph.types)
        targets = ", ".join(names[t] for t in node.outputs)
        lines.append(f"{targets} = {expr}")
    outputs = ", ".join(names[t] for t in graph.outputs)
    lines.append(f"return ({outputs},)" if framework == "pytorch" else f"return [{outputs}]")
    return lines


def _check(seed: int, nodes: int) -> str:
    return (f"    if (seed, nodes) != ({seed}, {nodes}):\n"
            f"        raise ValueError(f\"this is the graph of seed {seed} with {nodes} operators, "
            f"not of seed {{seed}} with {{nodes}}: regenerate it\")\n")


def torch_source(graph: Graph, seed: int, nodes: int, twin: str) -> str:
    """The PyTorch program of ``graph``; it defines ``build_torch(seed, nodes)``."""
    names = _names(graph)
    init = []
    for node in graph.nodes:
        tensor = node.outputs[0]
        if node.op == "weight":
            init.append(f"self.w{tensor} = torch.nn.Parameter(torch.from_numpy({_draw_call(graph, node)}))")
        elif node.op == "const":
            init.append(f'self.register_buffer("c{tensor}", torch.from_numpy({_draw_call(graph, node)}))')
    inputs = ", ".join(n.attr("name") for n in graph.inputs)
    parts = [
        _header(graph, seed, nodes, "PyTorch", twin),
        "import numpy as np\nimport torch\nimport torch.nn.functional as F",
        f"SEED = {seed}",
        DRAW.strip("\n"),
        "class SyntheticModel(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        + textwrap.indent("\n".join(init), " " * 8) + ("\n" if init else "")
        + f"\n    def forward(self, {inputs}):\n"
        + textwrap.indent("\n".join(_body(graph, names, "pytorch")), " " * 8),
        "def build_torch(seed, nodes):\n"
        '    """The model of the graph above, in inference mode."""\n'
        + _check(seed, nodes)
        + "    return SyntheticModel().eval()",
    ]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"


def keras_source(graph: Graph, seed: int, nodes: int, twin: str) -> str:
    """The Keras program of ``graph`` (Keras 2 and 3, TensorFlow ops in ``call``); it
    defines ``build_keras(seed, nodes)``, which returns the model built. Weights are Keras
    weights; other constants are NumPy arrays, folded into the traced graph."""
    names = _names(graph)
    consumers = graph.consumers()
    init = []
    for node in graph.nodes:
        tensor = node.outputs[0]
        if node.op not in ("weight", "const"):
            continue
        value = _draw_call(graph, node)
        shape = graph.types[tensor].shape
        user = consumers[tensor][0]
        perm = OPS[user.op].tf_weight_perm(user.inputs.index(tensor))
        if perm is not None:
            value = f"np.transpose({value}, {perm!r})"
            shape = tuple(shape[p] for p in perm)
        if node.op == "weight":
            init.append(f'self.w{tensor} = self.add_weight(name="w{tensor}", shape={shape!r}, '
                        f'dtype="float32", initializer="zeros")')
            init.append(f"self.w{tensor}.assign({value})")
        else:
            init.append(f"self.c{tensor} = {value}")
    helpers = sorted({h for node in graph.operators for h in OPS[node.op].tf_helpers})
    inputs = [n.attr("name") for n in graph.inputs]
    if len(inputs) == 1:
        signature, unpack = inputs[0], []
    else:
        signature, unpack = "inputs", [f"{', '.join(inputs)} = inputs"]
    samples = ", ".join(f"np.zeros({tuple(graph.types[n.outputs[0]].shape)!r}, {graph.types[n.outputs[0]].dtype!r})"
                        for n in graph.inputs)
    sample = samples if len(inputs) == 1 else f"[{samples}]"
    parts = [
        _header(graph, seed, nodes, "TensorFlow (Keras)", twin),
        "import keras\nimport numpy as np\nimport tensorflow as tf",
        f"SEED = {seed}",
        DRAW.strip("\n"),
        *[TF_HELPERS[h].strip("\n") for h in helpers],
        "class SyntheticModel(keras.Model):\n"
        "    def __init__(self):\n"
        "        # autocast off: Keras would cast float16 inputs to float32\n"
        "        super().__init__(autocast=False)\n"
        + textwrap.indent("\n".join(init), " " * 8) + ("\n" if init else "")
        + f"\n    def call(self, {signature}):\n"
        + textwrap.indent("\n".join(unpack + _body(graph, names, "tensorflow")), " " * 8),
        "def build_keras(seed, nodes):\n"
        '    """The model of the graph above, built (called once on zeros)."""\n'
        + _check(seed, nodes)
        + "    model = SyntheticModel()\n"
        + f"    model({sample})\n"
        + "    return model",
    ]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
