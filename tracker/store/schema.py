"""The store's schema, versioned, with ordered migrations.

Documented table by table on the docs site's "Store schema" page (``docs/schema.md``),
which ``docs/hooks.py`` generates from the comments in ``TABLES`` when ``nox -s docs``
builds the site: a table's comment (on its ``CREATE TABLE`` line) says what one row is,
a column's comment (on its line) what it holds. Columns that hold JSON are ``VARCHAR``;
DuckDB's ``json_extract`` reads them.
"""

from __future__ import annotations

SCHEMA_VERSION = 6
# The oldest version that readers (read-only) take as it is, unmigrated: the tables added
# since (version 3: ``oracle_metrics``, version 4: ``run_times``) stand in empty, as
# temporary tables, and the columns added since (version 4: ``results.localized_by``, the
# stage timings, ``verdicts.seconds``, ``runs.sweep_id``; version 6: ``runs.timer_noise_seconds``,
# ``conversions.notes``)
# as NULLs, in temporary views; version 6's ``samples`` stands in empty.
OLDEST_READABLE = 2

TABLES = {
    "meta": """
        CREATE TABLE meta (  -- one row per setting: schema_version, created_by
            key   VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL
        )""",
    "environments": """
        CREATE TABLE environments (  -- one row per environment as really installed
            env_id      VARCHAR NOT NULL,   -- hash of python, platform, installed packages
            label       VARCHAR,            -- the matrix pair it was built for
            python      VARCHAR NOT NULL,
            platform    VARCHAR NOT NULL,
            packages    VARCHAR NOT NULL,   -- JSON {distribution: version}, as installed
            requested   VARCHAR,            -- JSON {distribution: specifier}, as asked
            buildable   BOOLEAN NOT NULL,   -- false: the pair could not be built (env_error)
            first_seen  TIMESTAMP NOT NULL
        )""",
    "env_packages": """
        CREATE TABLE env_packages (  -- one row per (environment built, distribution): which onnxruntime, in SQL
            -- (an environment that could not be built has none: see environments.requested)
            env_id   VARCHAR NOT NULL,
            name     VARCHAR NOT NULL,      -- canonical (PEP 503) distribution name
            version  VARCHAR NOT NULL       -- as installed
        )""",
    "cases": """
        CREATE TABLE cases (  -- one row per (case id, content hash)
            case_id     VARCHAR NOT NULL,
            case_hash   VARCHAR NOT NULL,   -- content hash of what defines the case
            framework   VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,   -- real | unit | synthetic
            sets        VARCHAR NOT NULL,   -- JSON list of model sets
            tags        VARCHAR NOT NULL,   -- JSON list
            recipe      VARCHAR NOT NULL,   -- JSON: builder, source, params, inputs, seed
            first_seen  TIMESTAMP NOT NULL
        )""",
    "runs": """
        CREATE TABLE runs (  -- one row per `tracker run` invocation
            run_id         VARCHAR NOT NULL,
            env_id         VARCHAR NOT NULL,
            label          VARCHAR,
            pipeline       VARCHAR NOT NULL,
            variant        VARCHAR NOT NULL,
            model_set      VARCHAR,
            manifest_hash  VARCHAR NOT NULL, -- hash of the (case id, case hash) list run
            case_count     INTEGER NOT NULL,
            computed       INTEGER,          -- results computed by this run
            reused         INTEGER,          -- results already in the store, not recomputed
            status         VARCHAR NOT NULL, -- running | finished | interrupted | failed | killed
                                         -- (killed: the next writer found it still running)
            argv           VARCHAR,
            tracker_version VARCHAR NOT NULL,
            host           VARCHAR,
            started_at     TIMESTAMP NOT NULL,
            finished_at    TIMESTAMP,
            sweep_id       VARCHAR,          -- the `nox -s sweep` invocation it belongs to (TRACKER_SWEEP_ID)
            timer_noise_seconds DOUBLE       -- the machine's timing noise measured as the run began: a
                                         -- slowdown must exceed it (tracker.worker.noise)
        )""",
    "conversions": """
        CREATE TABLE conversions (  -- one row per (converter fingerprint, case hash, options)
            conversion_key  VARCHAR NOT NULL, -- hash(converter fingerprint, case hash, options)
            converter       VARCHAR NOT NULL,
            variant         VARCHAR NOT NULL,
            options         VARCHAR NOT NULL, -- JSON
            fingerprint     VARCHAR NOT NULL, -- JSON: python, platform, package versions
            case_id         VARCHAR NOT NULL,
            case_hash       VARCHAR NOT NULL,
            outcome         VARCHAR NOT NULL, -- ok | convert_error | crash | timeout
            subkind         VARCHAR,
            signature       VARCHAR,
            message         VARCHAR,
            artifact        VARCHAR,          -- path relative to the cache directory
            artifact_sha256 VARCHAR,
            artifact_bytes  BIGINT,
            seconds         DOUBLE,
            created_at      TIMESTAMP NOT NULL,
            fault_stage     VARCHAR,          -- the converter stage that failed (api.FAILURE_STAGES)
            notes           VARCHAR           -- what the converter warned or logged while converting, a line each
        )""",
    "results": """
        CREATE TABLE results (  -- one row per (environment, configuration, case, hash)
            result_id          VARCHAR NOT NULL,
            run_id             VARCHAR NOT NULL,
            env_id             VARCHAR NOT NULL,
            config_key         VARCHAR NOT NULL, -- hash of pipeline, variant, options
            pipeline           VARCHAR NOT NULL,
            variant            VARCHAR NOT NULL,
            framework          VARCHAR NOT NULL,
            converter          VARCHAR NOT NULL,
            runtime            VARCHAR NOT NULL,
            case_id            VARCHAR NOT NULL,
            case_hash          VARCHAR NOT NULL,
            outcome            VARCHAR NOT NULL, -- the taxonomy of tracker.outcomes
            subkind            VARCHAR,          -- unsupported, SIGSEGV, memory, nan, ...
            stage              VARCHAR,          -- where it failed (tracker.outcomes.STAGES)
            signature          VARCHAR,          -- normalised error signature
            message            VARCHAR,          -- truncated, valid UTF-8
            conversion_key     VARCHAR,
            conversion_reused  BOOLEAN,
            reference_seconds  DOUBLE,           -- the judged samples and the framework's outputs
            convert_seconds    DOUBLE,           -- the conversion's (the stored one's when reused)
            load_seconds       DOUBLE,
            run_seconds        DOUBLE,           -- the judged samples
            wall_seconds       DOUBLE,           -- the child's life, as its parent saw it
            peak_rss_mb        DOUBLE,
            log_path           VARCHAR,
            created_at         TIMESTAMP NOT NULL,
            fault_location     VARCHAR,          -- whose fault a failure is: converter | runtime | undetermined
            fault_stage        VARCHAR,          -- the converter stage that failed (api.FAILURE_STAGES)
            localized_by       VARCHAR,          -- the result (result_id) whose localization this one shares: the same
                                                 -- environment and failure signature; NULL: localized itself, or not
            setup_seconds      DOUBLE,           -- the child's own setup from its fork: registry, components
            extra_sets_seconds DOUBLE,           -- making or loading the extra input sets
            extra_runs_seconds DOUBLE,           -- running every extra input set once
            localize_seconds   DOUBLE,           -- the second runtime localizing a failure
            timeout_seconds    DOUBLE,           -- the time limit per case it was computed under (--timeout)
            memory_limit_mb    DOUBLE            -- the memory limit per case it was computed under (--memory-limit);
                                                 -- a timeout or crash under a lower limit than a rerun's is recomputed
        )""",
    "verdicts": """
        CREATE TABLE verdicts (  -- one row per (result, oracle)
            result_id  VARCHAR NOT NULL,
            oracle     VARCHAR NOT NULL,
            passed     BOOLEAN,                 -- NULL: not applicable
            subkind    VARCHAR,
            message    VARCHAR,
            seconds    DOUBLE                   -- the oracle's own computation (its repeated runs too)
        )""",
    "metrics": """
        CREATE TABLE metrics (  -- one row per (result, oracle, name)
            result_id  VARCHAR NOT NULL,
            oracle     VARCHAR NOT NULL,
            name       VARCHAR NOT NULL,
            value      DOUBLE               -- every number an oracle measured, whatever its verdict
        )""",
    "samples": """
        CREATE TABLE samples (  -- one row per (result, oracle, name): repeated measurements of one metric
            result_id  VARCHAR NOT NULL,
            oracle     VARCHAR NOT NULL,
            name       VARCHAR NOT NULL,    -- the metric they are samples of (role latency: seconds per run)
            "values"   DOUBLE[] NOT NULL    -- in the order taken
        )""",
    "oracle_metrics": """
        CREATE TABLE oracle_metrics (   -- what the oracles declare their metrics are for (api.MetricDeclaration)
            oracle       VARCHAR NOT NULL,
            name         VARCHAR NOT NULL, -- metrics.name
            role         VARCHAR NOT NULL, -- api.METRIC_ROLES: drift | report | history
            label        VARCHAR NOT NULL, -- a report's column; one column per label
            aggregate    VARCHAR NOT NULL, -- api.METRIC_AGGREGATES: mean | median | count
            priority     INTEGER NOT NULL, -- lower first: column order, and which of one label is shown
            description  VARCHAR NOT NULL,
            recorded_at  TIMESTAMP NOT NULL
        )""",
    "run_times": """
        CREATE TABLE run_times (  -- one row per (pair swept, stage): where a `tracker run` spent its time
            -- the case stages are summed over the run's results (a reused conversion counts 0);
            -- `tracker time` prints them, tracker.store.times reads them
            run_id      VARCHAR NOT NULL,   -- runs.run_id (a pair with nothing new to run has none there)
            sweep_id    VARCHAR,            -- the `nox -s sweep` invocation (NULL: tracker run by hand)
            pair        VARCHAR NOT NULL,   -- the matrix pair's id
            stage       VARCHAR NOT NULL,   -- tracker.store.times.STAGES, or "oracle NAME", or "wall"
            seconds     DOUBLE NOT NULL,    -- summed over the cases; "wall": the pair's, env build included
            cases       INTEGER,            -- the cases that spent time in it (a pair's own stage: all it computed)
            parallel    INTEGER NOT NULL,   -- how many ran at once: --jobs for case stages, else 1
            recorded_at TIMESTAMP NOT NULL
        )""",
}

