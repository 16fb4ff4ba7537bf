"""The probe of ``nox -s bisect``: ``nox -s "sweep(<pair>)"`` for a pair outside the matrix.

The pair goes to the sweep session in a file (named by ``TRACKER_PAIRS_FILE``), and the
environment it used comes back in the sweep's report file (``--report-file``): nothing
is read from the sweep's output, which goes to this process's own.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tracker.cli.sweep_args import PAIRS_FILE_VARIABLE
from tracker.matrix import Pair
from tracker.sweep_report import SweepReport


@dataclasses.dataclass(frozen=True)
class NoxSweep:
    """Sweeps one pair through ``nox`` (a :data:`tracker.bisect.driver.Probe`).

    :param nox: the command that runs nox with the project's noxfile
        (``[python, "-m", "nox", "-f", noxfile]``, python being the interpreter nox runs in).
    :param options: the sweep options (``tracker.cli.sweep_args.forwarded``).
    """

    nox: Sequence[str]
    options: Sequence[str] = ()

    def __call__(self, pair: Pair) -> str | None:
        """The id of the environment the sweep stored results under; None when it failed."""
        with tempfile.TemporaryDirectory(prefix="tracker-bisect-") as scratch:
            pairs_file, report_file = Path(scratch) / "pairs.jsonl", Path(scratch) / "report.json"
            pairs_file.write_text(pair.to_json() + "\n", encoding="utf-8")
            command = [*self.nox, "-s", f"sweep({pair.id})", "--", *self.options, "--report-file", str(report_file)]
            for stream in (sys.stdout, sys.stderr):  # our lines before the sweep's
                stream.flush()
            process = subprocess.run(command, env={**os.environ, PAIRS_FILE_VARIABLE: str(pairs_file)}, check=False)
            if process.returncode != 0 or not report_file.is_file():
                return None
            return SweepReport.read(report_file).env_id
