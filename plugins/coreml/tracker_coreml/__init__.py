"""Core ML: the ``coremltools`` converter (PyTorch traced or exported, Keras), the
``coreml`` runtime (predictions on macOS; ``not_runnable`` elsewhere) and the
``coreml-spec`` oracle (the spec against the source, on every platform).

coremltools is imported only inside the methods: registering this plugin is cheap and
works where coremltools is not installed (the components are then listed as unavailable).
"""

from tracker.plugin import hookimpl
from tracker_coreml.converter import CoremlTools
from tracker_coreml.runtime import CoreML
from tracker_coreml.spec import CoremlSpec


@hookimpl
def register_converters(register):
    register(CoremlTools())


@hookimpl
def register_runtimes(register):
    register(CoreML())


@hookimpl
def register_oracles(register):
    register(CoremlSpec())