# version -> statements that bring a store from version-1 to version.
MIGRATIONS: dict[int, list[str]] = {
    # 2: where a failure lies (a second runtime localizes it) and the converter's stage
    2: [
        "ALTER TABLE results ADD COLUMN IF NOT EXISTS fault_location VARCHAR",
        "ALTER TABLE results ADD COLUMN IF NOT EXISTS fault_stage VARCHAR",
        "ALTER TABLE conversions ADD COLUMN IF NOT EXISTS fault_stage VARCHAR",
    ],
    # 3: the oracles' declarations travel with their metrics, for readers without the plugins
    3: [TABLES["oracle_metrics"].replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)],
    # 4: a failure localized once per (environment, signature), the others refer to it;
    # where the time goes: every stage of a case, each oracle's, the run's own (issue 17)
    4: [
        "ALTER TABLE results ADD COLUMN IF NOT EXISTS localized_by VARCHAR",
        *(f"ALTER TABLE results ADD COLUMN IF NOT EXISTS {column} DOUBLE"
          for column in ("setup_seconds", "extra_sets_seconds", "extra_runs_seconds", "localize_seconds")),
        "ALTER TABLE verdicts ADD COLUMN IF NOT EXISTS seconds DOUBLE",
        "ALTER TABLE runs ADD COLUMN IF NOT EXISTS sweep_id VARCHAR",
        TABLES["run_times"].replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1),
    ],
    # 5: the limits a result was computed under, so that a rerun under raised limits
    # recomputes the timeouts and crashes they may have caused (issue 20)
    5: [f"ALTER TABLE results ADD COLUMN IF NOT EXISTS {column} DOUBLE"
        for column in ("timeout_seconds", "memory_limit_mb")],
    # 6: latency samples and the machine's timing noise, so that a slowdown is judged on
    # statistics, not on one run per side (issue 19)
    6: [TABLES["samples"].replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1),
        "ALTER TABLE runs ADD COLUMN IF NOT EXISTS timer_noise_seconds DOUBLE",
        # what a converter said while converting: an opset it did not write, and why
        "ALTER TABLE conversions ADD COLUMN IF NOT EXISTS notes VARCHAR"],
}
