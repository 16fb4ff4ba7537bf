"""What varies among the environments of a pipeline variant: its axes.

A *group* is one pipeline variant (``torch-onnx.dynamo``) with the environments that ran
it. An environment's version of a package is what is really installed in it, compared
without its local label (``2.13.0+cpu`` is ``2.13.0``). An environment that could not be
built has nothing installed: its exact pins (``"onnxruntime": "==1.17.3"`` in
``environments.requested``) stand in for its versions.

The *axes* of a group are the packages that the matrix varies (those its pair ids name:
``torch-onnx.dynamo torch-2.13.0 onnxscript-0.7.2``, :mod:`tracker.store.labels`) and whose
version differs among the group's environments (``torch``, ``onnxscript``). The pins that
come with an axis value (torchvision and timm beside torch 2.14.1) are not axes: held fixed,
they would keep torch 2.13.0 and 2.14.1 from ever being compared. A store whose columns
have no pair id takes the packages the matrix pinned to an exact version instead.
A package that differs without being an axis is *incidental*: ``numpy`` pulled below 2
by an old onnxruntime, a dependency released between two sweeps. Incidental packages are
not axes and are not held fixed when one axis moves (else onnxruntime 1.17.3, the only
release with NumPy 1.x beside it, could never be compared with anything); a transition
names them when they changed along with it. A store whose environments record neither a
pair id nor an exact pin treats every package that differs as an axis.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from tracker.envinfo import canonical_name
from tracker.errors import SelectionError
from tracker.store import Store
from tracker.store.labels import COLUMN_PAIRS, column_label, label_axes

Context = tuple[tuple[str, "str | None"], ...]

_ENVIRONMENTS = f"""
    WITH {COLUMN_PAIRS}
    SELECT r.pipeline, r.variant, e.env_id, e.buildable, e.requested, e.label, p.pair_id
    FROM (SELECT DISTINCT pipeline, variant, env_id FROM results) r
    JOIN environments e ON e.env_id = r.env_id
    LEFT JOIN column_pairs p ON p.env_id = r.env_id AND p.pipeline = r.pipeline AND p.variant = r.variant
"""

# Only the packages pinned by the matrix, and those that differ among built environments or
# are missing from some: the others cannot be an axis nor an incidental change, and real
# environments hold hundreds.
_PACKAGES = """
    WITH built AS (SELECT env_id FROM environments WHERE buildable),
    installed AS (
        SELECT env_id, name, version FROM env_packages WHERE env_id IN (SELECT env_id FROM built)
    ),
    differing AS (
        SELECT name FROM installed GROUP BY name
        HAVING count(DISTINCT version) > 1 OR count(*) < (SELECT count(*) FROM built)
    )
    SELECT env_id, name, version FROM installed
    WHERE name IN (SELECT name FROM differing) OR list_contains(?::VARCHAR[], name)
"""


def public_version(text: str) -> str:
    try:
        return Version(text).public
    except InvalidVersion:
        return text


def exact_pin(specifier: str) -> str | None:
    """``"==1.17.3"`` -> ``"1.17.3"``; ``None`` for ranges, wildcards and several clauses."""
    try:
        clauses = list(SpecifierSet(specifier))
    except InvalidSpecifier:
        return None
    if len(clauses) != 1 or clauses[0].operator not in ("==", "===") or "*" in clauses[0].version:
        return None
    return public_version(clauses[0].version)


@dataclasses.dataclass(frozen=True)
class EnvVersions:
    env_id: str
    buildable: bool
    versions: Mapping[str, str]  # canonical name -> public version, differing packages only
    pinned: frozenset[str]  # the packages the matrix pinned to an exact version
    label: str = ""  # the column's name, its pair id (tracker.store.labels)
    pair_id: str | None = None  # the pair id a run recorded; None: the label is derived

    @property
    def varied(self) -> frozenset[str]:
        """The packages the pair id names (canonical names): the matrix's axes."""
        return frozenset(name for name, _ in label_axes(self.pair_id)) if self.pair_id else frozenset()


