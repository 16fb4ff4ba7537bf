"""The bisection's probe: the pair handed to ``nox -s sweep`` in a file, the environment
it used read back from the sweep's report file, never from its printed output."""

from __future__ import annotations

import json
import sys
import textwrap

from conftest import fake_pair_json

from tracker.bisect.probe import NoxSweep
from tracker.matrix import Pair

FAKE_NOX = """
import json, os, sys
from pathlib import Path

argv = sys.argv[1:]
(line,) = Path(os.environ["TRACKER_PAIRS_FILE"]).read_text().splitlines()
pair = json.loads(line)
report = Path(argv[argv.index("--report-file") + 1])
Path(sys.argv[0]).with_name("argv.json").write_text(json.dumps(argv))
print("environment 0000000000000000: printed text is not read")
if pair["variant"] != "failing":
    report.write_text(json.dumps({"label": "l", "env_id": "0123456789abcdef", "status": "finished",
                                  "counts": {"selected": 0, "reused": 0, "computed": 0, "not_applicable": 0},
                                  "outcomes": {}}))
sys.exit(int(pair["variant"] == "failing"))
"""


def test_the_probe_hands_the_pair_over_in_a_file_and_reads_the_environment_back(tmp_path):
    script = tmp_path / "fake_nox.py"
    script.write_text(textwrap.dedent(FAKE_NOX))
    pair = Pair.from_json(fake_pair_json())
    probe = NoxSweep(nox=[sys.executable, str(script)], options=["--set", "smoke"])
    assert probe(pair) == "0123456789abcdef"
    argv = json.loads((tmp_path / "argv.json").read_text())
    assert argv[:5] == ["-s", f"sweep({pair.id})", "--", "--set", "smoke"] and argv[5] == "--report-file"
    failing = Pair.from_json(fake_pair_json(variant="failing"))
    assert probe(failing) is None
