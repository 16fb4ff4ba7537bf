"""Time `tracker regressions` over a store of 1,000,000 results.

    python benchmarks/regressions_1m.py [--store PATH] [--cases 5000] [--repeat 3]

Builds (once; reused when PATH already holds it) a synthetic store through DuckDB bulk
inserts: one pipeline variant crossing 25 onnxruntime releases with 8 onnxscript releases
(200 environments, one of them unbuildable, numpy co-varying with the oldest onnxruntime),
120 packages per environment, 5,000 cases: 1,000,000 results and six metrics per result.
About one case in twenty breaks at some onnxruntime release, one in twenty gets fixed at
one, and the numbers carry noise with rare spikes (drift, slowdowns).

Then it times, best of ``--repeat``, the analysis behind `tracker regressions` (loading
the axes and finding the transitions, in process) and the whole command in a fresh
process (interpreter start, imports, query, JSON output to /dev/null). Target: under 1 s
for the analysis. Needs only the tracker core installed (`pip install -e .`).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tracker.analysis import find_transitions, load_groups
from tracker.store import Store

ORT_RELEASES = 25
SCRIPT_RELEASES = 8
PACKAGES_PER_ENV = 120

_ENVIRONMENTS = """
    CREATE TEMP TABLE synthetic_envs AS
    SELECT o, s, md5(o || '-' || s)[1:16] AS env_id,
           NOT (o = 0 AND s = $scripts - 1) AS buildable
    FROM range($orts) t(o), range($scripts) u(s);
    INSERT INTO environments
    SELECT env_id, 'torch-onnx.dynamo onnxruntime-1.' || o || '.0 onnxscript-0.' || s || '.0',
           '3.11.7', 'linux-x86_64', '{}',
           '{"onnxruntime": "==1.' || o || '.0", "onnxscript": "==0.' || s || '.0", '
             || '"torch": "==2.13.0"' || CASE WHEN o = 0 THEN ', "numpy": "<2"}' ELSE '}' END,
           buildable, now()
    FROM synthetic_envs;
    INSERT INTO env_packages
    SELECT env_id, 'onnxruntime', '1.' || o || '.0' FROM synthetic_envs WHERE buildable
    UNION ALL SELECT env_id, 'onnxscript', '0.' || s || '.0' FROM synthetic_envs WHERE buildable
    UNION ALL SELECT env_id, 'numpy', CASE WHEN o = 0 THEN '1.26.4' ELSE '2.4.6' END
              FROM synthetic_envs WHERE buildable
    UNION ALL SELECT env_id, 'torch', '2.13.0+cpu' FROM synthetic_envs WHERE buildable
    UNION ALL SELECT env_id, 'dependency-' || p, '1.' || p || '.0'
              FROM synthetic_envs, range($others) t(p) WHERE buildable;
"""

_CASES = """
    CREATE TEMP TABLE synthetic_cases AS
    SELECT i, 'case-' || lpad(i::VARCHAR, 5, '0') AS case_id, md5('case' || i)[1:16] AS case_hash,
           hash(i) AS h
    FROM range($cases) t(i);
    INSERT INTO cases
    SELECT case_id, case_hash, 'pytorch', 'unit', '["default"]', '[]', '{}', now()
    FROM synthetic_cases;
