"""The silver tables' columns and types, as docs/CONTRACTS.md binds them.

Gold, export, report and the Athena target code against these schemas, so the ingest checks
every model result against them before anything is written (a model that drifts from the
contract fails loudly instead of publishing a table its readers cannot use), and a table that
does not exist yet is exposed to the models as an empty relation of this shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.errors import EngineError

if TYPE_CHECKING:
    import duckdb

_SCD2_LINEAGE = {
    "effective_start_ts": "TIMESTAMP",
    "effective_end_ts": "TIMESTAMP",
    "is_current": "BOOLEAN",
    "change_type": "VARCHAR",
    "source_batch_id": "VARCHAR",
    "raw_ingest_ts": "TIMESTAMP",
    "slv_ingest_ts": "TIMESTAMP",
}

SILVER_SCHEMAS: dict[str, dict[str, str]] = {
    "silver.fct_sessions": {
        "session_id": "BIGINT",
        "student_id": "BIGINT",
        "tutor_id": "BIGINT",
        "subject_id": "INTEGER",
        "session_ts": "TIMESTAMP",
        "duration_hours": "DOUBLE",
        "status": "INTEGER",
        "is_billable": "BOOLEAN",
        "student_sk": "BIGINT",
        "tutor_sk": "BIGINT",
        "is_orphan": "BOOLEAN",
        "dq_flags": "VARCHAR",
        "source_batch_id": "VARCHAR",
        "ingest_date": "DATE",
        "raw_ingest_ts": "TIMESTAMP",
        "slv_ingest_ts": "TIMESTAMP",
        "session_month": "VARCHAR",
    },
    "silver.err_sessions": {
        "source_batch_id": "VARCHAR",
        "source_file": "VARCHAR",
        "source_row": "BIGINT",
        "raw_session_id": "VARCHAR",
        "raw_student_id": "VARCHAR",
        "raw_tutor_id": "VARCHAR",
        "raw_subject_id": "VARCHAR",
        "raw_stamp": "VARCHAR",
        "raw_duration": "VARCHAR",
        "raw_status": "VARCHAR",
        "session_id": "BIGINT",
        "reason_code": "VARCHAR",
        "action": "VARCHAR",
        "detail": "VARCHAR",
        "slv_ingest_ts": "TIMESTAMP",
        "ingest_date": "DATE",
    },
    "silver.dim_students": {
        "student_sk": "BIGINT",
        "student_id": "BIGINT",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "sex": "VARCHAR",
        "date_of_birth": "DATE",
        "grade": "INTEGER",
        "status": "VARCHAR",
        "contract_rate": "DOUBLE",
        "created_ts": "TIMESTAMP",
        "updated_ts": "TIMESTAMP",
        **_SCD2_LINEAGE,
    },
    "silver.dim_tutors": {
        "tutor_sk": "BIGINT",
        "tutor_id": "BIGINT",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "sex": "VARCHAR",
        "date_of_birth": "DATE",
        "contract_rate": "DOUBLE",
        "active_students": "INTEGER",
        "created_ts": "TIMESTAMP",
        "updated_ts": "TIMESTAMP",
        **_SCD2_LINEAGE,
    },
    "silver.ingest_batches": {
        "ingest_date": "DATE",
        "source_batch_id": "VARCHAR",
        "entity": "VARCHAR",
        "source_files": "VARCHAR",
        "raw_rows": "BIGINT",
        "kept_rows": "BIGINT",
        "repaired_rows": "BIGINT",
        "superseded_rows": "BIGINT",
        "rejected_rows": "BIGINT",
        "slv_ingest_ts": "TIMESTAMP",
    },
    "silver.dim_subjects": {
        "subject_id": "INTEGER",
        "subject_name": "VARCHAR",
        "is_test_prep": "BOOLEAN",
    },
    "silver.dim_appt_status": {
        "status_id": "INTEGER",
        "status_name": "VARCHAR",
        "is_billable": "BOOLEAN",
    },
    # Not in CONTRACTS.md (added by the silver ingest): the audit of student and tutor delta
    # rows that were repaired, superseded or rejected, so no dimension row is ever lost either.
    "silver.err_dimensions": {
        "entity": "VARCHAR",
        "source_batch_id": "VARCHAR",
        "source_file": "VARCHAR",
        "source_row": "BIGINT",
        "raw_id": "VARCHAR",
        "raw_record": "VARCHAR",
        "entity_id": "BIGINT",
        "reason_code": "VARCHAR",
        "action": "VARCHAR",
        "detail": "VARCHAR",
        "slv_ingest_ts": "TIMESTAMP",
        "ingest_date": "DATE",
    },
}


def relation_schema(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """{column: DuckDB type} of a table or view in the connection, in column order."""
    rows = con.execute(f"DESCRIBE {relation}").fetchall()
    return {name: str(dtype) for name, dtype, *_ in rows}


def check_schema(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> None:
    """Fail unless `relation` has exactly the contract's columns and types for `table`."""
    expected = SILVER_SCHEMAS[table]
    actual = relation_schema(con, relation)
    if actual != expected:
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
        raise EngineError(f"model for {table} does not match docs/CONTRACTS.md: {problems}")


def create_empty(con: duckdb.DuckDBPyConnection, table: str, name: str) -> None:
    """An empty table `name` with the contract's columns of `table` (a table not yet written)."""
    columns = ", ".join(f"{col} {dtype}" for col, dtype in SILVER_SCHEMAS[table].items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
