"""``identity``: the model file handed to the runtime as it is, with its external data.

What is tracked is the runtime: the artifact is the file, byte for byte (its SHA-256 is the
case's), copied into the cache with the external-data files it names, at the same places
beside it. Options are none of its business (``dynamic = true`` in a variant tells the
``dynamic-shapes`` oracle that the files' symbolic dimensions are dynamic).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tracker.plugin import ConversionRequest, Converter

from tracker_onnx_files import folder, graph
from tracker_onnx_files.framework import model_path


class Identity(Converter):
    name = "identity"
    description = "the .onnx file as it is (runtime-only tracking)"
    frameworks = ("onnx-files",)
    output_format = "onnx"

    def convert_impl(self, request: ConversionRequest) -> Path:
        source = model_path(request.case)
        artifact = request.output_dir / source.name
        shutil.copyfile(source, artifact)
        for data in graph.external_data_files(source):
            target = request.output_dir / data.relative_to(source.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data, target)
        return artifact
