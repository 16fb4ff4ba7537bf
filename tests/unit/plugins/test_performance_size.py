"""The performance oracle's artifact size: a file with the external data beside it (torch.onnx's
dynamo exporter writes the weights to ``model.onnx.data``), or a directory's files."""

from __future__ import annotations

from tracker_oracles.performance import artifact_bytes


def test_a_file_counts_with_its_external_data_and_nothing_else(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"x" * 100)
    (tmp_path / "model.onnx.data").write_bytes(b"w" * 1000)
    (tmp_path / "other.onnx").write_bytes(b"o" * 10)
    (tmp_path / "model.onnxruntime").write_bytes(b"r" * 7)  # not its data: no dot after the name
    assert artifact_bytes(tmp_path / "model.onnx") == 1100
    assert artifact_bytes(tmp_path / "other.onnx") == 10


def test_a_directory_counts_every_file_in_it(tmp_path):
    package = tmp_path / "model.mlpackage"
    (package / "Data").mkdir(parents=True)
    (package / "Manifest.json").write_bytes(b"m" * 5)
    (package / "Data" / "weights.bin").write_bytes(b"w" * 50)
    assert artifact_bytes(package) == 55
