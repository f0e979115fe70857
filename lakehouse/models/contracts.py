"""The silver tables' contracts: one declaration per table, which every other form derives from.

Gold, export, report and the Athena target code against these tables, so the ingest checks
every model result against its contract before anything is written (a model that drifts from
the contract fails loudly instead of publishing a table its readers cannot use), and a table
that does not exist yet is exposed to the models as an empty relation of this shape. The
Athena DDL (`lakehouse.aws.schemas`), the hand-built silver of the gold tests
(`tests/gold/silver_fixture.py`) and the tables of docs/CONTRACTS.md (generated, and checked
by `tests/docs/test_contracts_doc.py`) are all derived from `CONTRACTS`. A table's key and
partitioning are its model's headers (`@unique_key`, `@partitioned_by` in `sql/silver/`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.errors import EngineError

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """DuckDB type; `lakehouse.aws.ddl.athena_type` maps it for Athena."""
    doc: str = ""
    """What the value means, for docs/CONTRACTS.md (markdown)."""


@dataclass(frozen=True)
class Contract:
    table: str
    """`silver.<t>`, written by the model `sql/silver/<t>.sql`."""
    doc: str
    """What one row is and what readers rely on, for docs/CONTRACTS.md (markdown)."""
    columns: tuple[Column, ...]

    @property
    def schema(self) -> dict[str, str]:
        """{column: DuckDB type}, in column order."""
        return {c.name: c.type for c in self.columns}


def _audit(entity_key: tuple[Column, ...]) -> tuple[Column, ...]:
    """The columns of err_feedback / err_test_scores / err_dimensions around the entity's key."""
    return (
        Column("source_batch_id", "VARCHAR"),
        Column("source_file", "VARCHAR"),
        Column("source_row", "BIGINT", "1-based data row number in the file"),
        Column("raw_id", "VARCHAR", "the key field as in the file"),
        Column("raw_record", "VARCHAR", "the raw row, comma-joined in the file contract's order"),
        *entity_key,
        Column("reason_code", "VARCHAR", "one of the table's reason codes (above)"),
        Column("action", "VARCHAR", "`rejected`, `repaired`, `flagged`, `superseded`"),
        Column("detail", "VARCHAR", "human readable"),
        Column("slv_ingest_ts", "TIMESTAMP"),
        Column("ingest_date", "DATE", "the batch (partition key)"),
    )


_LINEAGE = (
    Column("source_batch_id", "VARCHAR", "`migration` or `sim_YYYY-MM-DD`"),
    Column("ingest_date", "DATE", "the raw partition the kept row came from"),
    Column("raw_ingest_ts", "TIMESTAMP", "the raw row's ingest_ts (history: 2025-12-31 00:00:00)"),
    Column("slv_ingest_ts", "TIMESTAMP", "ingest date 01:00:00 (never the wall clock)"),
)
_SCD2 = (
    Column("created_ts", "TIMESTAMP"),
    Column("updated_ts", "TIMESTAMP"),
    Column("effective_start_ts", "TIMESTAMP", "the version is valid from here (inclusive)"),
    Column("effective_end_ts", "TIMESTAMP", "... to here (exclusive); open: 9999-12-31 23:59:59"),
    Column("is_current", "BOOLEAN", "the open version; exactly one per id"),
    Column("change_type", "VARCHAR", "`MIGRATION`, `INSERT` or `UPDATE`"),
    Column("source_batch_id", "VARCHAR"),
    Column("raw_ingest_ts", "TIMESTAMP"),
    Column("slv_ingest_ts", "TIMESTAMP"),
)
_PERSON = (
    Column("first_name", "VARCHAR"),
    Column("last_name", "VARCHAR"),
    Column("sex", "VARCHAR"),
    Column("date_of_birth", "DATE"),
)

