"""``python -m tracker.bisect``: see :mod:`tracker.bisect.cli`."""

import sys

from tracker.bisect.cli import main

sys.exit(main())
