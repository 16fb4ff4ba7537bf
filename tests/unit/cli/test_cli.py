"""The CLI: user errors are one clear line and a distinct exit code, never a traceback."""

import json

from conftest import fake_env, fake_pair_json, tracker


def test_plugins_lists_every_plugin_its_version_and_usability():
    process = tracker("plugins", check=True)
    assert "fake-saver" in process.stdout and "tracker_fake_plugin" in process.stdout
    assert "tracker-oracles 0.1.0" in process.stdout


def test_plugins_with_a_broken_plugin_lists_it_and_exits_4():
    env = fake_env(TRACKER_PLUGIN_MODULES="tracker_fake_plugin,tracker_misspelled_plugin")
    process = tracker("plugins", env=env)
    assert process.returncode == 4
    assert "BROKEN" in process.stdout and "register_convertors" in process.stdout


def test_a_run_with_a_broken_plugin_fails_loudly(store):
    env = fake_env(TRACKER_PLUGIN_MODULES="tracker_fake_plugin,tracker_broken_import_plugin")
    process = tracker("run", "--pair", fake_pair_json(), "--store", str(store), env=env)
    assert process.returncode == 4
    assert "could not be loaded" in process.stderr and "TRACKER_DISABLE_PLUGINS" in process.stderr
    assert "Traceback" not in process.stderr


def test_models_list_and_show():
    listing = tracker("models", "list", "--set", "faults", check=True)
    assert "fake-segfault" in listing.stdout and "manifest" in listing.stdout
    shown = tracker("models", "show", "fake-ok-1", check=True)
    assert "def affine" in shown.stdout and "hash:" in shown.stdout


def test_unknown_set_and_case_are_selection_errors_naming_what_exists(store):
    process = tracker("models", "list", "--set", "nope")
    assert process.returncode == 6 and "known sets: default, faults, localize, oracles, slow" in process.stderr
    process = tracker("models", "show", "resnet18")
    assert process.returncode == 6 and "tracker models list" in process.stderr
    process = tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--models", "resnet18")
    assert process.returncode == 6 and "no case matches 'resnet18'" in process.stderr
    assert "Traceback" not in process.stderr


def test_a_bad_pair_is_a_config_error():
    process = tracker("run", "--pair", "{not json")
    assert process.returncode == 3 and "not a matrix pair" in process.stderr


def test_results_without_a_store_says_how_to_make_one(tmp_path):
    process = tracker("results", "--store", str(tmp_path / "none.duckdb"))
    assert process.returncode == 5 and "nox -s sweep" in process.stderr


def test_results_shows_the_matrix_counts_and_signatures(store):
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults",
            "--models", "fake-ok-1", "fake-perturb", "fake-unsupported", check=True)
    table = tracker("results", "--store", str(store), check=True).stdout
    assert "fake-perturb" in table and "WRONG" in table and "UNSUP" in table
    assert "1/3" in table  # ok / stored for the one environment
    assert "numeric: mismatch" in table
    rows = json.loads(tracker("results", "--store", str(store), "--format", "json", check=True).stdout)
    assert {r["case_id"]: r["outcome"] for r in rows} == {
        "fake-ok-1": "ok", "fake-perturb": "incorrect", "fake-unsupported": "convert_error"}


def test_variants_sharing_one_environment_are_columns_of_their_own(tmp_path):
    # two variants that install the same packages run in one environment (one env_id):
    # the matrix still shows each variant's results in a column of its own, named after it
    from conftest import fake_pair_json

    store = tmp_path / "store.duckdb"
    for variant in ("plain", "other"):
        tracker("run", "--pair", fake_pair_json(variant=variant), "--store", str(store),
                "--models", "fake-ok-1", check=True)
    output = tracker("results", "--store", str(store), check=True).stdout
    assert "fake.plain numpy-1.0.0" in output and "fake.other numpy-1.0.0" in output
    (line,) = [row for row in output.splitlines() if row.startswith("fake-ok-1")]
    assert line.split()[2:] == ["ok", "ok"]
