"""Golden files of the rendered Athena SQL: the DDL and every model's statement sequence, as
`lakehouse deploy render` writes them for the example batch. Any difference fails with a diff.

After an intended change (a model, a strategy, the DDL), regenerate and review the diff:

    LAKEHOUSE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/aws/test_golden.py

Every statement of every file must also parse in sqlglot's Athena dialect (not as an opaque
`Command`, sqlglot's fallback for text it does not understand)."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.aws.render import sql_files
from lakehouse.config import load_settings

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LAKEHOUSE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    settings = load_settings(
        environ={}, overrides={"lake": "s3://tutor-test-lake/lake", "engine": "athena"}
    )
    return sql_files(settings)


def test_rendered_sql_matches_the_golden_files(rendered):
    if UPDATE:
        for old in GOLDEN.rglob("*.sql"):
            old.unlink()
        for rel, text in rendered.items():
            path = GOLDEN / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    golden = {p.relative_to(GOLDEN).as_posix(): p.read_text() for p in GOLDEN.rglob("*.sql")}
    assert sorted(rendered) == sorted(golden), "files added or removed: regenerate (see above)"
    diffs = []
    for rel, text in rendered.items():
        if text != golden[rel]:
            diff = difflib.unified_diff(
                golden[rel].splitlines(),
                text.splitlines(),
                f"golden/{rel}",
                "rendered",
                lineterm="",
            )
            diffs.append("\n".join(list(diff)[:60]))
    assert not diffs, "rendered Athena SQL differs from the golden files:\n" + "\n\n".join(diffs)


def test_every_rendered_statement_parses_as_athena(rendered):
    counts = {}
    for rel, text in rendered.items():
        statements = [s for s in sqlglot.parse(text, read="athena") if s is not None]
        assert statements, rel
        for statement in statements:
            assert not isinstance(statement, exp.Command), f"{rel}: {statement.sql()[:80]}"
        counts[rel] = len(statements)
    assert counts["ddl/00_databases.sql"] == 3
    assert counts["ddl/10_bronze.sql"] == 5  # sessions, students, tutors, feedback, test scores
    # every stored kind: drop stale stage, stage CTAS, its DML, drop the stage
    assert counts["sql/silver/fct_sessions.sql"] == 4  # ... one MERGE
    assert counts["sql/gold/monthly_revenue.sql"] == 5  # ... DELETE, INSERT
    assert counts["sql/silver/stg_sessions.sql"] == 2  # ephemeral: drop, CTAS
    assert not [p for p in rendered if "publish" in p]  # gold is read where Athena wrote it


def test_no_duckdb_only_spelling_survives(rendered):
    """The golden SQL is Athena's: no DuckDB-only spelling survived the transpilation."""
    text = "\n".join(rendered.values())
    for duckdb_only in ("read_csv", "read_parquet", "CREATE OR REPLACE TABLE", "EXCLUDE (", "::"):
        assert duckdb_only not in text
