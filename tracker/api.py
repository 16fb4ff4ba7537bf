"""What plugins implement and what they exchange with the core.

Plugins subclass :class:`Framework`, :class:`Converter`, :class:`Runtime` and
:class:`Oracle` and hand instances to the ``register`` callback of the matching hook
(see :mod:`tracker.hookspecs`). The public methods here are template methods: they
check what the plugin returns and call the ``*_impl`` method the plugin writes.

Nothing in this module imports a deep-learning framework; arrays are NumPy arrays and
models are opaque objects owned by the framework plugin that built them.
"""

from __future__ import annotations

import abc
import dataclasses
import importlib
import importlib.metadata
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tracker.errors import InternalError
from tracker.outcomes import Outcome

if TYPE_CHECKING:
    import numpy as np

    from tracker.cases import ModelCase


# ---------------------------------------------------------------------------------------
# Availability: a plugin whose framework is missing is listed as unavailable, not a crash


def missing_modules(modules: Sequence[str]) -> list[str]:
    """The top-level modules among ``modules`` that cannot be found (nothing imported)."""
    missing = []
    for name in modules:
        try:
            if importlib.util.find_spec(name.split(".")[0]) is None:
                missing.append(name)
        except (ImportError, ValueError):
            missing.append(name)
    return missing


def installed_versions(distributions: Sequence[str]) -> dict[str, str | None]:
    """Installed version of each distribution, ``None`` where it is not installed."""
    versions: dict[str, str | None] = {}
    for dist in distributions:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


class Component(abc.ABC):
    """Common base of frameworks, converters, runtimes and oracles.

    :cvar name: unique name within its kind (``"pytorch"``, ``"torch.onnx"``).
    :cvar requires: top-level modules that must be importable for it to be usable.
    :cvar packages: distributions whose versions identify it. They form the
        fingerprint that keys cached references and artifacts: two environments with the
        same versions of these distributions produce the same artifact.
    :cvar preload: modules imported once per environment, before cases are forked, so
        every case does not pay their import time.
    """

    kind: ClassVar[str] = "component"
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    packages: ClassVar[tuple[str, ...]] = ()
    preload: ClassVar[tuple[str, ...]] = ()

    def unavailable_reason(self) -> str | None:
        """Why this component cannot be used in the current environment, or ``None``.

        Must be cheap and must not import heavy modules: the default only looks for
        :attr:`requires` on ``sys.path``. Override to check more (a platform, a GPU).
        """
        missing = missing_modules(self.requires)
        if missing:
            return f"not installed: {', '.join(missing)}"
        return None

    def versions(self) -> dict[str, str | None]:
        return installed_versions(self.packages)

    def warmup(self, options: Mapping[str, Any]) -> None:
        """Optional: do once, before cases are forked, what every case would repeat.

        Runs in the process that forks the cases (after :attr:`preload` is imported),
        with the pipeline variant's options for this component. Must not leave threads
        holding locks. Exceptions are reported as warnings, not fatal.
        """

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name!r}>"


# ---------------------------------------------------------------------------------------
# Frameworks: build a case's model and compute reference outputs


