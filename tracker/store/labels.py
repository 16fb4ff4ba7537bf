"""One name per environment: a column of the matrix (an environment running one pipeline
variant) is named by the id of the matrix pair that ran there, which is the parameter of
that pair's nox session. ``torch-onnx.torchscript torch-2.13.0 onnxruntime-1.31.1``, as
``tracker results``, ``history``, ``regressions`` and the report print it, is run again by
``nox -s "sweep(torch-onnx.torchscript torch-2.13.0 onnxruntime-1.31.1)"``.

Every run has recorded its pair's id (``runs.label``) since the store's first version, so
no migration is needed: the newest run of a column names it. An environment's own label
is the id of the first pair that built it, which may be another variant's (variants that
install the same packages share one environment): a column without a run naming it (a
store written by hand) gets its variant and that label's versions instead.
"""

from __future__ import annotations

from tracker.envinfo import canonical_name

# A common table expression: the newest pair id run in each column.
COLUMN_PAIRS = """column_pairs AS (   -- the newest pair id run in each (environment, pipeline variant)
        SELECT env_id, pipeline, variant, arg_max(label, started_at) AS pair_id
        FROM runs WHERE starts_with(label, pipeline || '.' || variant || ' ')
        GROUP BY env_id, pipeline, variant
    )"""


def column_label(pipeline: str, variant: str, pair_id: str | None, env_label: str | None, env_id: str) -> str:
    """The name of a column: the newest pair id run there (``pair_id``, from
    :data:`COLUMN_PAIRS`), else the variant and the versions of its environment's label."""
    if pair_id:
        return pair_id
    versions = (env_label or "").partition(" ")[2] or env_id
    return f"{pipeline}.{variant} {versions}"


def label_axes(label: str) -> list[tuple[str, str]]:
    """The ``(canonical package name, version)`` of each axis a pair id names, in order:
    ``torch-onnx.dynamo torch-2.13.0 onnxscript-0.7.2`` -> torch 2.13.0, onnxscript 0.7.2
    (``tensorflow-cpu-2.21.0``: tensorflow-cpu 2.21.0). Words without a dash are left out."""
    axes = []
    for word in label.split()[1:]:
        name, dash, version = word.rpartition("-")
        if dash and name and version:
            axes.append((canonical_name(name), version))
    return axes


def session_name(label: str) -> str:
    """The nox session that runs a column's pair: ``sweep(LABEL)``."""
    return f"sweep({label})"
