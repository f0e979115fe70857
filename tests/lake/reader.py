"""A second process that reads the lake in a tight loop while another one writes it, and counts
every read that is not a consistent snapshot. Run by tests/lake/test_concurrency.py:

    python tests/lake/reader.py SETTINGS_JSON STOP_FILE RESULT_FILE MIN_READS MAX_SECONDS

Each read is one transaction over silver and gold and checks what a single snapshot must hold:
no session id twice in the fact, no surrogate key twice in a dimension, every batch recorded
for all five entities, and one `as_of_ts` across every gold table. It stops when the stop file
exists and it has made MIN_READS reads, or after MAX_SECONDS.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lakehouse.catalog import connect_lake, expose
from lakehouse.config import Settings, load_settings

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
    "gold tables from different runs": (
        "SELECT count(DISTINCT as_of_ts) - 1 FROM ("
        "SELECT as_of_ts FROM gold.monthly_revenue UNION ALL "
        "SELECT as_of_ts FROM gold.contractor_utilization UNION ALL "
        "SELECT as_of_ts FROM gold.subject_demand UNION ALL "
        "SELECT as_of_ts FROM gold.tutor_ratings UNION ALL "
        "SELECT as_of_ts FROM gold.active_students)"
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
                (bad,) = con.execute(sql).fetchone()
                if bad:
                    anomalies.append(f"read {reads}: {name} ({bad})")
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
