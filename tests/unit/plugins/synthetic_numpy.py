"""An independent NumPy interpreter of the synthetic graphs' IR, for the unit tests: it
checks the generator's shape and dtype rules (each result must have the type the IR
says) and its value facts (each result must lie in its interval, and be finite) without
any deep-learning framework. Written from the operators' documented semantics (PyTorch's),
not from the emitters."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tracker_synthetic.ir import Graph, Node


def _draw(seed: int, node: Node, graph: Graph) -> np.ndarray:
    ttype = graph.types[node.outputs[0]]
    rng = np.random.Generator(np.random.PCG64([seed, node.outputs[0]]))
    low, high = node.attr("low"), node.attr("high")
    if ttype.dtype == "bool":
        values = rng.random(ttype.shape) < 0.5
    elif ttype.dtype == "int64":
        values = rng.integers(low, high, ttype.shape)
    else:
        values = rng.uniform(low, high, ttype.shape)
    return np.asarray(values).astype(ttype.dtype)


def _other(node: Node, x: list[np.ndarray]) -> np.ndarray:
    return x[1] if len(x) > 1 else np.asarray(node.attr("scalar"), dtype=x[0].dtype)


def _conv(node, x):
    data, weight, bias = x
    ph, pw = node.attr("padding")
    s, d = node.attr("stride"), node.attr("dilation")
    out_c, in_per_group, kh, kw = weight.shape
    groups = data.shape[1] // in_per_group
    padded = np.pad(data, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = sliding_window_view(padded, (d * (kh - 1) + 1, d * (kw - 1) + 1), axis=(2, 3))
    windows = windows[:, :, ::s, ::s, ::d, ::d]  # n, c, oh, ow, kh, kw
    n, c, oh, ow = windows.shape[:4]
    windows = windows.reshape(n, groups, c // groups, oh, ow, kh, kw)
    w = weight.reshape(groups, out_c // groups, in_per_group, kh, kw)
    out = np.einsum("ngchwij,gocij->ngohw", windows.astype(np.float64), w.astype(np.float64))
    return (out.reshape(n, out_c, oh, ow) + bias.reshape(1, -1, 1, 1)).astype(np.float32)


def _pool(kind):
    def pool(node, x):
        k, s, p = node.attr("kernel"), node.attr("stride"), node.attr("padding")
        value = -np.inf if kind == "max" else 0.0
        padded = np.pad(x[0], ((0, 0), (0, 0), (p, p), (p, p)), constant_values=value)
        windows = sliding_window_view(padded, (k, k), axis=(2, 3))[:, :, ::s, ::s]
        reduce = np.max if kind == "max" else np.mean
        return reduce(windows, axis=(4, 5)).astype(np.float32)
    return pool


def _bilinear_axis(size_in: int, size_out: int):
    scale = size_in / size_out
    src = np.maximum((np.arange(size_out) + 0.5) * scale - 0.5, 0.0)
    lower = np.minimum(np.floor(src).astype(int), size_in - 1)
    upper = np.minimum(lower + 1, size_in - 1)
    return lower, upper, src - lower


def _resize(mode):
    def resize(node, x):
        data = x[0]
        oh, ow = node.attr("size")
        if mode == "nearest":
            rows = (np.arange(oh) * data.shape[2]) // oh
            cols = (np.arange(ow) * data.shape[3]) // ow
            return data[:, :, rows][:, :, :, cols]
        (r0, r1, fr), (c0, c1, fc) = _bilinear_axis(data.shape[2], oh), _bilinear_axis(data.shape[3], ow)
        top = data[:, :, r0] * (1 - fr)[:, None] + data[:, :, r1] * fr[:, None]
        return (top[:, :, :, c0] * (1 - fc) + top[:, :, :, c1] * fc).astype(np.float32)
    return resize


def _batch_norm(node, x):
    data, mean, var, weight, bias = x
    shape = [1] * data.ndim
    shape[1] = -1
    r = [a.reshape(shape) for a in (mean, var, weight, bias)]
    return ((data - r[0]) / np.sqrt(r[1] + 1e-5) * r[2] + r[3]).astype(np.float32)


def _layer_norm(node, x):
    data, weight, bias = x
    mean = data.mean(-1, keepdims=True)
    var = ((data - mean) ** 2).mean(-1, keepdims=True)
    return ((data - mean) / np.sqrt(var + 0.1) * weight + bias).astype(np.float32)


def _softmax(node, x, log=False):
    data, axis = x[0].astype(np.float64), node.attr("axis")
    shifted = data - data.max(axis, keepdims=True)
    logsum = np.log(np.exp(shifted).sum(axis, keepdims=True))
    return (shifted - logsum if log else np.exp(shifted - logsum)).astype(np.float32)


def _reduce(fn):
    def reduce(node, x):
        out = fn(x[0], axis=node.attr("axis"), keepdims=node.attr("keepdim"))
        return np.asarray(out).astype(np.int64 if fn in (np.argmax, np.argmin) else x[0].dtype)
    return reduce


def _arg(fn):
    def arg(node, x):
        out = fn(x[0], axis=node.attr("axis"))
        return np.expand_dims(out, node.attr("axis")) if node.attr("keepdim") else out
    return arg


def _slice(node, x):
    index = [slice(None)] * x[0].ndim
    index[node.attr("axis")] = slice(node.attr("start"), node.attr("stop"), node.attr("step"))
    return x[0][tuple(index)]


def _pad(node, x):
    pads, data = node.attr("pads"), x[0]
    width = [(0, 0)] * data.ndim
    for i in range(len(pads) // 2):
        width[data.ndim - 1 - i] = (pads[2 * i], pads[2 * i + 1])
    if node.attr("mode") == "reflect":
        return np.pad(data, width, mode="reflect")
    return np.pad(data, width, constant_values=node.attr("value"))


def _gelu(node, x):
    erf = np.vectorize(math.erf)
    return (x[0] * 0.5 * (1 + erf(x[0] / math.sqrt(2)))).astype(np.float32)


def _unary(fn):
    return lambda node, x: np.asarray(fn(x[0])).astype(x[0].dtype)


def _binary(fn):
    return lambda node, x: fn(x[0], _other(node, x))


IMPLEMENTATIONS = {
    "relu": _unary(lambda a: np.maximum(a, 0)),
    "leaky_relu": _unary(lambda a: np.where(a > 0, a, a * np.asarray(0.125, a.dtype))),
    "sigmoid": _unary(lambda a: 1 / (1 + np.exp(-a.astype(np.float64)))),
    "tanh": _unary(np.tanh), "exp": _unary(np.exp), "log": _unary(np.log), "sqrt": _unary(np.sqrt),
    "abs": _unary(np.abs), "neg": _unary(np.negative), "square": _unary(np.square),
    "sin": _unary(np.sin), "cos": _unary(np.cos), "gelu": _gelu,
    "erf": _unary(np.vectorize(math.erf)), "elu": _unary(lambda a: np.where(a > 0, a, np.expm1(a))),
    "floor": _unary(np.floor), "ceil": _unary(np.ceil), "round": _unary(np.round), "sign": _unary(np.sign),
    "logical_not": _unary(np.logical_not),
    "add": _binary(np.add), "sub": _binary(np.subtract), "mul": _binary(np.multiply),
    "div": _binary(np.divide), "maximum": _binary(np.maximum), "minimum": _binary(np.minimum),
    "pow": _binary(np.power), "floor_div": _binary(np.floor_divide), "remainder": _binary(np.remainder),
    "greater": _binary(np.greater), "less": _binary(np.less), "equal": _binary(np.equal),
    "logical_and": _binary(np.logical_and), "logical_or": _binary(np.logical_or),
    "logical_xor": _binary(np.logical_xor),
    "where": lambda node, x: np.where(*x),
    "cast": lambda node, x: x[0].astype(node.attr("to")) if node.attr("to") != "bool" else x[0] != 0,
    "clip": lambda node, x: np.clip(x[0], node.attr("min"), node.attr("max")).astype(x[0].dtype),
    "linear": lambda node, x: (np.matmul(x[0], x[1]) + x[2]).astype(np.float32),
    "matmul": lambda node, x: np.matmul(x[0], x[1]),
    "conv2d": _conv, "depthwise_conv2d": _conv,
    "max_pool2d": _pool("max"), "avg_pool2d": _pool("avg"),
    "resize_nearest": _resize("nearest"), "resize_bilinear": _resize("bilinear"),
    "batch_norm": _batch_norm, "layer_norm": _layer_norm,
    "softmax": _softmax, "log_softmax": lambda node, x: _softmax(node, x, log=True),
    "reduce_sum": _reduce(np.sum), "reduce_mean": _reduce(np.mean), "reduce_max": _reduce(np.max),
    "reduce_min": _reduce(np.min), "reduce_prod": _reduce(np.prod), "reduce_any": _reduce(np.any),
    "reduce_all": _reduce(np.all), "argmax": _arg(np.argmax), "argmin": _arg(np.argmin),
    "cumsum": lambda node, x: np.cumsum(x[0], axis=node.attr("axis")).astype(x[0].dtype),
    "topk": lambda node, x: -np.sort(-x[0], axis=-1)[..., : node.attr("k")],
    "reshape": lambda node, x: x[0].reshape(node.attr("shape")),
    "transpose": lambda node, x: np.transpose(x[0], node.attr("perm")),
    "concat": lambda node, x: np.concatenate(x, axis=node.attr("axis")),
    "split": lambda node, x: np.split(x[0], np.cumsum(node.attr("sizes"))[:-1], axis=node.attr("axis")),
    "slice": _slice,
    "gather": lambda node, x: np.take(x[0], x[1], axis=node.attr("axis")),
    "expand": lambda node, x: np.broadcast_to(x[0], node.attr("shape")),
    "squeeze": lambda node, x: np.squeeze(x[0], node.attr("axis")),
    "unsqueeze": lambda node, x: np.expand_dims(x[0], node.attr("axis")),
    "flatten": lambda node, x: x[0].reshape(x[0].shape[0], -1),
    "tile": lambda node, x: np.tile(x[0], node.attr("reps")),
    "flip": lambda node, x: np.flip(x[0], node.attr("axes")),
    "pad": _pad,
}


def evaluate(graph: Graph, seed: int, inputs: list[np.ndarray]) -> dict[int, np.ndarray]:
    """Every tensor's value; raises if a result's dtype or shape is not the IR's."""
    values: dict[int, np.ndarray] = {}
    feed = iter(inputs)
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        for node in graph.nodes:
            if node.op == "input":
                results = [next(feed)]
            elif node.op in ("const", "weight"):
                results = [_draw(seed, node, graph)]
            else:
                out = IMPLEMENTATIONS[node.op](node, [values[t] for t in node.inputs])
                results = list(out) if node.op == "split" else [out]
            for tensor, value in zip(node.outputs, results):
                value = np.asarray(value)
                expected = graph.types[tensor]
                if value.shape != expected.shape or value.dtype != np.dtype(expected.dtype):
                    raise AssertionError(f"{node.op} -> %{tensor}: {value.dtype}{list(value.shape)}, "
                                         f"the IR says {expected.text()}")
                values[tensor] = value
    return values