CONTRACTS: tuple[Contract, ...] = (
    Contract(
        "silver.fct_sessions",
        "One row per session id.",
        (
            Column("session_id", "BIGINT", "business key"),
            Column("student_id", "BIGINT"),
            Column(
                "tutor_id",
                "BIGINT",
                "filled from the student's most recent known tutor when missing",
            ),
            Column("subject_id", "INTEGER", "0..6, missing -> 1"),
            Column("session_ts", "TIMESTAMP", "the stamp, clamped to the batch's ingest time"),
            Column("duration_hours", "DOUBLE", "missing -> 1.0, >= 60 -> /60"),
            Column("status", "INTEGER", "0 Completed, 1 No-Show, 2 Cancelled; missing -> 0"),
            Column("is_billable", "BOOLEAN", "status in (0, 1)"),
            Column(
                "student_sk",
                "BIGINT",
                "surrogate key of the dim_students row valid at session_ts; a session stamped "
                "before the id's first version gets that first version (flagged "
                "`ERR_BEFORE_FIRST_VERSION`); NULL only for orphans",
            ),
            Column("tutor_sk", "BIGINT", "the same for dim_tutors"),
            Column(
                "is_orphan",
                "BOOLEAN",
                "student or tutor id unknown to the dimensions; cleared when the missing id "
                "arrives in a later batch",
            ),
            Column(
                "dq_flags",
                "VARCHAR",
                "comma-separated reason codes of repairs applied to the kept row ('' if none)",
            ),
            *_LINEAGE,
            Column("session_month", "VARCHAR", "'YYYY-MM' of session_ts (partition key)"),
        ),
    ),
    Contract(
        "silver.err_sessions",
        "The audit trail: one row per raw row that was repaired, flagged, superseded or "
        "rejected, and per reason (a row repaired for two reasons has two rows). Rejected rows "
        "are the only ones silver does not keep.",
        (
            Column("source_batch_id", "VARCHAR"),
            Column("source_file", "VARCHAR"),
            Column("source_row", "BIGINT", "1-based data row number in the file"),
            *(
                Column(f"raw_{name}", "VARCHAR", "as in the file")
                for name in (
                    "session_id",
                    "student_id",
                    "tutor_id",
                    "subject_id",
                    "stamp",
                    "duration",
                    "status",
                )
            ),
            Column("session_id", "BIGINT", "NULL when unparseable"),
            Column(
                "reason_code",
                "VARCHAR",
                "repairs `ERR_INVALID_DESCRIPTOR` (missing duration), `ERR_UNITS_RANGE`, "
                "`ERR_MISSING_SUBJECT`, `ERR_MISSING_STATUS`, `ERR_MISSING_TUTOR`, "
                "`ERR_INVALID_STAMP`, `ERR_INVALID_INGEST_TS`; supersedes `DUPLICATE_EMISSION`, "
                "`SUPERSEDED_LATER_BATCH`; rejections `ERR_MISSING_KEY`, `ERR_UNPARSEABLE`, "
                "`ERR_MALFORMED_STAMP`, `ERR_MALFORMED_ROW`, `ERR_OUT_OF_RANGE`; flags "
                "`ERR_ORPHAN_STUDENT`, `ERR_ORPHAN_TUTOR`, `ERR_BEFORE_FIRST_VERSION` "
                "([silver.md](silver.md) has the full rule table)",
            ),
            Column("action", "VARCHAR", "`repaired`, `superseded`, `rejected`, `flagged`"),
            Column("detail", "VARCHAR", "human readable"),
            Column("slv_ingest_ts", "TIMESTAMP"),
            Column("ingest_date", "DATE", "the batch (partition key)"),
        ),
    ),
    Contract(
        "silver.dim_students",
        "SCD2 history of the students: one row per student version.",
        (
            Column("student_sk", "BIGINT", "surrogate key of the version, kept forever"),
            Column("student_id", "BIGINT", "business key"),
            *_PERSON,
            Column("grade", "INTEGER"),
            Column("status", "VARCHAR", "`Active` or `Inactive`"),
            Column("contract_rate", "DOUBLE", "what the student pays per hour"),
            *_SCD2,
        ),
    ),
    Contract(
        "silver.dim_tutors",
        "SCD2 history of the tutors, as dim_students; a status change opens a version.",
        (
            Column("tutor_sk", "BIGINT", "surrogate key of the version, kept forever"),
            Column("tutor_id", "BIGINT", "business key"),
            *_PERSON,
            Column("contract_rate", "DOUBLE", "what the tutor is paid per hour"),
            Column("active_students", "INTEGER"),
            Column("status", "VARCHAR", "`Active`, `Leaving` or `Departed`"),
            *_SCD2,
        ),
    ),
    Contract(
        "silver.ingest_batches",
        "One row per ingested batch and entity: the reconciliation record. For sessions, "
        "raw_rows = kept_rows + superseded_rows + rejected_rows (kept counts rows of the batch "
        "that are in fct_sessions after the ingest; a later batch superseding one of them does "
        "not rewrite this row: the replaced row is audited as `SUPERSEDED_LATER_BATCH` in the "
        "later batch's err partition, and `lakehouse check` verifies the earlier batch as rows "
        "still in the fact + rows replaced later). Every batch has a row for each entity (zeros "
        "when the batch has no file of it).",
        (
            Column("ingest_date", "DATE"),
            Column("source_batch_id", "VARCHAR"),
            Column(
                "entity",
                "VARCHAR",
                "`sessions`, `students`, `tutors`, `feedback` or `test_scores`",
            ),
            Column("source_files", "VARCHAR"),
            Column("raw_rows", "BIGINT"),
            Column("kept_rows", "BIGINT"),
            Column("repaired_rows", "BIGINT"),
            Column("superseded_rows", "BIGINT"),
            Column("rejected_rows", "BIGINT"),
            Column("slv_ingest_ts", "TIMESTAMP"),
        ),
    ),
    Contract(
        "silver.dim_subjects",
        "The subjects a session can have (static; key subject_id).",
        (
            Column("subject_id", "INTEGER"),
            Column("subject_name", "VARCHAR"),
            Column("is_test_prep", "BOOLEAN", "standardized test preparation (SAT/ACT/PSAT+)"),
        ),
    ),
    Contract(
        "silver.dim_appt_status",
        "The statuses a session can have (static; key status_id).",
        (
            Column("status_id", "INTEGER"),
            Column("status_name", "VARCHAR"),
            Column("is_billable", "BOOLEAN", "a No-Show is billed, a cancel with notice is not"),
        ),
    ),
    Contract(
        "silver.fct_feedback",
        "One row per rated session: the client's latest rating.",
        (
            Column("session_id", "BIGINT"),
            Column("rating", "INTEGER", "1-5"),
            Column("comment", "VARCHAR", "NULL when none"),
            Column("submitted_ts", "TIMESTAMP"),
            Column("is_orphan", "BOOLEAN", "the session was unknown to fct_sessions"),
            *_LINEAGE,
        ),
    ),
    Contract(
        "silver.err_feedback",
        "err_sessions' twin for the feedback rows. Reasons: rejections `ERR_MALFORMED_ROW`, "
        "`ERR_MISSING_KEY` (no session id or rating), `ERR_UNPARSEABLE`, `ERR_OUT_OF_RANGE` (a "
        "rating outside 1-5), `ERR_MALFORMED_STAMP` (`submitted`); supersedes "
        "`DUPLICATE_EMISSION` (an earlier submission in the batch), `SUPERSEDED_LATER_BATCH` (a "
        "rating a later batch replaced; `source_batch_id` = the earlier batch, `source_file` "
        "NULL); flag "
        "`ERR_ORPHAN_SESSION`; repair `ERR_INVALID_INGEST_TS`.",
        _audit((Column("session_id", "BIGINT", "NULL when unparseable"),)),
    ),
    Contract(
        "silver.fct_test_scores",
        "One row per score: a student's score on a test on a date.",
        (
            Column("student_id", "BIGINT"),
            Column("test", "VARCHAR"),
            Column("test_date", "DATE"),
            Column("score", "INTEGER", "400-1600"),
            Column("is_orphan", "BOOLEAN", "the student was unknown to dim_students"),
            *_LINEAGE,
        ),
    ),
    Contract(
        "silver.err_test_scores",
        "err_feedback's twin for the test-score rows, with `student_id` for `session_id`; "
        "reasons as for feedback, with `ERR_OUT_OF_RANGE` for a score outside 400-1600, "
        "`ERR_MALFORMED_STAMP` for a `test_date` no rule can read, `ERR_MALFORMED_DATE` "
        "(repaired: a date written M/D/YYYY), `ERR_ORPHAN_STUDENT` (flagged).",
        _audit((Column("student_id", "BIGINT", "NULL when unparseable"),)),
    ),
    Contract(
        "silver.err_dimensions",
        "err_sessions' twin for the student and tutor delta rows, so no dimension row is ever "
        "lost either. Reason codes: rejections `ERR_MALFORMED_ROW`, `ERR_MISSING_KEY`, "
        "`ERR_UNPARSEABLE` (the id), `ERR_MALFORMED_STAMP`; repairs `ERR_UNPARSEABLE` (an "
        "attribute kept NULL), `ERR_INVALID_CHANGE_TYPE`, `ERR_INVALID_INGEST_TS`, "
        "`ERR_RATE_UNITS` (a rate of 1,000 or more read as cents), `ERR_MALFORMED_DATE` (a date "
        "of birth written M/D/YYYY), `ERR_MISSING_FIELD` (an empty field taken from the id's "
        "version valid at `updated`; `flagged` and kept NULL when there is none), "
        "`ERR_UPDATE_BEFORE_INSERT` (an UPDATE of an id silver has no version of: its first "
        "version, INSERT from `created`); supersedes `DUPLICATE_EMISSION` and "
        "`ERR_UPDATE_BEFORE_INSERT` (an INSERT of an id silver already has from that time).",
        (
            Column("entity", "VARCHAR", "`students` or `tutors`"),
            *_audit(
                (Column("entity_id", "BIGINT", "the student or tutor id; NULL when unparseable"),)
            ),
        ),
    ),
)
"""Every silver table readers may rely on (the staging views are the ingest's own)."""