@dataclasses.dataclass
class Group:
    """One pipeline variant and the environments that ran it."""

    pipeline: str
    variant: str
    envs: dict[str, EnvVersions]

    @property
    def name(self) -> str:
        return f"{self.pipeline}.{self.variant}"

    @functools.cached_property
    def varying(self) -> frozenset[str]:
        """Every package whose version (or presence) differs among the environments that
        have versions (an unbuildable one without exact pins has none)."""
        known = [env.versions for env in self.envs.values() if env.versions]
        names = {name for versions in known for name in versions}
        return frozenset(name for name in names if len({v.get(name) for v in known}) > 1)

    @functools.cached_property
    def axes(self) -> tuple[str, ...]:
        named = frozenset().union(*(env.varied for env in self.envs.values()))
        pinned = frozenset().union(*(env.pinned for env in self.envs.values()))
        return tuple(sorted(self.varying & (named or pinned) if (named or pinned) else self.varying))

    def context(self, env_id: str, axis: str) -> Context:
        """The versions held fixed while ``axis`` moves: every other axis."""
        versions = self.envs[env_id].versions
        return tuple((name, versions.get(name)) for name in self.axes if name != axis)

    def incidental_changes(
        self, before: str, after: str, axis: str
    ) -> list[tuple[str, str | None, str | None]]:
        """Packages other than the axes that differ between two built environments."""
        first, second = self.envs[before], self.envs[after]
        if not (first.buildable and second.buildable):
            return []
        names = sorted((set(first.versions) | set(second.versions)) - {*self.axes, axis})
        return [
            (name, first.versions.get(name), second.versions.get(name))
            for name in names
            if first.versions.get(name) != second.versions.get(name)
        ]


def describe_versions(versions: Context) -> str:
    """``onnxscript==0.7.0 torch==2.13.0``; a package missing from the environment: ``no X``."""
    return " ".join(f"{name}=={version}" if version else f"no {name}" for name, version in versions)


def load_groups(store: Store, pipeline: str | None = None) -> list[Group]:
    """Every pipeline variant with results, with its environments' versions.

    :raises SelectionError: ``pipeline`` has no result in the store.
    """
    rows = store.con.execute(_ENVIRONMENTS).fetchall()
    pins = {row[2]: _exact_pins(row[4]) for row in rows}
    pinned_names = sorted({name for env_pins in pins.values() for name in env_pins})
    installed: dict[str, dict[str, str]] = {}
    for env_id, name, version in store.con.execute(_PACKAGES, [pinned_names]).fetchall():
        installed.setdefault(env_id, {})[name] = public_version(version)
    groups: dict[tuple[str, str], Group] = {}
    for pipeline_name, variant, env_id, buildable, _, env_label, pair_id in rows:
        versions = installed.get(env_id, {}) if buildable else pins[env_id]
        group = groups.setdefault((pipeline_name, variant), Group(pipeline_name, variant, {}))
        label = column_label(pipeline_name, variant, pair_id, env_label, env_id)
        group.envs[env_id] = EnvVersions(env_id, bool(buildable), versions, frozenset(pins[env_id]), label, pair_id)
    chosen = [g for key, g in sorted(groups.items()) if pipeline in (None, key[0])]
    if pipeline is not None and not chosen:
        known = sorted({key[0] for key in groups})
        raise SelectionError(
            f"the store holds no result of pipeline {pipeline!r}",
            hint=f"pipelines in the store: {', '.join(known) or '(none: run `nox -s sweep`)'}",
        )
    return chosen


def _exact_pins(requested: str | None) -> dict[str, str]:
    """Canonical name -> version of the exact pins in an environment's ``requested`` JSON."""
    return {
        canonical_name(name): pin
        for name, spec in json.loads(requested or "{}").items()
        if (pin := exact_pin(spec)) is not None
    }