class Framework(Component):
    """A source framework (PyTorch, TensorFlow): builds models and runs them eagerly.

    The reference outputs a framework computes are the ground truth every converted
    model is judged against.
    """

    kind = "framework"

    def build(self, case: ModelCase) -> Any:
        """Build the case's model, deterministically (seeded), in inference mode."""
        model = self.build_impl(case)
        if model is None:
            raise InternalError(f"framework {self.name!r} built no model for {case.id}")
        return model

    def run(self, model: Any, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run ``model`` eagerly on one input set; return its outputs flattened to arrays."""
        outputs = self.run_impl(model, list(inputs))
        return check_arrays(outputs, f"framework {self.name!r} run()")

    def run_float64(self, model: Any, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run ``model`` eagerly on one input set in float64: its floating parameters and
        floating inputs in float64, integer and boolean ones as they are. Returns its
        outputs flattened as :meth:`run` flattens them (floating outputs in float64).

        A second reference: an output oracle may measure the framework's own rounding error
        (its :meth:`run` against this) to calibrate a tolerance. Must leave ``model`` as
        it was (the converter and the other references use it afterwards). Raises
        :class:`NotImplementedError` saying why when the framework cannot (the default):
        the oracle then falls back to its fixed tolerance and stores the reason. Any other
        exception (an operator without a float64 kernel) is stored as the reason too.
        """
        outputs = self.run_float64_impl(model, list(inputs))
        return check_arrays(outputs, f"framework {self.name!r} run_float64()")

    def run_float64_impl(self, model: Any, inputs: list[np.ndarray]) -> Sequence[np.ndarray]:
        """See :meth:`run_float64`. Optional."""
        raise NotImplementedError(f"framework {self.name!r} cannot run its models in float64")

    def parameter_bytes(self, model: Any) -> int | None:
        """Bytes held by the model's parameters (for size comparisons); ``None`` if unknown."""
        return None

    def loss_gradient(
        self,
        model: Any,
        input_sets: Sequence[Sequence[np.ndarray]],
        labels: Sequence[np.ndarray] | None = None,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The first output's logits and the gradient of a classification loss with
        respect to the first input, for each of ``input_sets``: what gradient-based
        oracles (adversarial attacks) are written on.

        The loss of an input set is the cross-entropy of its first output (logits over the
        last axis, every other axis a row) against ``labels[i]``, an integer array of the
        logits' shape without its last axis, summed over the rows, so a set's gradient
        does not depend on the sets computed beside it. ``labels=None`` means the model's
        own top-1 on these inputs. Only the first input, which must be floating point,
        is differentiated; the others are held fixed.

        Returns ``(logits, gradients)``: per input set, its first output (in the model's
        dtype) and the gradient (the first input's shape and dtype). Raises
        :class:`NotImplementedError` when the framework cannot (the oracles asking for it
        are then not applicable).
        """
        sets = [list(s) for s in input_sets]
        if labels is not None and len(labels) != len(sets):
            raise InternalError(f"loss_gradient() got {len(labels)} label arrays for {len(sets)} input sets")
        if any(not s or s[0].dtype.kind != "f" for s in sets):
            raise NotImplementedError("the first input is not floating point: it has no gradient")
        logits, gradients = self.loss_gradient_impl(model, sets, None if labels is None else list(labels))
        where = f"framework {self.name!r} loss_gradient()"
        logits, gradients = check_arrays(logits, where), check_arrays(gradients, where)
        if not len(logits) == len(gradients) == len(sets):
            raise InternalError(f"{where} returned {len(logits)} logits and {len(gradients)} gradients "
                                f"for {len(sets)} input sets")
        for index, (inputs, rows, gradient) in enumerate(zip(sets, logits, gradients)):
            if (gradient.shape, gradient.dtype) != (inputs[0].shape, inputs[0].dtype):
                raise InternalError(f"{where} returned a gradient of {gradient.dtype}{list(gradient.shape)} for "
                                    f"input set {index}, whose first input is {inputs[0].dtype}{list(inputs[0].shape)}")
            if rows.ndim == 0 or (labels is not None and rows.shape[:-1] != labels[index].shape):
                raise InternalError(f"{where} returned logits of shape {list(rows.shape)} for input set {index}"
                                    + ("" if labels is None else f", labelled {list(labels[index].shape)}"))
        return logits, gradients

    def loss_gradient_impl(self, model: Any, input_sets: list[list[np.ndarray]],
                           labels: list[np.ndarray] | None) -> tuple[Sequence[np.ndarray], Sequence[np.ndarray]]:
        """See :meth:`loss_gradient`. Optional."""
        raise NotImplementedError(f"framework {self.name!r} cannot compute loss gradients")

    def repro_code(self, builder: str, params: Mapping[str, Any], seed: int) -> str:
        """Python for ``tracker repro``'s stand-alone script: build ``model`` and compute
        ``expected``, the list of reference output arrays.

        The script has already executed the case's source (its builder ``builder``, a bare
        name, and the imports it needs), ``import numpy as np``, and set ``inputs``: a
        dict of input name to array, in the order the model takes them. Return plain
        statements, no indentation. Not implemented: the plugin writes no repros.
        """
        raise NotImplementedError(f"framework {self.name!r} cannot write repro scripts")

    # -- what a plugin writes -----------------------------------------------------------
    @abc.abstractmethod
    def build_impl(self, case: ModelCase) -> Any:
        """See the public method of the same name without ``_impl``."""

    @abc.abstractmethod
    def run_impl(self, model: Any, inputs: list[np.ndarray]) -> Sequence[np.ndarray]:
        """See the public method of the same name without ``_impl``."""


# ---------------------------------------------------------------------------------------
# Converters


@dataclasses.dataclass(frozen=True)
class ConversionRequest:
    """What a converter is asked to do for one case."""

    case: ModelCase
    # built by the framework plugin named in ``case.framework``; the converter must leave
    # it as it found it: the extra input sets of the oracles are made on it afterwards
    model: Any
    sample_inputs: list[Any]  # one input set, as NumPy arrays
    options: Mapping[str, Any]  # from the matrix variant (e.g. {"dynamo": True, "opset": 18})
    output_dir: Path  # an empty directory the converter may write into

    @property
    def dynamic(self) -> bool:
        """Whether the variant asks for a dynamic export (option ``dynamic = true``): the
        converter then declares the dimensions of ``case.dynamic_axes()`` dynamic."""
        return bool(self.options.get("dynamic", False))


class Converter(Component):
    """Turns a framework's model into an artifact a runtime can load.

    :cvar frameworks: the framework names whose models it accepts.
    :cvar output_format: the artifact format (``"onnx"``); runtimes declare what they load.
    """

    kind = "converter"
    frameworks: ClassVar[tuple[str, ...]] = ()
    output_format: ClassVar[str] = "onnx"

    def alters_framework(self, options: Mapping[str, Any]) -> bool:
        """Whether :meth:`convert` with these variant options may leave the framework's
        global state altered in the case's process (a tool's ``main()`` run in process).
        Then the case makes every input set it needs from the framework before converting,
        and nothing of the framework runs after the conversion. Default: ``False``."""
        return False

    def accepts(self, case: ModelCase, options: Mapping[str, Any]) -> str | None:
        """Why this converter, with these variant options, cannot take ``case`` at all,
        or ``None`` (the default) when it can.

        For inputs that an entry point does not take by design (``from_keras`` is given
        Keras models only), not for failures: a model the converter should handle and
        does not is a ``convert_error``. Cases refused here are left out of the pair,
        and the sweep says how many and why. Must be cheap and import nothing heavy.
        """
        return None

    def convert(self, request: ConversionRequest) -> Path:
        """Convert; return the path of the artifact (inside ``request.output_dir``): a
        file, or a directory for formats that are directories (a CoreML ``.mlpackage``).

        Any exception is the converter's failure: the case's outcome is
        ``convert_error``, with sub-kind ``unsupported`` when :meth:`classify_error` says so.
        """
        artifact = self.convert_impl(request)
        artifact = Path(artifact)
        if not artifact_exists(artifact):
            raise InternalError(
                f"converter {self.name!r} reported {artifact} but wrote no such file"
            )
        return artifact

    def classify_error(self, exc: BaseException) -> str | None:
        """The sub-kind of a conversion failure (``"unsupported"``), or ``None``."""
        return _generic_unsupported(exc)

    def failure_stage(self, exc: BaseException) -> str | None:
        """Where in the converter a conversion failed, in the stages of the published
        failure analysis (:data:`FAILURE_STAGES`: ``loading``, ``conversion``,
        ``optimization``, ``export``, ``validation``), when the error says so; else
        ``None``. Stored with the result as ``fault_stage``."""
        return None

    def repro_code(self, options: Mapping[str, Any]) -> str:
        """Python for ``tracker repro``: convert ``model`` (given ``inputs``, as in
        :meth:`Framework.repro_code`) with ``options`` and set ``artifact`` to the path
        of the file written. Not implemented: the plugin writes no repros."""
        raise NotImplementedError(f"converter {self.name!r} cannot write repro scripts")

    @abc.abstractmethod
    def convert_impl(self, request: ConversionRequest) -> Path:
        """See the public method of the same name without ``_impl``."""


# The converter stages of the published failure analysis of the ONNX converters.
FAILURE_STAGES = {
    "loading": "model loading or tracing (the source model is read, traced or exported)",
    "conversion": "node conversion (an operator is translated to ONNX)",
    "optimization": "graph optimization (the converter's own graph passes)",
    "export": "export (the ONNX model is assembled and serialized)",
    "validation": "validation (the converter checks the model it wrote)",
}


def artifact_exists(path: Path) -> bool:
    """A non-empty file, or a directory holding at least one non-empty file."""
    if path.is_file():
        return path.stat().st_size > 0
    return path.is_dir() and any(p.is_file() and p.stat().st_size > 0 for p in path.rglob("*"))


def _generic_unsupported(exc: BaseException) -> str | None:
    from tracker.signatures import exception_chain

    for link in exception_chain(exc):
        text = f"{type(link).__name__} {link}".lower()
        if "unsupported" in text or "not supported" in text or "no decomposition" in text:
            return "unsupported"
    return None


# ---------------------------------------------------------------------------------------
# Runtimes


class Runtime(Component):
    """Loads an artifact and runs it.

    :cvar formats: the artifact formats it can load.
    """

    kind = "runtime"
    formats: ClassVar[tuple[str, ...]] = ("onnx",)

    def not_runnable_reason(self) -> str | None:
        """Why the runtime cannot execute on this platform at all (``not_runnable``).

        Different from :meth:`unavailable_reason`: the package is present, but the
        platform cannot run it (CoreML off macOS). Such cells are recorded as
        ``not_runnable``, never as a pass.
        """
        return None

    def repro_code(self, options: Mapping[str, Any]) -> str:
        """Python for ``tracker repro``: load ``artifact`` with ``options``, run it on
        ``inputs`` and set ``outputs`` to the list of output arrays. Not implemented: the
        plugin writes no repros."""
        raise NotImplementedError(f"runtime {self.name!r} cannot write repro scripts")

    def load(self, artifact: Path, options: Mapping[str, Any]) -> Any:
        """Load the artifact; an exception here is ``runtime_load_error``."""
        return self.load_impl(Path(artifact), options)

    def run(self, session: Any, inputs: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """Run one input set; an exception here is ``runtime_error``.

        ``inputs`` maps the case's input names (``InputSpec.name``) to arrays, in the
        order the framework's model takes them. Converters should name the artifact's
        inputs so; a runtime may match by name or, failing that, by position.
        """
        outputs = self.run_impl(session, dict(inputs))
        return check_arrays(outputs, f"runtime {self.name!r} run()")

    @staticmethod
    def feeds(declared: Sequence[str], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The case's ``inputs`` for an artifact that declares the inputs ``declared``: by
        name when every declared name is one of the case's, else by position."""
        if all(name in inputs for name in declared):
            return {name: inputs[name] for name in declared}
        if len(declared) == len(inputs):
            return dict(zip(declared, inputs.values(), strict=True))
        raise ValueError(f"the model declares inputs {list(declared)}; the case provides {list(inputs)}")

    @abc.abstractmethod
    def load_impl(self, artifact: Path, options: Mapping[str, Any]) -> Any:
        """See the public method of the same name without ``_impl``."""

    @abc.abstractmethod
    def run_impl(self, session: Any, inputs: dict[str, np.ndarray]) -> Sequence[np.ndarray]:
        """See the public method of the same name without ``_impl``."""


# ---------------------------------------------------------------------------------------
# Oracles


@dataclasses.dataclass
class ExtraRun:
    """One named group of extra input sets an oracle asked for (:meth:`Oracle.extra_inputs`),
    with the framework's and the runtime's outputs on each set.

    :param labels: the true labels of each set (integer arrays), for a case with labels
        (``ModelCase.labels``): a ``samples`` set's own, a ``derived`` set's those of the
        clean set it was made from; else ``None``.
    :param error: set when the runtime failed on these inputs (its exception, one line);
        ``actual`` is then ``None``. A runtime failure here is evidence for the oracle
        (a model exported with a fixed shape fails at another size), not a
        ``runtime_error`` of the case.
    """

    recipe: Mapping[str, Any]
    inputs: list[list[Any]]
    expected: list[list[Any]]
    actual: list[list[Any]] | None = None
    error: str | None = None
    labels: list[Any] | None = None  # the true labels of each set, for a case with labels


@dataclasses.dataclass
class Evidence:
    """Everything an oracle may judge. Fields a stage has not reached are ``None``.

    :param extra: the extra input sets this oracle asked for, by the names it gave them.
    :param source: measured on the source model when its reference was computed (and
        cached with it): ``parameter_bytes``, ``eager_seconds`` (median of repeated eager
        runs of input set 0 after a warm-up), ``eager_runs``. Absent when unknown.
    :param runtime: measured on the runtime while it ran the case: ``session_rss_mb``
        (the growth of the process's peak resident memory from before loading the
        artifact to after running it), ``rss_before_load_mb``.
    :param labels: the true labels of each of ``inputs`` (integer arrays, one label per
        row of the first output), for a case with labels (``ModelCase.labels``: its inputs
        are a labelled data set); else ``None``.
    :param run_converted: runs the loaded artifact on one more input set (a list of
        arrays, in the case's input order) and returns its outputs; ``None`` before the
        runtime ran. Oracles that time the runtime call it.
    :param reference_float64: the framework's outputs in float64 on the judged input sets
        (:meth:`Framework.run_float64`), for an oracle that wants them
        (:meth:`Oracle.wants_float64_reference`); ``None`` otherwise, and then
        ``reference_float64_unavailable`` says why for an oracle that wanted them.
    """

    case: ModelCase
    artifact: Path
    artifact_format: str
    options: Mapping[str, Any]  # this oracle's configuration (tolerances...)
    converter_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    converter_notes: tuple[str, ...] = ()  # what the converter warned or logged while it converted
    inputs: list[list[Any]] | None = None  # per input set
    expected: list[list[Any]] | None = None  # reference outputs, per input set
    actual: list[list[Any]] | None = None  # runtime outputs, per input set
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    extra: dict[str, ExtraRun] = dataclasses.field(default_factory=dict)
    source: dict[str, float] = dataclasses.field(default_factory=dict)
    runtime: dict[str, float] = dataclasses.field(default_factory=dict)
    run_converted: Callable[[list[Any]], list[Any]] | None = None
    extra_unavailable: dict[str, str] = dataclasses.field(default_factory=dict)
    reference_float64: list[list[Any]] | None = None
    reference_float64_unavailable: str | None = None
    labels: list[Any] | None = None  # the true labels of each input set, for a case with labels


@dataclasses.dataclass
class Verdict:
    """An oracle's judgement. ``bool(verdict)`` is the verdict.

    :param passed: ``True`` pass, ``False`` fail, ``None`` not applicable (e.g. an
        oracle comparing outputs, on a case with no outputs). A ``None`` never counts as a
        pass of the case's other oracles; it is stored as such.
    :param metrics: every number measured, stored even when it passed, so a stricter
        threshold can be applied later without re-running.
    :param message: for a failure, what was wrong and what threshold was needed.
    :param subkind: an optional refinement of the failure (``"nan"``, ``"shape"``).
    :param samples: repeated measurements by name (seconds of each timed run of a metric
        declared in the role ``latency``, under that metric's name): stored as they are,
        so that a slowdown between versions is judged on the spread of both sides, not on
        one number (:mod:`tracker.analysis.latency`). Under the name plus :data:`CPU_TIME`,
        the CPU seconds of the same runs: other processes sharing the cores lengthen the
        wall time of a run, not its CPU time, so slowdowns are judged on these where both
        sides have them.
    """

    passed: bool | None
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)
    message: str = ""
    subkind: str | None = None
    samples: dict[str, tuple[float, ...]] = dataclasses.field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed is True

    def __str__(self) -> str:
        state = {True: "pass", False: "FAIL", None: "n/a"}[self.passed]
        return f"{state}: {self.message}" if self.message else state


