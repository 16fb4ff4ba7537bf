"""Writing a plugin: the quickstart.

A plugin is any importable module (or object) with functions marked ``@hookimpl``,
announced through the ``tracker`` entry-point group of its distribution. The built-in
plugins in ``plugins/`` are packaged exactly so. A converter plugin, complete::

    # pyproject.toml of your distribution
    [project]
    name = "tracker-myconverter"
    dependencies = ["converter-tracker"]

    [project.entry-points.tracker]
    myconverter = "tracker_myconverter"

    # tracker_myconverter/__init__.py
    from pathlib import Path
    from tracker.plugin import hookimpl, Converter, ConversionRequest

    class MyConverter(Converter):
        name = "myconverter"
        frameworks = ("pytorch",)       # models it accepts
        output_format = "onnx"          # what runtimes load
        requires = ("myconverter",)     # importable modules it needs
        packages = ("myconverter",)     # distributions that fingerprint its artifacts

        def convert_impl(self, request: ConversionRequest) -> Path:
            import myconverter          # heavy imports go inside the methods
            path = request.output_dir / "model.onnx"
            myconverter.export(request.model, request.sample_inputs, path,
                               **request.options)
            return path

    @hookimpl
    def register_converters(register):
        register(MyConverter())

Then add a pipeline that uses it to a file in ``envs/`` (see ``envs/README.md``) and
``tracker plugins`` lists it. The contracts of every hook are in
:mod:`tracker.hookspecs`; the base classes in :mod:`tracker.api`.

Everything a plugin may use of the core is importable from this module (``__all__``):
the base classes and the values they exchange, and a few helpers: :func:`load_object`
(``"module:attribute"`` to an object), :func:`missing_modules` (which modules cannot be
found, nothing imported), :func:`exception_chain` (an exception and its causes, to
classify a failure), :func:`file_digest` (the SHA-256 of a file, or of a folder's files,
as a case's weights and ``.npz`` inputs are hashed), :data:`FAILURE_STAGES` (what
:meth:`Converter.failure_stage` may return), :data:`CPU_TIME` (the name of the CPU-time
samples of a latency metric), :class:`ConfigError` (a bad option in
``envs/``) and :func:`plugin_cache_dir` (a directory of the sweep's cache for the plugin's
own files: weights it trained). Plugins import nothing
else of ``tracker`` (a unit test checks). A plugin that uses another plugin's helpers
(the tf2onnx converter calls TensorFlow models as :mod:`tracker_tensorflow.calls` says)
names that plugin's distribution in its ``dependencies``, as it names
``converter-tracker``; or, when only some of its work needs it (the coremltools
converter takes PyTorch and TensorFlow models), in an extra
(``[project.optional-dependencies]``), imported inside the functions that use it.

Switches, by environment variable:

- ``TRACKER_PLUGINS=a,b``: load only these entry points (an allowlist).
- ``TRACKER_DISABLE_PLUGINS=a,b``: do not load these (a blocklist).
- ``TRACKER_PLUGIN_MODULES=pkg.mod,...``: also register these modules as plugins,
  without packaging them (for tests and quick experiments).
- ``TRACKER_TRACE_PLUGINS=1``: print every hook call and its result.
"""

from __future__ import annotations

import pluggy

from tracker.api import (
    FAILURE_STAGES,
    CPU_TIME,
    ConversionRequest,
    Converter,
    Evidence,
    ExtraRun,
    Framework,
    MetricDeclaration,
    Oracle,
    Runtime,
    Verdict,
    load_object,
    missing_modules,
)
from tracker.cases import ModelCase
from tracker.errors import ConfigError
from tracker.inputs import InputSpec
from tracker.local_files import digest as file_digest
from tracker.plugin_cache import plugin_cache_dir
from tracker.signatures import exception_chain

hookimpl = pluggy.HookimplMarker("tracker")

ENTRY_POINT_GROUP = "tracker"

__all__ = [
    "ENTRY_POINT_GROUP",
    "FAILURE_STAGES",
    "CPU_TIME",
    "ConfigError",
    "ConversionRequest",
    "Converter",
    "Evidence",
    "ExtraRun",
    "Framework",
    "InputSpec",
    "MetricDeclaration",
    "ModelCase",
    "Oracle",
    "Runtime",
    "Verdict",
    "exception_chain",
    "file_digest",
    "hookimpl",
    "load_object",
    "missing_modules",
    "plugin_cache_dir",
]
