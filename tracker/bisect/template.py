"""The pair a release is probed in: a pair of the matrix with one package moved."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as canonical_name

from tracker.errors import ConfigError
from tracker.matrix import AxisValue, Pair, load_matrix


@dataclasses.dataclass(frozen=True)
class Template:
    """The matrix pair in which a package is bisected, the companion pins the matrix
    gives each version of the package, and the ``allow-cuda`` reasons it gives them (a
    release the matrix does not list gets none)."""

    pair: Pair
    companions: dict[str, tuple[str, ...]]
    allow_cuda: dict[str, str]


def bisect_template(matrix: Path, package: str, good: str, *, pipeline: str | None = None,
                    variant: str | None = None, axes: tuple[str, ...] = ()) -> Template:
    """The matrix pair in which ``package`` is bisected: every other axis stays as in it
    (the last pair of the matrix at ``good``, so the newest of the others; with ``axes``,
    pins such as ``torch==2.13.0``, the last of those at these versions of other axes).

    ``package`` is an axis of the matrix, or a package a pipeline pins in ``requires``
    (onnx, transformers): it then becomes an axis of the probed pairs, so their labels
    name its version."""
    name = canonical_name(package)
    pairs = [p for p in load_matrix(matrix) if pipeline in (None, p.pipeline) and variant in (None, p.variant)]
    fits = [p for p in pairs if any(canonical_name(a.package) == name for a in p.axes)]
    if not fits:
        fits = [p for p in pairs if any(canonical_name(Requirement(r).name) == name for r in p.requires)]
    if not fits:
        where = "".join(f" in {option} {value}" for option, value in (("pipeline", pipeline),
                                                                       ("variant", variant)) if value)
        raise ConfigError(f"no pair of {matrix} has {package!r} as an axis or a pin{where}",
                          hint="name a package of the matrix (nox -l lists the pairs; envs/*.toml the pins)")
    versions = [a for p in fits for a in p.axes if canonical_name(a.package) == name]
    fits = _at_axes(fits, axes, matrix, package)
    at_good = [p for p in fits if any(canonical_name(a.package) == name and a.version == good for a in p.axes)]
    return Template(
        pair=(at_good or fits)[-1],
        companions={a.version: a.companions for a in versions},
        allow_cuda={a.version: a.allow_cuda for a in versions if a.allow_cuda},
    )


def _at_axes(pairs: list[Pair], pins: tuple[str, ...], matrix: Path, package: str) -> list[Pair]:
    """The pairs whose other axes are at the versions ``pins`` (``torch==2.13.0``) give."""
    wanted = {}
    for pin in pins:
        name, _, version = pin.partition("==")
        if not name.strip() or not version.strip():
            raise ConfigError(f"--axis {pin!r} is not PACKAGE==VERSION", hint="e.g. --axis torch==2.13.0")
        wanted[canonical_name(name.strip())] = version.strip()
    kept = [p for p in pairs if all(any(canonical_name(a.package) == n and a.version == v for a in p.axes)
                                    for n, v in wanted.items())]
    if not kept:
        raise ConfigError(f"no pair of {matrix} with {package!r} has {' and '.join(pins)}",
                          hint="--axis names another axis of the pair at a version of the matrix "
                               "(nox -l lists the pairs)")
    return kept


def with_version(template: Pair, package: str, version: str, companions: tuple[str, ...],
                 allow_cuda: str = "") -> Pair:
    """The template at ``version`` of ``package`` (an axis, or a pin made an axis), which
    may install CUDA packages only if ``allow_cuda`` says why."""
    name = canonical_name(package)
    if not any(canonical_name(a.package) == name for a in template.axes):
        template = dataclasses.replace(
            template,
            requires=tuple(r for r in template.requires if canonical_name(Requirement(r).name) != name),
            runtime_axes=(*template.runtime_axes, AxisValue(name, version, allow_cuda=allow_cuda)),
        )

    def moved(axis: AxisValue) -> AxisValue:
        if canonical_name(axis.package) != name:
            return axis
        return dataclasses.replace(axis, version=version, companions=tuple(companions), allow_cuda=allow_cuda)

    return dataclasses.replace(
        template,
        converter_axes=tuple(moved(a) for a in template.converter_axes),
        runtime_axes=tuple(moved(a) for a in template.runtime_axes),
    )
