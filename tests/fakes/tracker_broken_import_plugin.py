"""A plugin that fails to import."""

import tracker_this_module_does_not_exist  # noqa: F401
