"""What every child of a pair would do again from its fork is done once, in the fork
server: running the parent's main script (multiprocessing runs a script's in each child
it starts), importing the child's modules, hashing the cases."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import ROOT, fake_env, fake_pair_json, stored

MODELS = ("--set", "faults", "--models", "fake-ok-1", "fake-ok-2", "fake-perturb")

# `tracker run` started from a script (as the `tracker` console script is): it notes each
# time it is run, and each case hash computed in a case's child
MAIN = textwrap.dedent("""
    import multiprocessing, os, sys
    from tracker.cases import ModelCase

    def note(text):
        with open(os.environ["NOTES"], "a", encoding="utf-8") as notes:
            notes.write(text + "\\n")

    note(f"main script run as {__name__}")
    recipe = ModelCase.recipe
    def noting_recipe(case):
        if multiprocessing.parent_process() is not None:
            note(f"case {case.id} hashed in its child")
        return recipe(case)
    ModelCase.recipe = noting_recipe

    if __name__ == "__main__":
        from tracker.cli import main
        sys.exit(main())
""")


def test_the_main_script_runs_once_for_the_fork_server_and_no_child_hashes_its_case(store, tmp_path):
    script, notes = tmp_path / "run_tracker.py", tmp_path / "notes.txt"
    script.write_text(MAIN, encoding="utf-8")
    process = subprocess.run(
        [sys.executable, str(script), "run", "--pair", fake_pair_json(), "--store", str(store), *MODELS,
         "--jobs", "2"],
        capture_output=True, text=True, env=fake_env(NOTES=str(notes)), cwd=ROOT, timeout=300)
    assert process.returncode == 0, process.stdout + process.stderr
    assert len(stored(store)) == 3
    lines = notes.read_text(encoding="utf-8").splitlines()
    assert lines.count("main script run as __main__") == 1
    assert lines.count("main script run as __mp_main__") == 1, lines  # the fork server's, not one per child
    assert not [line for line in lines if "hashed in its child" in line]
