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
    ConversionRequest,
    Converter,
    Evidence,
    Framework,
    MetricDeclaration,
    Oracle,
    Runtime,
    Verdict,
)
from tracker.cases import ModelCase
from tracker.inputs import InputSpec

hookimpl = pluggy.HookimplMarker("tracker")

ENTRY_POINT_GROUP = "tracker"

__all__ = [
    "ENTRY_POINT_GROUP",
    "ConversionRequest",
    "Converter",
    "Evidence",
    "Framework",
    "InputSpec",
    "MetricDeclaration",
    "ModelCase",
    "Oracle",
    "Runtime",
    "Verdict",
    "hookimpl",
]
