"""Every hook is documented as a contract, and the quickstart names every hook."""

import inspect

from tracker import hookspecs, plugin
from tracker.registry import KIND_HOOKS


def _hooks():
    return [name for name, obj in vars(hookspecs).items()
            if inspect.isfunction(obj) and hasattr(obj, "tracker_spec")]


def test_every_hook_has_a_contract_docstring():
    assert sorted(_hooks()) == sorted(KIND_HOOKS)
    for name in _hooks():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert ":param register:" in doc, name
        assert "versionadded" in doc, name


def test_the_plugin_quickstart_shows_an_entry_point_and_a_hookimpl():
    doc = plugin.__doc__
    assert "[project.entry-points.tracker]" in doc and "@hookimpl" in doc
