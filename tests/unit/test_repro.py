"""Repro scripts: the inputs they regenerate are the sweep's to the bit, a script
assembled from plugin code runs stand-alone and shows the failure, and its comparison is
the one an output oracle writes (the numeric oracle's: the script is as it always was)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tracker_oracles.agreement import Agreement
from tracker_oracles.checker import OnnxChecker
from tracker_oracles.numeric import Numeric

from tracker.inputs import InputSpec, make_inputs
from tracker.cli.repro import comparing_oracle
from tracker.errors import PluginError
from tracker.repro import Failure, input_code, script

# the script `tracker repro` wrote for a numeric failure before oracles wrote comparisons
GOLDEN = Path(__file__).parent / "golden" / "repro-numeric.py.txt"

EVERY_KIND = [
    InputSpec("n", (2, 3), kind="normal", high=3.0),
    InputSpec("u", (4,), kind="uniform", low=-1.5, high=2.0),
    InputSpec("img", (1, 3, 5, 6), kind="image"),
    InputSpec("img_nhwc", (1, 5, 6, 3), kind="image", layout="NHWC"),
    InputSpec("ids", (2, 7), "int64", kind="tokens", high=100),
    InputSpec("mask", (3, 8), "int64", kind="mask"),
    InputSpec("ints", (5,), "int64", kind="int", low=-50, high=50),
    InputSpec("flags", (2, 2), "bool", kind="bool"),
    InputSpec("mel", (1, 4, 9), kind="audio"),
    InputSpec("half", (3,), "float16", kind="constant", low=0.25),
]


def test_the_repro_inputs_are_the_sweeps_inputs_bit_for_bit():
    for seed, sample in [(0, 0), (7, 1)]:
        namespace = {"np": np}
        exec(input_code(EVERY_KIND, seed, sample), namespace)  # noqa: S102 (our own generated code)
        expected = make_inputs(EVERY_KIND, seed, sample)
        assert list(namespace["inputs"]) == [spec.name for spec in EVERY_KIND]
        for spec, want in zip(EVERY_KIND, expected, strict=True):
            got = namespace["inputs"][spec.name]
            assert got.dtype == want.dtype and got.shape == want.shape, spec.name
            assert np.array_equal(got, want), spec.name


class _Component:
    packages = ("numpy",)

    def __init__(self, code: str) -> None:
        self.code = code

    def repro_code(self, *args) -> str:
        return self.code


def _failure(**overrides) -> Failure:
    source = "import numpy\n\n\ndef double(scale):\n    return lambda x: numpy.asarray(x) * scale\n"
    fields = dict(
        result_id="r1", case_id="double", case_hash="h1", outcome="incorrect",
        signature='numeric: mismatch """ with quotes', label="fake.pair numpy-2",
        recipe={"builder": "somewhere:double", "source": source, "params": {"scale": 2},
                "inputs": [InputSpec("x", (3,), "int64", kind="int", low=0, high=5).to_json()], "seed": 3},
        packages={"numpy": np.__version__, "unrelated": "1.0"}, requested={"numpy": "*"},
        python="3.11.7", converter_options={},
    )
    return Failure(**{**fields, **overrides})


REFERENCE = "model = double(**{'scale': 2})\nexpected = [model(a) for a in inputs.values()]\n"


def _off_by_one_script(oracle=None) -> str:
    return script(_failure(), _Component(REFERENCE), _Component("artifact = 'off by one'\n"),
                  _Component("outputs = [model(a) + 1 for a in inputs.values()]\n"), oracle or Numeric())


def _run_repro(tmp_path, reference: str, runtime: str) -> subprocess.CompletedProcess[str]:
    """Write the repro script of ``_failure()`` from plugin code (``reference`` sets
    ``expected``, ``runtime`` sets ``outputs``) and run it stand-alone."""
    text = script(_failure(), _Component(reference), _Component("artifact = 'off by one'\n"), _Component(runtime),
                  Numeric())
    path = tmp_path / "repro.py"
    path.write_text(text)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=False)


def test_a_script_from_plugin_code_runs_stand_alone_and_shows_the_failure(tmp_path):
    text = _off_by_one_script()
    assert f'#     "numpy=={np.__version__}",' in text and "unrelated" not in text
    assert 'requires-python = "==3.11.*"' in text
    process = _run_repro(tmp_path, REFERENCE, "outputs = [model(a) + 1 for a in inputs.values()]\n")
    assert process.returncode == 1, process.stderr
    assert "output 0: 3 of 3 elements differ" in process.stdout


def test_a_script_whose_outputs_match_says_so(tmp_path):
    process = _run_repro(tmp_path, REFERENCE, "outputs = [model(a) for a in inputs.values()]\n")
    assert process.returncode == 0 and "outputs match the reference" in process.stdout


@pytest.mark.parametrize(("reference", "runtime", "returncode", "says"), [
    ("[1.0, 2.0, 3.0]", "[1.0, np.nan, 3.0]", 1, "output 0: max abs error 0, NaN where the reference has a number: 1"),
    ("[1.0, np.nan, 3.0]", "[1.0, 2.0, 3.0]", 1, "output 0: "),
    ("[1.0, np.nan, 3.0]", "[1.0, np.nan, 3.0]", 0, "outputs match the reference"),
], ids=["nan-for-a-number", "a-number-for-nan", "nan-for-nan"])
def test_a_nan_fails_the_comparison_unless_the_reference_has_it_there(tmp_path, reference, runtime, returncode, says):
    process = _run_repro(tmp_path, f"expected = [np.array({reference})]\n", f"outputs = [np.array({runtime})]\n")
    assert process.returncode == returncode, process.stdout + process.stderr
    assert says in process.stdout


