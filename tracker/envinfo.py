"""What an environment really is: read from the environment itself.

An environment is identified by the distributions actually installed in it (name and
version, as resolved, not as asked), the Python version and the platform. Two
environments with the same identity are the same environment, whoever built them.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import platform
import re
import sys
from collections.abc import Iterable, Mapping

from tracker.cases import hash_json


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclasses.dataclass(frozen=True)
class Environment:
    python: str
    platform: str
    packages: Mapping[str, str]  # canonical distribution name -> installed version

    @property
    def env_id(self) -> str:
        return hash_json(
            {"python": self.python, "platform": self.platform, "packages": dict(self.packages)}
        )[:16]

    def version_of(self, distribution: str) -> str | None:
        return self.packages.get(canonical_name(distribution))

    def fingerprint(self, distributions: Iterable[str]) -> dict[str, object]:
        """The part of the identity that matters to the given distributions."""
        return {
            "python": ".".join(self.python.split(".")[:2]),
            "platform": self.platform,
            "packages": {canonical_name(d): self.version_of(d) for d in sorted(distributions)},
        }


def current_platform() -> str:
    return f"{sys.platform}-{platform.machine()}"


def describe_current() -> Environment:
    packages: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages.setdefault(canonical_name(name), dist.version)
    return Environment(
        python=platform.python_version(),
        platform=current_platform(),
        packages=dict(sorted(packages.items())),
    )


def unbuildable(requested: Mapping[str, str]) -> Environment:
    """The identity of an environment that could not be built: what was asked for."""
    return Environment(
        python=platform.python_version(),
        platform=current_platform(),
        packages={canonical_name(k): f"(requested {v})" for k, v in sorted(requested.items())},
    )
