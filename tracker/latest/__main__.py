"""``python -m tracker.latest``: see :mod:`tracker.latest.cli`."""

import sys

from tracker.latest.cli import main

sys.exit(main())
