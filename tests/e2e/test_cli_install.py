"""The README's one install of the ``tracker`` command, run in a fresh virtual environment
from the clone's root: ``tracker models list`` then lists the built-in plugins' cases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, documented_cli_install

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_documented_install_gives_a_tracker_with_the_built_in_plugins(tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "VIRTUAL_ENV", "PYTHONPATH"))}
    pip, *args = documented_cli_install()
    assert pip == "pip"
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", *args], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=1800)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    listed = subprocess.run([str(venv / "bin" / "tracker"), "models", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert listed.returncode == 0, listed.stderr[-3000:]
    count = re.search(r"^(\d+) cases", listed.stdout, re.MULTILINE)
    assert count and int(count.group(1)) > 0, listed.stdout[-2000:]
    assert re.search(r"\bsynthetic\b", listed.stdout) and re.search(r"\bpytorch\b", listed.stdout)
