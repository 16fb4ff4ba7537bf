"""Questions asked of the store across versions: what broke, what got fixed, and the
history of one case.

The heavy part is plain DuckDB SQL over the results; what is small (the environments,
which packages vary among them, the order of their versions) is worked out in Python.
Nothing here imports a deep-learning framework.
"""

from tracker.analysis.axes import Group, load_groups
from tracker.analysis.transitions import KINDS, Rules, Transition, find_transitions
from tracker.store.views import version_key

__all__ = [
    "KINDS",
    "Group",
    "Rules",
    "Transition",
    "find_transitions",
    "load_groups",
    "version_key",
]
