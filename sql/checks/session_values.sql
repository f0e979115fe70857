-- session_values: the conformed fact obeys its own rules: a known subject and status,
-- a positive duration of at most 12 h, is_billable = status in (0, 1), a session no later
-- than the ingest time of its row, and each row in the partition of its session month.
-- A row of this query is a failure.
SELECT
    f.session_id, f.subject_id, f.status, f.duration_hours, f.is_billable, f.session_ts,
    f.raw_ingest_ts, f.session_month
FROM silver.fct_sessions AS f
LEFT JOIN silver.dim_subjects AS s ON s.subject_id = f.subject_id
LEFT JOIN silver.dim_appt_status AS a ON a.status_id = f.status
WHERE
    s.subject_id IS NULL
    OR a.status_id IS NULL
    OR NOT (f.duration_hours > 0 AND f.duration_hours <= 12)
    OR f.is_billable IS DISTINCT FROM a.is_billable
    OR f.session_ts > f.raw_ingest_ts
    OR f.session_month <> STRFTIME(f.session_ts, '%Y-%m')
ORDER BY f.session_id
