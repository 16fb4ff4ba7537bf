"""The layers of the core: the analyses and the reports are read by the commands, never the
other way round. Checked on the source (ast), so that an import inside a function counts
as much as one at the top of a module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tracker

TRACKER = Path(tracker.__file__).resolve().parent
# what the commands (tracker.cli) use, and must not use them: the analyses, the reports,
# and what both share (the store's views, the text rendering)
BELOW_THE_CLI = ("analysis", "reports", "store", "render.py")


def imported_modules(source: str, module: str) -> set[str]:
    """Every module a source file imports, relative imports resolved against ``module``,
    the file's dotted path (``tracker.reports.__init__`` for a package)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def _modules(package: str) -> list[Path]:
    path = TRACKER / package
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(TRACKER.parent).with_suffix("").parts)


def _is_cli(name: str) -> bool:
    return name == "tracker.cli" or name.startswith("tracker.cli.")


@pytest.mark.parametrize("package", BELOW_THE_CLI)
def test_analysis_reports_and_what_they_share_never_import_the_cli(package):
    modules = _modules(package)
    assert modules, f"no module found under tracker/{package}"
    offenders = {
        _module_name(path): sorted(n for n in imported_modules(path.read_text(encoding="utf-8"),
                                                               _module_name(path)) if _is_cli(n))
        for path in modules
    }
    offenders = {module: names for module, names in offenders.items() if names}
    assert not offenders, (
        f"tracker/{package} imports the command line ({offenders}): move what it needs out "
        "of tracker/cli/ (queries to tracker/store/views.py, text to tracker/render.py)"
    )


@pytest.mark.parametrize("source, module", [
    ("from tracker.cli.results import query_rows", "tracker.reports.data"),
    ("import tracker.cli", "tracker.analysis.history"),
    ("from tracker import cli", "tracker.reports.data"),
    ("from ..cli import common", "tracker.reports.data"),
    ("from .cli import common", "tracker.__init__"),
    ("def f():\n    from tracker.cli.common import store_path", "tracker.reports.html"),
])
def test_every_form_of_import_of_the_cli_is_seen(source, module):
    assert any(_is_cli(name) for name in imported_modules(source, module))


def test_a_module_that_only_names_the_cli_in_text_is_not_an_import():
    source = '"""Read by tracker.cli.results."""\nfrom tracker.clients import x\n'
    assert not any(_is_cli(name) for name in imported_modules(source, "tracker.reports.data"))


# -- the core never names a plugin's oracle ------------------------------------------------

PLUGINS = TRACKER.parent / "plugins"


def oracle_names() -> set[str]:
    """The ``name`` of every class under ``plugins/`` that subclasses ``Oracle``."""
    names = set()
    for path in PLUGINS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", getattr(b, "attr", "")) == "Oracle"
                                                      for b in node.bases):
                names.update(statement.value.value for statement in node.body
                             if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
                             and any(getattr(t, "id", "") == "name" for t in statement.targets))
    return names


def test_the_core_names_no_oracle_it_asks_them_by_declaration():
    import re

    names = oracle_names()
    assert {"numeric", "agreement", "robustness"} <= names, names  # the scan finds the plugins' oracles
    word = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])")
    found = {f"{path.relative_to(TRACKER.parent)}:{number}": match.group(1)
             for path in TRACKER.rglob("*.py")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if (match := word.search(line))}
    assert not found, f"the core names oracles (ask by declaration: Oracle.metrics, repro_code): {found}"


# -- the worker's modules stay small enough to read in one sitting --------------------------


@pytest.mark.parametrize("module", ["worker/sweep.py", "worker/child.py"])
def test_the_sweeps_orchestrator_and_the_childs_entry_stay_small(module):
    lines = len((TRACKER / module).read_text(encoding="utf-8").splitlines())
    assert lines <= 260, (f"tracker/{module} has {lines} lines: move a job out of it (planning to "
                          "worker/plan.py, recording to worker/record.py, a case's stages to worker/case_run.py)")