SILVER_SCHEMAS: dict[str, dict[str, str]] = {c.table: c.schema for c in CONTRACTS}
"""{table: {column: DuckDB type}}: the contracts' shapes, as the ingest and the engines use them."""


def relation_schema(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """{column: DuckDB type} of a table or view in the connection, in column order."""
    rows = con.execute(f"DESCRIBE {relation}").fetchall()
    return {name: str(dtype) for name, dtype, *_ in rows}


def check_schema(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> None:
    """Fail unless `relation` has exactly the contract's columns and types for `table`."""
    expected = SILVER_SCHEMAS[table]
    actual = relation_schema(con, relation)
    if list(actual.items()) != list(expected.items()):  # dicts compare equal in any order
        missing = [c for c in expected if c not in actual]
        extra = [c for c in actual if c not in expected]
        typed = [
            f"{c} is {actual[c]}, contract says {t}"
            for c, t in expected.items()
            if c in actual and actual[c] != t
        ]
        order = "" if missing or extra or typed else "column order differs from the contract"
        problems = "; ".join(
            p
            for p in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(extra)}" if extra else "",
                "; ".join(typed),
                order,
            )
            if p
        )
        raise EngineError(
            f"model for {table} does not match its contract (lakehouse/models/contracts.py, "
            f"docs/CONTRACTS.md): {problems}"
        )


def create_empty(con: duckdb.DuckDBPyConnection, table: str, name: str) -> None:
    """An empty table `name` with the contract's columns of `table` (a table not yet written)."""
    columns = ", ".join(f"{col} {dtype}" for col, dtype in SILVER_SCHEMAS[table].items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