# The kinds of extra input sets an oracle may ask for (``Oracle.extra_inputs``): each is a
# JSON recipe; the core makes the sets, computes the framework's outputs on them once per
# framework version (cached with the reference) and runs the artifact on them.
EXTRA_INPUT_KINDS = {
    "samples": "{'kind': 'samples', 'count': N}: N more input sets of the case's own recipe "
               "(sample numbers 1000, 1001, ...: never the judged samples 0, 1, ...)",
    "resized": "{'kind': 'resized', 'sizes': {'batch': 3, ...}}: one input set with the case's "
               "dynamic dimensions (InputSpec.dynamic) set to these sizes",
    "derived": "{'kind': 'derived', 'maker': 'package.module:function', 'version': V, 'count': N, ...}: "
               "the N 'samples' sets transformed on the source model by the maker, a function of an "
               "installed plugin's package called as maker(framework, model, sets, recipe) that returns "
               "new sets of the same shapes and dtypes (adversarial attacks, on "
               "Framework.loss_gradient); for a case with labels (ModelCase.labels) it is also given "
               "labels=, the true labels of each set. The maker's parameters are the recipe's other fields; "
               "bump its version when what it makes changes, so sets cached before are remade",
}


# The suffix of the samples that give the CPU time of a latency metric's timed runs
# (:attr:`Verdict.samples`).
CPU_TIME = "@cpu"

