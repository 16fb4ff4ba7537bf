import pytest

from tracker.plugin import Converter, Framework, Oracle
from tracker.errors import PluginError
from tracker.registry import Registry


def test_the_fake_plugin_registers_every_kind():
    registry = Registry.load(entry_points=False, modules=["tracker_fake_plugin"])
    assert set(registry.frameworks) == {"fake-numpy"}
    assert set(registry.converters) == {"fake-saver"}
    assert set(registry.runtimes) == {"fake-runner", "fake-reference"}
    assert len(registry.cases) >= 10
    assert registry.owner("converter", "fake-saver").name == "tracker_fake_plugin"
    assert registry.converters["fake-saver"].unavailable_reason() is None


def test_the_typed_accessors_return_what_was_registered_under_the_name():
    registry = Registry.load(entry_points=False, modules=["tracker_fake_plugin"])
    assert isinstance(registry.framework("fake-numpy"), Framework)
    assert isinstance(registry.converter("fake-saver"), Converter)
    assert registry.runtime("fake-reference").name == "fake-reference"
    case = registry.cases[0]
    assert registry.case(case.id) is case
    assert registry.component("runtime", "fake-runner") is registry.runtimes["fake-runner"]


def test_builtin_plugins_come_through_entry_points():
    registry = Registry.load()
    found = {info.name: info for info in registry.plugins.values()}
    assert {"oracles"} <= set(found)
    assert found["oracles"].distribution == "tracker-oracles"
    assert "numeric" in registry.oracles
    assert isinstance(registry.oracle("numeric"), Oracle)


def test_a_misspelled_hook_fails_loudly_naming_plugin_and_hook():
    registry = Registry.load(entry_points=False, modules=["tracker_misspelled_plugin"])
    (broken,) = registry.broken()
    assert "register_convertors" in broken.error and "misspelled" in broken.error
    with pytest.raises(PluginError, match="tracker_misspelled_plugin") as error:
        registry.require_healthy()
    assert error.value.exit_code == 4


def test_a_plugin_that_fails_to_import_is_listed_broken_not_a_crash():
    registry = Registry.load(entry_points=False, modules=["tracker_broken_import_plugin"])
    (broken,) = registry.broken()
    assert "ModuleNotFoundError" in broken.error
    assert "tracker_broken_import_plugin.py" in broken.error


def test_a_name_registered_twice_names_both_plugins(monkeypatch):
    monkeypatch.setenv("TRACKER_PLUGIN_MODULES", "tracker_fake_plugin")
    registry = Registry.load(entry_points=False, modules=["tracker_fake_twin"])
    errors = [info.error for info in registry.broken()]
    assert errors and "registered by both plugin" in errors[0]


def test_asking_for_a_missing_component_lists_what_is_installed():
    registry = Registry.load(entry_points=False, modules=["tracker_fake_plugin"])
    with pytest.raises(PluginError, match="no converter named 'tf2onnx'") as error:
        registry.converter("tf2onnx")
    assert "fake-saver" in str(error.value)
    with pytest.raises(PluginError, match="no runtime named 'fake-saver'") as error:
        registry.runtime("fake-saver")  # a converter's name is no runtime's
    assert "fake-reference, fake-runner" in str(error.value)
    with pytest.raises(PluginError, match="no model named 'no-such-case'"):
        registry.case("no-such-case")
    with pytest.raises(PluginError, match="installed oracles: none"):
        registry.oracle("numeric")


def test_allow_and_block_lists(monkeypatch):
    monkeypatch.setenv("TRACKER_DISABLE_PLUGINS", "oracles")
    assert "oracles" not in Registry.load().plugins
    monkeypatch.delenv("TRACKER_DISABLE_PLUGINS")
    monkeypatch.setenv("TRACKER_PLUGINS", "nothing-by-that-name")
    assert Registry.load().plugins == {}


def test_trace_mode_prints_hook_calls(monkeypatch, capsys):
    monkeypatch.setenv("TRACKER_TRACE_PLUGINS", "1")
    Registry.load(entry_points=False, modules=["tracker_fake_plugin"])
    assert "register_converters" in capsys.readouterr().err
