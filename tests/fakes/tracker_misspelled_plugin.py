"""A plugin with a misspelled hook: it must fail loudly, naming the plugin and the hook."""

from tracker.plugin import hookimpl


@hookimpl
def register_convertors(register):  # sic: the hook is register_converters
    pass
