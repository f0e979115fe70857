-- fct_sessions: one row per tutoring session (key session_id), typed and conformed, with the
-- keys of the student and tutor versions valid at the session time. Partitioned by
-- session_month ('YYYY-MM' of session_ts), so an ingest rewrites only the months it touches.
-- The SELECT returns the rows this batch writes, and the engine upserts them on session_id:
--   * the batch's kept sessions (new ones, and replacements of a session id ingested by an
--     earlier batch: a later batch supersedes, so a session is never counted twice);
--   * sessions already in silver whose dimension keys this batch changes (stg_session_keys).
-- Lineage: source_batch_id / ingest_date / raw_ingest_ts say where the kept raw row came
-- from; slv_ingest_ts is the ingest date 01:00 (never the wall clock, so reruns are equal).
-- @kind incremental_by_unique_key
-- @unique_key session_id
-- @partitioned_by session_month

WITH batch_rows AS (
    SELECT
        s.session_id,
        s.student_id,
        s.tutor_id,
        s.subject_id,
        s.session_ts,
        s.duration_hours,
        s.status,
        k.student_sk,
        k.tutor_sk,
        k.is_orphan,
        s.dq_flags,
        s.source_batch_id,
        :ingest_date AS ingest_date,
        s.raw_ingest_ts,
        :slv_ingest_ts AS slv_ingest_ts
    FROM silver.stg_sessions AS s
    INNER JOIN silver.stg_session_keys AS k
        ON k.session_id = s.session_id AND k.origin = 'batch'
    WHERE s.origin = 'raw' AND s.disposition = 'kept'
),

-- rows of earlier batches: only their keys and orphan flag change; dq_flags and lineage
-- stay what they were when the row was ingested
rekeyed_rows AS (
    SELECT
        f.session_id,
        f.student_id,
        f.tutor_id,
        f.subject_id,
        f.session_ts,
        f.duration_hours,
        f.status,
        k.student_sk,
        k.tutor_sk,
        k.is_orphan,
        f.dq_flags,
        f.source_batch_id,
        f.ingest_date,
        f.raw_ingest_ts,
        f.slv_ingest_ts
    FROM silver.fct_sessions AS f
    INNER JOIN silver.stg_session_keys AS k
        ON k.session_id = f.session_id AND k.origin = 'recheck'
),

written AS (
    SELECT * FROM batch_rows
    UNION ALL
    SELECT * FROM rekeyed_rows
),

final AS (
    SELECT
        CAST(session_id AS BIGINT) AS session_id,
        CAST(student_id AS BIGINT) AS student_id,
        CAST(tutor_id AS BIGINT) AS tutor_id,
        CAST(subject_id AS INTEGER) AS subject_id,
        CAST(session_ts AS TIMESTAMP) AS session_ts,
        CAST(duration_hours AS DOUBLE) AS duration_hours,
        CAST(status AS INTEGER) AS status,
        -- Rule "billable": Completed (0) and No-Show (1) are billed, Cancelled (2) is not
        status IN (0, 1) AS is_billable,
        CAST(student_sk AS BIGINT) AS student_sk,
        CAST(tutor_sk AS BIGINT) AS tutor_sk,
        is_orphan,
        dq_flags,
        source_batch_id,
        CAST(ingest_date AS DATE) AS ingest_date,
        CAST(raw_ingest_ts AS TIMESTAMP) AS raw_ingest_ts,
        CAST(slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts,
        STRFTIME(session_ts, '%Y-%m') AS session_month
    FROM written
)

SELECT * FROM final
