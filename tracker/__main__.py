import sys

from tracker.cli import main

if __name__ == "__main__":  # the guard matters: fork-server children re-import __main__
    sys.exit(main())
