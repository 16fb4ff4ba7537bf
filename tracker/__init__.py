"""A regression tracker for deep-learning model converters and runtimes.

The core (this package) imports no deep-learning framework. Frameworks, converters,
runtimes and oracles are pluggy plugins; see :mod:`tracker.plugin` for how to write one.
"""

__version__ = "0.1.0"