def test_the_numeric_oracles_script_is_the_one_written_before_oracles_wrote_comparisons():
    assert _off_by_one_script() == GOLDEN.read_text(encoding="utf-8")


def test_the_comparison_takes_the_pipelines_tolerances_over_the_oracles_defaults():
    code = Numeric().repro_code({"float32": {"rtol": 0.5, "atol": 0.25}})
    assert "def compare(expected, outputs, rtol=0.5, atol=0.25):" in code
    assert "rtol=0.001, atol=1e-05" in Numeric().repro_code({})


class _Registry:
    def __init__(self, *oracles) -> None:
        self.oracles = {oracle.name: oracle for oracle in oracles}


def test_the_comparison_is_the_first_output_oracles_that_writes_one():
    registry = _Registry(OnnxChecker(), Agreement(), Numeric())
    # the failing oracle first, then the pipeline's, then the installed ones; an artifact
    # oracle and an oracle without repro code are passed over
    assert comparing_oracle(registry, ["onnx-checker", "agreement", "numeric"]).name == "numeric"
    assert comparing_oracle(registry, []).name == "numeric"
    with pytest.raises(PluginError, match="pipeline's oracles: agreement"):
        comparing_oracle(_Registry(Agreement()), ["agreement"])



CUSTOM_PLUGIN = '''import numpy as np

SPREAD = 3.0


def spread(rng, shape, dtype):
    return rng.standard_normal(shape) * SPREAD


def build(scale):
    return scale
'''


@pytest.fixture
def custom_case(tmp_path, monkeypatch):
    """A case with a callable's input and an .npz file's input, in a plugin ``repro_custom_plugin``."""
    from tracker.cases import ModelCase

    package = tmp_path / "repro_custom_plugin"
    package.mkdir()
    (package / "__init__.py").write_text(CUSTOM_PLUGIN)
    np.savez(package / "inputs.npz", ids=np.arange(12, dtype=np.int64).reshape(2, 2, 3))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "repro_custom_plugin", raising=False)  # an earlier test's
    return ModelCase(id="custom-repro", framework="fw", builder="repro_custom_plugin:build", params={"scale": 2},
                     inputs=(InputSpec("x", (2, 3), kind="custom", source="repro_custom_plugin:spread"),
                             InputSpec("ids", (2, 3), "int64", kind="custom", source="repro_custom_plugin:inputs.npz")),
                     seed=5)


def _contents(case):
    return {spec["name"]: spec["content"] for spec in case.recipe()["inputs"]}


def test_the_repro_regenerates_a_callables_inputs_and_embeds_an_npz_files(custom_case):
    code = input_code(custom_case.inputs, custom_case.seed, 1, contents=_contents(custom_case))
    assert "def spread(rng, shape, dtype):" in code and "SPREAD = 3.0" in code  # regenerated, not embedded
    assert "base64.b64decode(" in code and "repro_custom_plugin" not in code  # embedded: stands alone
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102 (our own generated code)
    for spec, want in zip(custom_case.inputs, make_inputs(custom_case.inputs, custom_case.seed, 1), strict=True):
        got = namespace["inputs"][spec.name]
        assert got.dtype == want.dtype and np.array_equal(got, want), spec.name


def test_a_changed_npz_file_is_not_embedded_as_the_swept_one(custom_case, tmp_path):
    contents = _contents(custom_case)
    np.savez(tmp_path / "repro_custom_plugin" / "inputs.npz", ids=np.zeros((2, 2, 3), dtype=np.int64))
    with pytest.raises(PluginError, match="is not the file the case was swept with"):
        input_code(custom_case.inputs, custom_case.seed, 0, contents=contents)


def test_inputs_whose_source_redefines_a_name_of_the_models_are_refused(custom_case):
    with pytest.raises(PluginError, match="define SPREAD differently"):
        input_code(custom_case.inputs, 0, 0, contents=_contents(custom_case), model_source="SPREAD = 4.0\n")
    assert "SPREAD = 3.0" in input_code(custom_case.inputs, 0, 0, contents=_contents(custom_case),
                                        model_source="SPREAD = 3.0\n")


def test_a_case_with_custom_inputs_gets_a_script_that_runs(custom_case, tmp_path):
    recipe = custom_case.recipe()
    failure = _failure(recipe={**recipe, "builder": "somewhere:double", "source": _failure().recipe["source"],
                               "params": {"scale": 2}})
    text = script(failure, _Component(REFERENCE), _Component("artifact = 'off by one'\n"),
                  _Component("outputs = [model(a) + 1 for a in inputs.values()]\n"), Numeric())
    path = tmp_path / "repro.py"
    path.write_text(text)
    process = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=False)
    assert process.returncode == 1, process.stderr
    assert "output 0: max abs error 1" in process.stdout and "output 1: 6 of 6 elements differ" in process.stdout


def test_a_case_with_local_weights_gets_no_script_but_says_why():
    failure = _failure(recipe={**_failure().recipe, "weights": {"sha256": "0" * 64}})
    with pytest.raises(PluginError, match="loads local weights: repro scripts neither embed nor load"):
        script(failure, _Component(REFERENCE), _Component(""), _Component(""), Numeric())
