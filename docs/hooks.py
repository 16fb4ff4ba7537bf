"""MkDocs hooks (``mkdocs.yml``): two pages of the site are made when it is built, never
kept in git, so that they cannot go stale.

- ``index.md``, the home page: the repository's ``README.md``, its links into ``docs/``
  made relative to the site.
- ``schema.md``, the store's tables and columns: generated from ``TABLES`` of
  ``tracker/store/schema.py``. A table's comment (``--`` lines above its ``CREATE TABLE``
  line, or on it) says what one row is; a column's comment (on its line, continued on
  comment-only lines below it) what it holds. DuckDB itself reads the DDL for the
  columns' types and constraints, so any table added to ``TABLES`` is documented.

``schema_page`` and ``home_page`` are plain functions (no MkDocs import), tested in
``tests/unit/project/test_docs_pages.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SOURCE = "tracker/store/schema.py"

# a Markdown link or image target that points into docs/ from the repository's root
_DOCS_LINK = re.compile(r"\]\(docs/")
_CREATE = re.compile(r"^\s*CREATE\s+TABLE\b", re.IGNORECASE)
_COMMENT = re.compile(r"--\s?(.*)$")
_IDENTIFIER = re.compile(r"^\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    from mkdocs.structure.files import File

    from tracker.store import schema

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    files.append(File.generated(config, "index.md", content=home_page(readme)))
    page = schema_page(schema.TABLES, schema.SCHEMA_VERSION, schema.MIGRATIONS)
    files.append(File.generated(config, "schema.md", content=page))
    return files


def home_page(readme: str) -> str:
    """The README as the site's home page: ``docs/X.md`` links become ``X.md``."""
    return _DOCS_LINK.sub("](", readme)


# -- the schema page ---------------------------------------------------------------------


def schema_page(tables: Mapping[str, str], version: int, migrations: Mapping[int, list[str]]) -> str:
    """The Markdown page documenting every table of ``tables`` (name -> ``CREATE TABLE``)."""
    import duckdb

    lines = [
        "# Store schema",
        "",
        f"Schema version **{version}** (`meta.schema_version`). Generated from `TABLES` in "
        f"`{SCHEMA_SOURCE}` each time the site is built: the comments there are the source "
        "of this page. Columns holding JSON are `VARCHAR`: read them with DuckDB's "
        "`json_extract`. Where the store lives and how it is versioned: "
        "[the store](store.md).",
        "",
        " ".join(f"[`{name}`](#{_anchor(name)})" for name in tables),
    ]
    con = duckdb.connect()
    try:
        for name, ddl in tables.items():
            con.execute(ddl)
            lines += ["", *_table_section(con, name, ddl)]
    finally:
        con.close()
    lines += ["", "## Migrations", "",
              "A store of an older version is brought up to date, in order, when it is opened "
              "for writing.", ""]
    if migrations:
        lines += ["| to version | statements |", "|---|---|"]
        for to_version, statements in sorted(migrations.items()):
            cells = "<br>".join(f"`{_cell(s)}`" for s in statements)
            lines.append(f"| {to_version} | {cells} |")
    else:
        lines.append("None yet.")
    return "\n".join(lines) + "\n"


def _anchor(name: str) -> str:
    """The id Python-Markdown's toc gives a heading that is only the table's name."""
    return re.sub(r"[^\w-]", "", name.lower())


def _table_section(con, name: str, ddl: str) -> list[str]:
    description, column_notes = parse_comments(ddl)
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall()
    constraints = con.execute(
        "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
        "WHERE table_name = ? AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')",
        [name]).fetchall()
    keys: dict[str, list[str]] = {}
    for kind, names in constraints:
        for column in names:
            keys.setdefault(column, []).append(kind.lower())
    section = [f"## {name}", ""]
    if description:
        section += [_sentence(description), ""]
    section += ["| column | type | NULL | what it holds |", "|---|---|---|---|"]
    for column, data_type, nullable in columns:
        null = "yes" if nullable == "YES" else "no"
        if column in keys:
            null += " (" + ", ".join(keys[column]) + ")"
        section.append(f"| `{column}` | {data_type} | {null} | {_cell(column_notes.get(column, ''))} |")
    return section


def parse_comments(ddl: str) -> tuple[str, dict[str, str]]:
    """The table's comment and each column's, read from the ``--`` comments of its DDL."""
    table: list[str] = []
    notes: dict[str, list[str]] = {}
    column: str | None = None
    seen_create = False
    for line in ddl.splitlines():
        comment_match = _COMMENT.search(line)
        comment = comment_match.group(1).strip() if comment_match else ""
        code = line[: comment_match.start()] if comment_match else line
        if _CREATE.match(code):
            seen_create = True
            if comment:
                table.append(comment)
            continue
        if not code.strip():  # a comment-only line continues what came before it
            if comment:
                (notes.setdefault(column, []) if column else table).append(comment)
            continue
        if not seen_create:
            continue
        # a column's line, or a constraint's (its words are no column: they are not shown)
        identifier = _IDENTIFIER.match(code)
        column = identifier.group(1) if identifier else None
        if column and comment:
            notes.setdefault(column, []).append(comment)
    return " ".join(table), {name: " ".join(parts) for name, parts in notes.items()}


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")
