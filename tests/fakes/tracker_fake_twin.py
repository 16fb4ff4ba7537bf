"""Registers a converter under a name the fake plugin already uses."""

from tracker_fake_plugin import NumpySaver

from tracker.plugin import hookimpl


@hookimpl
def register_converters(register):
    register(NumpySaver())
