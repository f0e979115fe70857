"""A second process that reads the lake in a tight loop while another one writes it, and counts
every read that is not a consistent snapshot. Run by tests/lake/test_concurrency.py:

    python tests/lake/reader.py SETTINGS_JSON STOP_FILE RESULT_FILE MIN_READS MAX_SECONDS

Each read is one transaction over silver and gold and checks what a single snapshot must hold:
no session id twice in the fact, no surrogate key twice in a dimension, every batch recorded
for all five entities, gold's tables adding up to the same sessions and revenue (each is an
aggregate of gold.int_priced_sessions from the same build), and no gold row stamped by a build
later than the one that wrote the last batch's data-quality row. It stops when the stop file
exists and it has made MIN_READS reads, or after MAX_SECONDS.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lakehouse.config import Settings, load_settings
from lakehouse.lake.catalog import ALIAS, connect_lake, expose
from lakehouse.lake.connection import scalar

CHECKS = {
    "duplicate session ids": (
        "SELECT count(*) - count(DISTINCT session_id) FROM silver.fct_sessions"
    ),
    "duplicate student versions": (
        "SELECT count(*) - count(DISTINCT student_sk) FROM silver.dim_students"
    ),
    "batch recorded for other than its 5 entities": (
        "SELECT count(*) FROM (SELECT ingest_date FROM silver.ingest_batches "
        "GROUP BY ingest_date HAVING count(*) <> 5)"
    ),
    # each gold table scanned once: every aggregate adds up to the priced sessions of the same
    # build, and no row carries a build later than the one that wrote the last batch's row
    "gold tables from different builds": (
        "WITH p AS (SELECT count(*) AS n, sum(revenue) AS r FROM gold.int_priced_sessions), "
        "m AS (SELECT sum(scheduled_sessions) AS n, sum(revenue) AS r, max(as_of_ts) AS ts "
        "FROM gold.monthly_revenue), "
        "c AS (SELECT sum(scheduled_sessions) AS n, sum(revenue) AS r, max(as_of_ts) AS ts "
        "FROM gold.contractor_utilization), "
        "s AS (SELECT sum(scheduled_sessions) AS n, max(as_of_ts) AS ts FROM gold.subject_demand), "
        "a AS (SELECT max(as_of_ts) AS ts FROM gold.active_students), "
        "q AS (SELECT max(as_of_ts) AS ts, CAST(max(ingest_date) AS TIMESTAMP) AS day "
        "FROM gold.data_quality_daily) "
        "SELECT CAST(p.n <> m.n OR p.n <> c.n OR p.n <> s.n OR p.r <> m.r OR p.r <> c.r "
        "OR q.ts <> q.day OR greatest(m.ts, c.ts, s.ts, a.ts) > q.ts AS INTEGER) "
        "FROM p, m, c, s, a, q"
    ),
}


def main(settings: Settings, stop: Path, out: Path, min_reads: int, max_seconds: float) -> None:
    con = connect_lake(settings, read_only=True)
    expose(con)
    reads, anomalies, during_writes = 0, [], 0
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline and not (stop.exists() and reads >= min_reads):
        writing = not stop.exists()
        try:
            con.execute("BEGIN TRANSACTION")
            for name, sql in CHECKS.items():
                bad = scalar(con, sql)
                if bad:
                    snapshot = con.execute(f"SELECT id FROM {ALIAS}.current_snapshot()").fetchone()
                    anomalies.append(f"read {reads} at snapshot {snapshot}: {name} ({bad})")
            con.execute("COMMIT")
        except Exception as exc:  # every failed read is an anomaly, with its message
            anomalies.append(f"read {reads}: {type(exc).__name__}: {exc}")
            con.execute("ROLLBACK")
        reads += 1
        during_writes += writing
    con.close()
    out.write_text(json.dumps({"reads": reads, "during_writes": during_writes,
                               "anomalies": anomalies}))  # fmt: skip


if __name__ == "__main__":
    values = json.loads(Path(sys.argv[1]).read_text())
    main(
        load_settings(environ={}, overrides=values),
        Path(sys.argv[2]),
        Path(sys.argv[3]),
        int(sys.argv[4]),
        float(sys.argv[5]),
    )
