"""The metrics the oracles declare (:class:`tracker.api.MetricDeclaration`), as readers see
them: those recorded in the store, united with those of the oracles installed here.

Readers often run without the plugins (``nox -s results`` installs the core only), on
stores merged from elsewhere: the declarations every sweep records in the store serve
them. A store older than its declarations, read where the plugins are installed, gets
the installed oracles' ones. Where the store and an installed oracle declare the same
column (oracle, role, label), the store's, which describes its metrics, stands.

:func:`declare` puts the union in the connection's temporary table ``declared_metrics``,
which readers' SQL joins on ``metrics``, so that no reader names an oracle.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence

from tracker.api import MetricDeclaration
from tracker.store import Store

# SQL: the drift metric's value of each result that has one; of several drift metrics
# measured in one result, the declaration of lowest priority's. Needs :func:`declare`.
DRIFT_BY_RESULT = """
    SELECT m.result_id, arg_min(m.value, d.priority) AS value
    FROM metrics m JOIN declared_metrics d ON d.oracle = m.oracle AND d.name = m.name
    WHERE d.role = 'drift'
    GROUP BY m.result_id"""

# SQL: the latency metric's value (a median, seconds) of each result that has one, chosen
# as the drift metric is. Needs :func:`declare`.
LATENCY_BY_RESULT = DRIFT_BY_RESULT.replace("d.role = 'drift'", "d.role = 'latency'")


@dataclasses.dataclass(frozen=True)
class ReportColumn:
    """One column of a report's per-environment table: the declarations sharing a label,
    by priority (the first measured in an environment is shown)."""

    label: str
    declarations: tuple[MetricDeclaration, ...]

    @property
    def description(self) -> str:
        return self.declarations[0].description


def declare(store: Store) -> list[MetricDeclaration]:
    """Make the declarations known to ``store``'s SQL (``declared_metrics``); return them."""
    declarations = united(store.oracle_declarations(), installed_declarations())
    store.use_declarations(declarations)
    return declarations


def united(stored: Iterable[MetricDeclaration], installed: Iterable[MetricDeclaration]) -> list[MetricDeclaration]:
    """``stored``, then the ``installed`` declarations of columns the store has none for; by priority."""
    declarations = list(stored)
    known = {_column(d) for d in declarations}
    declarations += [d for d in installed if _column(d) not in known]
    return sorted(declarations, key=lambda d: (d.priority, d.oracle, d.name, d.label))


def of_role(declarations: Iterable[MetricDeclaration], role: str) -> list[MetricDeclaration]:
    return [d for d in declarations if d.role == role]


def report_columns(declarations: Sequence[MetricDeclaration]) -> list[ReportColumn]:
    """The ``report`` declarations as columns, one per label, in priority order."""
    by_label: dict[str, list[MetricDeclaration]] = {}
    for declaration in sorted(of_role(declarations, "report"), key=lambda d: d.priority):
        by_label.setdefault(declaration.label, []).append(declaration)
    return [ReportColumn(label, tuple(group)) for label, group in by_label.items()]


@functools.cache
def installed_declarations() -> tuple[MetricDeclaration, ...]:
    """What the oracles installed here declare (loaded once per process)."""
    from tracker.registry import Registry

    return tuple(d for oracle in Registry.load().oracles.values() for d in oracle.declared_metrics())


def _column(declaration: MetricDeclaration) -> tuple[str, str, str]:
    return declaration.oracle, declaration.role, declaration.label
