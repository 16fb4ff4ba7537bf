"""The plugin surface: :mod:`tracker.plugin` exports what the plugins use of the core and
the plugins under ``plugins/`` use nothing else of it; a plugin imports another plugin's
package only when its pyproject declares that plugin's distribution as a dependency."""

from __future__ import annotations

import ast
import dataclasses
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import tracker.plugin

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


@dataclasses.dataclass(frozen=True)
class Project:
    """One plugin's distribution as its pyproject declares it."""

    directory: Path
    distribution: str
    packages: frozenset[str]  # its top-level import packages
    dependencies: frozenset[str]  # distributions, always installed with it
    optional: frozenset[str]  # distributions of its extras: imported lazily only

    @classmethod
    def read(cls, directory: Path) -> Project:
        project = tomllib.loads((directory / "pyproject.toml").read_text())["project"]
        extras = project.get("optional-dependencies", {})
        return cls(
            directory=directory,
            distribution=canonicalize_name(project["name"]),
            packages=frozenset(p.parent.name for p in directory.glob("*/__init__.py")),
            dependencies=_names(project.get("dependencies", [])),
            optional=_names(r for requirements in extras.values() for r in requirements),
        )


def _names(requirements) -> frozenset[str]:
    return frozenset(canonicalize_name(Requirement(text).name) for text in requirements)


PROJECTS = [Project.read(path.parent) for path in sorted(PLUGINS.glob("*/pyproject.toml"))]
OWNER = {package: project for project in PROJECTS for package in project.packages}


@dataclasses.dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    names: tuple[str, ...]  # what ``from module import ...`` takes; () for ``import module``
    line: int
    lazy: bool  # inside a function: runs only when it is called


def imports(source: str) -> list[Import]:
    """Every absolute import of a module, ``from x import y`` as ``x``."""
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(alias.name, (), child.lineno, lazy) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append(Import(child.module, tuple(a.name for a in child.names), child.lineno, lazy))
            visit(child, lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(ast.parse(source), False)
    return found


def violations(project: Project, where: str, source: str) -> list[str]:
    """What the module ``where`` of ``project``, of text ``source``, imports that it may not."""
    problems = []
    for imported in imports(source):
        top = imported.module.split(".")[0]
        if top == "tracker" and imported.module != "tracker.plugin":
            problems.append(f"{where}:{imported.line} imports {imported.module}: plugins import the core "
                            "only through tracker.plugin (export what they need there)")
        other = OWNER.get(top)
        if other is None or other is project or other.distribution in project.dependencies:
            continue
        if other.distribution in project.optional and imported.lazy:
            continue
        declared = ("declared only as an extra: import it inside the functions that need it"
                    if other.distribution in project.optional
                    else f"add {other.distribution!r} to the dependencies in {project.directory.name}/pyproject.toml")
        problems.append(f"{where}:{imported.line} imports {imported.module} of the plugin "
                        f"{other.distribution}, {declared}")
    return problems


def test_every_plugin_project_is_found():
    assert len(PROJECTS) >= 8
    assert {"tracker_pytorch", "tracker_tensorflow", "tracker_tf2onnx", "tracker_coreml"} <= set(OWNER)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda project: project.directory.name)
def test_plugins_import_the_core_through_tracker_plugin_and_other_plugins_only_as_declared(project):
    modules = sorted(project.directory.rglob("*.py"))
    assert modules, f"{project.directory} holds no Python module"
    problems = [problem for path in modules
                for problem in violations(project, str(path.relative_to(PLUGINS)), path.read_text())]
    assert not problems, "\n".join(problems)


def test_the_check_refuses_the_core_undeclared_plugins_and_extras_imported_eagerly():
    (coreml,) = [project for project in PROJECTS if "tracker_coreml" in project.packages]
    assert "tracker-pytorch" in coreml.optional and "tracker-tf2onnx" not in coreml.optional | coreml.dependencies
    source = """\
from tracker.plugin import hookimpl
from tracker.signatures import exception_chain
import tracker_tf2onnx
from tracker_pytorch import flatten
from tracker_coreml.options import CoremlOptions
def lazy():
    from tracker_pytorch import flatten
    import tracker_tf2onnx.diagnosis
"""
    problems = violations(coreml, "m.py", source)
    assert [problem.split(" ")[0] for problem in problems] == ["m.py:2", "m.py:3", "m.py:4", "m.py:8"], problems
    assert "only through tracker.plugin" in problems[0]
    assert "add 'tracker-tf2onnx' to the dependencies in coreml/pyproject.toml" in problems[1]
    assert "declared only as an extra" in problems[2]


def test_tracker_plugin_lists_in_all_whatever_a_plugin_takes_from_it():
    assert all(hasattr(tracker.plugin, name) for name in tracker.plugin.__all__)
    modules = [*PLUGINS.glob("*/*/**/*.py"), *(PLUGINS.parent / "tests" / "fakes").glob("*.py")]
    taken = {name for path in modules for imported in imports(path.read_text())
             if imported.module == "tracker.plugin" for name in imported.names}
    assert {"hookimpl", "Converter", "exception_chain", "load_object"} <= taken  # the walk found them
    assert sorted(taken - set(tracker.plugin.__all__)) == []