# What a metric an oracle declares is for (:attr:`MetricDeclaration.role`).
METRIC_ROLES = {
    "drift": "the error size of a result: its drift between versions, the error column of "
             "`tracker history` and the error size per environment of a report are measured on it",
    "report": "a column of a report's conversion-quality table, one value per environment",
    "latency": "the runtime's latency on a result (a median, in seconds) whose repeated samples the oracle "
               "gives under the same name (Verdict.samples): slowdowns between versions are judged on them",
    "history": "a column of `tracker history`, one value per result",
}
# How a report folds a metric over an environment's results (:attr:`MetricDeclaration.aggregate`).
METRIC_AGGREGATES = {
    "mean": "the mean over the results that measured it",
    "median": "the median over the results that measured it",
    "count": "how many results measured it",
}


@dataclasses.dataclass(frozen=True)
class MetricDeclaration:
    """One metric an oracle offers the core's readers (see :attr:`Oracle.metrics`).

    Declarations are recorded in the store by every sweep, so that readers without the
    plugins installed (``tracker report`` in another environment, a merged store) know
    them; what is read back from a store is checked by :meth:`problem`.

    :param name: the metric's name in the oracle's :attr:`Verdict.metrics`.
    :param label: a short human name: a report's column header. Declarations sharing a
        label (of one oracle or several) are one column; per environment, the one of
        lowest ``priority`` that was measured is shown.
    :param role: what it is for, one of :data:`METRIC_ROLES`.
    :param aggregate: how a report folds it over an environment's results, one of
        :data:`METRIC_AGGREGATES`.
    :param priority: lower first: a report's columns are in this order, and of
        declarations of one role or one label, the lowest measured is the one used.
    :param description: what it measures, in a few words (a report's tooltip).
    :param oracle: the declaring oracle's name; filled in by :meth:`Oracle.declared_metrics`.
    """

    name: str
    label: str
    role: str
    aggregate: str = "median"
    priority: int = 0
    description: str = ""
    oracle: str = ""

    MAX_LABEL: ClassVar[int] = 60
    MAX_TEXT: ClassVar[int] = 500

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(f"invalid metric declaration {self.name!r} of oracle {self.oracle!r}: {problem}")

    def problem(self) -> str | None:
        """What is wrong with this declaration (it may come from an untrusted store), or ``None``."""
        texts = {"name": self.name, "label": self.label, "description": self.description, "oracle": self.oracle}
        for field, text in texts.items():
            if not isinstance(text, str) or len(text) > self.MAX_TEXT or not text.isprintable():
                return f"{field} must be printable text of at most {self.MAX_TEXT} characters"
        if not self.name or not self.label or len(self.label) > self.MAX_LABEL:
            return f"name and label must not be empty; a label has at most {self.MAX_LABEL} characters"
        if self.role not in METRIC_ROLES:
            return f"role {self.role!r} is not one of {', '.join(METRIC_ROLES)}"
        if self.aggregate not in METRIC_AGGREGATES:
            return f"aggregate {self.aggregate!r} is not one of {', '.join(METRIC_AGGREGATES)}"
        if not isinstance(self.priority, int) or isinstance(self.priority, bool):
            return f"priority must be an integer, not {self.priority!r}"
        return None


