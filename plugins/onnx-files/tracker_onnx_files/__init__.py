"""A folder of ONNX files, tracked across ONNX Runtime releases (runtime-only tracking).

Each ``*.onnx`` file of the folder named by ``TRACKER_ONNX_DIR`` is a case (``onnx-<name>``,
in the sets ``default`` and ``onnx-files``) of the ``onnx-files`` framework, whose
reference is ONNX's reference evaluator; the ``identity`` converter hands the file to the
runtime as it is. Inputs: ``<name>.npz`` beside the file, or seeded values of the shapes
and types the graph declares (symbolic dimensions at 1). See docs/own-models.md.

Registering reads every file of the folder (its SHA-256, its declared inputs, with
``onnx``); with no folder configured it registers no case, and the framework says why
it is unavailable.
"""

from __future__ import annotations

from tracker.plugin import hookimpl

from tracker_onnx_files.converter import Identity
from tracker_onnx_files.framework import OnnxFiles


@hookimpl
def register_frameworks(register):
    register(OnnxFiles())


@hookimpl
def register_converters(register):
    register(Identity())


@hookimpl
def register_models(register):
    from tracker.plugin import missing_modules

    from tracker_onnx_files import cases, folder

    try:
        directory = folder.configured_directory()
    except folder.FolderError:
        return  # OnnxFiles.unavailable_reason() says so where it matters
    if missing_modules(["onnx"]):
        return  # nothing can be read; the framework is unavailable, and says so
    for path in folder.model_files(directory):
        register(cases.case_of(path))
