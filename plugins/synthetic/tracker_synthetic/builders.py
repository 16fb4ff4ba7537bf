"""The builders the framework plugins call: they run a case's definition, exactly the text
that is hashed, and call the builder it defines."""

from __future__ import annotations

import linecache
from typing import Any

from tracker_synthetic.catalog import case_id, definition


def _run(framework: str, function: str, seed: int, nodes: int) -> Any:
    source = definition(framework, seed, nodes)
    # a file name that tracebacks (and torch.export's error messages) can show lines of
    filename = f"<{case_id(seed, framework)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    module = f"tracker_synthetic.generated.{case_id(seed, framework).replace('-', '_')}"
    namespace: dict[str, Any] = {"__name__": module}
    exec(compile(source, filename, "exec"), namespace)  # our own generated program
    return namespace[function](seed=seed, nodes=nodes)


def build_torch(seed: int, nodes: int) -> Any:
    """The PyTorch module of the graph of ``seed`` with ``nodes`` operators."""
    return _run("pytorch", "build_torch", seed, nodes)


def build_keras(seed: int, nodes: int) -> Any:
    """The Keras model of the graph of ``seed`` with ``nodes`` operators, built."""
    return _run("tensorflow", "build_keras", seed, nodes)