class Oracle(Component):
    """Judges an artifact or a runtime's outputs.

    :cvar stage: ``"artifact"`` oracles run after conversion, before the runtime
        (a failure is ``invalid_model``); ``"outputs"`` oracles run after the runtime
        (a failure is ``incorrect``).
    :cvar formats: artifact formats it judges; empty means any.
    :cvar defaults: the default configuration, overridable per pipeline in ``envs/``.
    :cvar metrics: the metrics of its verdicts the core's readers use, and what for
        (:class:`MetricDeclaration`): the core names no oracle and no metric, it asks
        for the metrics declared in a role.
    """

    kind = "oracle"
    stage: ClassVar[str] = "outputs"
    formats: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    metrics: ClassVar[tuple[MetricDeclaration, ...]] = ()

    def declared_metrics(self) -> list[MetricDeclaration]:
        """:attr:`metrics`, each with :attr:`MetricDeclaration.oracle` set to this oracle's name."""
        return [dataclasses.replace(metric, oracle=self.name) for metric in self.metrics]

    def repro_code(self, options: Mapping[str, Any]) -> str:
        """Python for ``tracker repro``: judge ``outputs`` (the runtime's output arrays)
        against ``expected`` (the framework's) as this oracle does, with ``options`` (the
        pipeline's options for this oracle, over :attr:`defaults`), and set ``problems``
        to a list of lines saying what differs: empty when the outputs pass. The script
        prints them and exits 1 when there are any. Plain statements, no indentation;
        ``np`` is NumPy. Not implemented: the oracle writes no repros."""
        raise NotImplementedError(f"oracle {self.name!r} cannot write repro scripts")

    @property
    def failure_outcome(self) -> Outcome:
        return Outcome.INVALID_MODEL if self.stage == "artifact" else Outcome.INCORRECT

    def applies_to(self, artifact_format: str) -> bool:
        return not self.formats or artifact_format in self.formats

    def extra_inputs(
        self, case: ModelCase, options: Mapping[str, Any], converter_options: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """The extra input sets this ``outputs`` oracle needs for ``case``, by name: each a
        JSON recipe of one of the :data:`EXTRA_INPUT_KINDS`. Default: none.

        ``options`` is this oracle's configuration; ``converter_options`` the variant's
        (``dynamic``...). Must be cheap and deterministic: it is called in every
        environment, and equal recipes share their inputs, reference outputs and runtime
        outputs (across oracles too). The results reach :meth:`judge_impl` as
        ``evidence.extra[name]``. A set that could not be made (the framework computes no
        loss gradients, say) is absent from ``evidence.extra`` and its reason is in
        ``evidence.extra_unavailable[name]``: the oracle is then not applicable.
        """
        return {}

    def wants_float64_reference(self, options: Mapping[str, Any]) -> bool:
        """Whether this ``outputs`` oracle, with ``options`` (its configuration), judges
        against the framework's float64 run too (:meth:`Framework.run_float64`): then the
        core computes it once per reference, caches it beside it, and hands it over as
        ``evidence.reference_float64``, or why there is none as
        ``evidence.reference_float64_unavailable``. Default: ``False``. Must be cheap."""
        return False

    def judge(self, evidence: Evidence) -> Verdict:
        """Return a :class:`Verdict`. An exception is an oracle bug, recorded as a failed
        verdict of this oracle with the exception's signature."""
        verdict = self.judge_impl(evidence)
        if not isinstance(verdict, Verdict):
            raise InternalError(f"oracle {self.name!r} returned {verdict!r}, not a Verdict")
        return verdict

    @abc.abstractmethod
    def judge_impl(self, evidence: Evidence) -> Verdict:
        """See the public method of the same name without ``_impl``."""


# ---------------------------------------------------------------------------------------


def check_arrays(outputs: Any, where: str) -> list[Any]:
    """Outputs must be a flat sequence of NumPy arrays."""
    import numpy as np

    if isinstance(outputs, np.ndarray) or not isinstance(outputs, (list, tuple)):
        raise InternalError(f"{where} must return a list of NumPy arrays, got {type(outputs)}")
    result = []
    for i, item in enumerate(outputs):
        if isinstance(item, np.generic):
            item = np.asarray(item)
        if not isinstance(item, np.ndarray):
            raise InternalError(f"{where} output {i} is {type(item).__name__}, not ndarray")
        result.append(item)
    return result


def load_object(reference: str) -> Any:
    """Import ``"package.module:attribute"``."""
    module_name, _, attribute = reference.partition(":")
    if not attribute:
        raise InternalError(f"{reference!r} is not of the form 'module:attribute'")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj
