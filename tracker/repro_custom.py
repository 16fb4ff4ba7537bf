"""The lines of a repro script that make a case's custom inputs (:mod:`tracker.custom_inputs`).

A callable's values are regenerated: its source (as hashed into the case) is written into
the script and called with the same seeded Generator the sweep gave it. An ``.npz``
file's arrays are embedded (the script stands alone): read from the installed plugin's
file, only if its SHA-256 is still the one the case was swept with, and written as
``.npy`` bytes in base64, loaded back without pickle.
"""

from __future__ import annotations

import ast
import base64
import io
from collections.abc import Mapping, Sequence

from tracker import custom_inputs
from tracker.errors import PluginError
from tracker.inputs import InputSpec
from tracker.local_files import digest, resolve

IMPORTS = "import base64\nimport io\n"


def definitions(specs: Sequence[InputSpec], contents: Mapping[str, Mapping[str, str]], model_source: str) -> str:
    """The source of every callable the custom inputs come from (each once), or ``""``.
    Refused if it defines a name the model's source defines otherwise: both run in the
    script's one namespace."""
    codes = list(dict.fromkeys(contents[spec.name]["code"] for spec in specs
                               if spec.kind == "custom" and "code" in contents.get(spec.name, {})))
    model = _top_level(model_source)
    for code in codes:
        clash = sorted(name for name, text in _top_level(code).items() if model.get(name, text) != text)
        if clash:
            raise PluginError(f"the inputs' source and the model's define {', '.join(clash)} differently: a "
                              "repro script holds both in one namespace",
                              hint="rename one of them in the plugin (the case's hash changes with it)")
    needs_file = any(spec.kind == "custom" and custom_inputs.is_file(str(spec.source)) for spec in specs)
    return "\n\n".join([*([IMPORTS] if needs_file else []), *codes])


def value_line(spec: InputSpec, content: Mapping[str, str], sample: int) -> str:
    """The statement setting ``inputs[name]`` for one custom input, after ``rng`` is seeded."""
    import numpy as np

    source = str(spec.source)
    if not custom_inputs.is_file(source):
        call = f"{source.partition(':')[2]}(rng, {spec.shape}, {spec.dtype!r})"
        return f"inputs[{spec.name!r}] = np.ascontiguousarray(np.asarray({call}).astype({spec.dtype!r}))"
    path = resolve(source, owner=f"input {spec.name!r}", what="input arrays")
    if digest(path) != content.get("sha256"):
        raise PluginError(f"input {spec.name!r}: {path} is not the file the case was swept with (its SHA-256 "
                          "differs): its arrays cannot be embedded",
                          hint="install the plugin version that swept it, or sweep the case again")
    buffer = io.BytesIO()
    np.save(buffer, custom_inputs.make(spec, None, sample), allow_pickle=False)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"inputs[{spec.name!r}] = np.load(io.BytesIO(base64.b64decode({encoded!r})), allow_pickle=False)"


def _top_level(code: str) -> dict[str, str]:
    """Name -> dumped tree of each top-level definition of ``code``."""
    names: dict[str, str] = {}
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = ast.dump(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update({t.id: ast.dump(node) for t in targets if isinstance(t, ast.Name)})
    return names