"""

_RESULTS = """
    CREATE TEMP TABLE synthetic AS
    SELECT md5(c.case_id || e.env_id) AS result_id, e.env_id, e.buildable, c.case_id, c.case_hash,
           CASE
               WHEN NOT e.buildable THEN 'env_error'
               WHEN c.h % 20 = 0 AND e.o >= (c.h // 20) % $orts THEN 'runtime_error'
               WHEN c.h % 20 = 1 AND e.o < (c.h // 20) % $orts THEN 'convert_error'
               ELSE 'ok'
           END AS outcome,
           hash(c.i, e.o, e.s) AS noise
    FROM synthetic_cases c, synthetic_envs e;
    INSERT INTO results (result_id, run_id, env_id, config_key, pipeline, variant, framework,
                         converter, runtime, case_id, case_hash, outcome, stage, signature,
                         run_seconds, created_at)
    SELECT result_id, 'run-' || env_id, env_id, 'config', 'torch-onnx', 'dynamo', 'pytorch',
           'torch.onnx', 'onnxruntime', case_id, case_hash, outcome,
           CASE outcome WHEN 'ok' THEN NULL WHEN 'runtime_error' THEN 'run' ELSE 'convert' END,
           CASE outcome WHEN 'ok' THEN NULL
                        WHEN 'runtime_error' THEN 'RuntimeError: kernel <n> failed'
                        WHEN 'convert_error' THEN 'UnsupportedOperatorError: aten::frob'
                        ELSE 'InstallError: no matching distribution' END,
           CASE WHEN buildable THEN (0.020 + (noise % 5) * 0.001)
                                    * CASE WHEN noise % 1009 = 0 THEN 2 ELSE 1 END END,
           now()
    FROM synthetic;
    INSERT INTO metrics
    SELECT result_id, CASE WHEN m.name LIKE '%ir%' OR m.name = 'nodes' THEN 'onnx-checker'
                           ELSE 'numeric' END,
           m.name,
           CASE m.name WHEN 'max_abs_error'
                THEN 1e-6 * (1 + noise % 5) * CASE WHEN noise % 997 = 0 THEN 30 ELSE 1 END
                ELSE 1.0 END
    FROM synthetic,
         (VALUES ('max_abs_error'), ('max_rel_error'), ('mismatch_fraction'), ('outputs'),
                 ('ir_version'), ('nodes')) m(name)
    WHERE outcome NOT IN ('env_error', 'convert_error');
"""


def build(path: Path, cases: int) -> None:
    params = {"orts": ORT_RELEASES, "scripts": SCRIPT_RELEASES, "others": PACKAGES_PER_ENV - 4,
              "cases": cases}
    with Store.open(path) as store:
        for script in (_ENVIRONMENTS, _CASES, _RESULTS):
            for statement in filter(str.strip, script.split(";")):
                names = [n for n in params if f"${n}" in statement]
                store.con.execute(statement, {n: params[n] for n in names})
        store.con.execute("CHECKPOINT")


def time_analysis(path: Path) -> tuple[float, collections.Counter[str]]:
    started = time.perf_counter()
    with Store.open(path, read_only=True) as store:
        transitions = find_transitions(store, load_groups(store))
    return time.perf_counter() - started, collections.Counter(t.kind for t in transitions)


def time_command(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tracker", "regressions", "--store", str(path), "--format", "json"],
        check=True, stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "tracker-1m.duckdb")
    parser.add_argument("--cases", type=int, default=5000, help="cases (x 200 environments)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    expected = args.cases * ORT_RELEASES * SCRIPT_RELEASES
    if args.store.exists():
        with Store.open(args.store, read_only=True) as store:
            (count,) = store.con.execute("SELECT count(*) FROM results").fetchone()
        if count != expected:
            args.store.unlink()
    if not args.store.exists():
        started = time.perf_counter()
        build(args.store, args.cases)
        print(f"built {args.store} ({args.store.stat().st_size / 2**20:.0f} MiB) "
              f"in {time.perf_counter() - started:.1f} s")
    with Store.open(args.store, read_only=True) as store:
        (results,), (metrics,) = (
            store.con.execute(f"SELECT count(*) FROM {t}").fetchone() for t in ("results", "metrics")
        )
    print(f"{results:,} results, {metrics:,} metrics, {ORT_RELEASES * SCRIPT_RELEASES} environments")

    analysis = [time_analysis(args.store) for _ in range(args.repeat)]
    kinds = analysis[0][1]
    print("found: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())))
    seconds = sorted(t for t, _ in analysis)
    print(f"analysis (load axes + find transitions): best {seconds[0]:.3f} s, "
          f"median {statistics.median(seconds):.3f} s  (target < 1 s)")
    command = sorted(time_command(args.store) for _ in range(args.repeat))
    print(f"`tracker regressions --format json` in a new process: best {command[0]:.3f} s, "
          f"median {statistics.median(command):.3f} s")
    return 0 if seconds[0] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
