"""The pages docs/hooks.py generates for the docs site: the store schema page must document
every table of TABLES, including one added later, from the comments in its DDL."""

import importlib.util
from pathlib import Path

import duckdb
import pytest

from tracker.store.schema import MIGRATIONS, SCHEMA_VERSION, TABLES

HOOKS = Path(__file__).resolve().parents[3] / "docs" / "hooks.py"


@pytest.fixture(scope="module")
def hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", HOOKS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _columns(ddl: str) -> list[str]:
    con = duckdb.connect()
    con.execute(ddl)
    (table,) = con.execute("SELECT table_name FROM information_schema.tables").fetchone()
    names = [row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()]
    con.close()
    return names


def test_every_table_and_column_of_the_schema_is_on_the_page(hooks):
    page = hooks.schema_page(TABLES, SCHEMA_VERSION, MIGRATIONS)
    assert f"Schema version **{SCHEMA_VERSION}**" in page
    for name, ddl in TABLES.items():
        assert f"\n## {name}\n" in page
        for column in _columns(ddl):
            assert f"| `{column}` |" in page, f"{name}.{column} is not documented"
    # a column comment of today's schema, and a table comment
    assert "| `buildable` | BOOLEAN | no | false: the pair could not be built (env_error) |" in page
    assert "One row per (result, oracle)." in page


def test_a_table_added_to_tables_is_documented_from_its_comments(hooks):
    tables = {**TABLES, "baselines": """
        -- one row per (case, pipeline): the outcome a maintainer declared expected
        CREATE TABLE baselines (
            case_id   VARCHAR NOT NULL,   -- the case
            pipeline  VARCHAR NOT NULL,
            outcome   VARCHAR,            -- expected outcome | NULL: any
                                          -- (one of tracker.outcomes)
            noted_at  TIMESTAMP,
            PRIMARY KEY (case_id, pipeline)
        )"""}
    page = hooks.schema_page(tables, SCHEMA_VERSION + 1, {})
    section = page[page.index("\n## baselines\n"):]
    assert "One row per (case, pipeline): the outcome a maintainer declared expected." in section
    assert "| `case_id` | VARCHAR | no (primary key) | the case |" in section
    assert "| `pipeline` | VARCHAR | no (primary key) |  |" in section
    assert "| `outcome` | VARCHAR | yes | expected outcome \\| NULL: any (one of tracker.outcomes) |" in section
    assert "| `noted_at` | TIMESTAMP | yes |  |" in section
    assert "`PRIMARY`" not in section
    assert "[`baselines`](#baselines)" in page


def test_the_readme_becomes_the_home_page_with_links_into_the_site(hooks):
    readme = "See [the oracles](docs/oracles.md#whose-fault) and ![a picture](docs/report.png), not `docs/x`."
    assert hooks.home_page(readme) == (
        "See [the oracles](oracles.md#whose-fault) and ![a picture](report.png), not `docs/x`.")