def close_to_interpreter(case, outputs, inputs) -> list[str]:
    """Where ``outputs`` differ from the NumPy interpreter's values of the graph's outputs
    (tolerances a little looser than the numeric oracle's: NumPy is not a reference)."""
    from tracker_synthetic.catalog import graph_of

    graph = graph_of(case.params["seed"], case.params["nodes"])
    values = evaluate(graph, case.params["seed"], inputs)
    problems = []
    if len(outputs) != len(graph.outputs):
        return [f"{len(outputs)} outputs, the graph has {len(graph.outputs)}"]
    for index, (tensor, got) in enumerate(zip(graph.outputs, outputs)):
        want = values[tensor]
        if got.shape != want.shape or got.dtype != want.dtype:
            problems.append(f"output {index}: {got.dtype}{list(got.shape)}, the IR says {want.dtype}{list(want.shape)}")
        elif want.dtype.kind in "biu":
            if not np.array_equal(got, want):
                problems.append(f"output {index}: {int((got != want).sum())} of {want.size} differ")
        else:
            rtol, atol = (1e-2, 1e-2) if want.dtype == np.float16 else (1e-3, 1e-4)
            if not np.allclose(got, want, rtol=rtol, atol=atol):
                problems.append(f"output {index}: max abs error {np.abs(got.astype(float) - want).max():.3g}")
    return problems
