"""One documented install for the ``tracker`` command with the built-in plugins: the
README's command names a requirements file that installs the core and every plugin under
plugins/ (``tests/e2e/test_cli_install.py`` runs it in a fresh virtual environment)."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, documented_cli_install


def editable_paths(requirements: Path) -> list[Path]:
    lines = [line.split("#")[0].split() for line in requirements.read_text(encoding="utf-8").splitlines()]
    return [(ROOT / words[1]).resolve() for words in lines if words and words[0] == "-e"]


def test_the_readme_installs_the_core_and_every_built_in_plugin_in_one_command():
    command = documented_cli_install()
    assert command[:3] == ["pip", "install", "-r"] and len(command) == 4
    requirements = ROOT / command[3]
    assert requirements.is_file(), f"the README's {' '.join(command)} names no file of the clone"
    plugins = sorted(p.parent.resolve() for p in (ROOT / "plugins").glob("*/pyproject.toml"))
    assert plugins, "no plugin found under plugins/"
    assert sorted(editable_paths(requirements)) == sorted([ROOT.resolve(), *plugins]), (
        f"{requirements.name} should list the core and every plugin under plugins/, editable")


def test_the_manual_gives_the_same_command():
    command = " ".join(documented_cli_install())
    for page in ("docs/sweep.md", "docs/development.md"):
        assert command in (ROOT / page).read_text(encoding="utf-8").replace("\n", " "), page
