-- silver.fct_sessions (@kind incremental_by_unique_key): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.fct_sessions__stage;

CREATE TABLE tutor_silver.fct_sessions__stage
WITH (
  format='PARQUET'
) AS
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
    CAST('2026-01-15' AS DATE) AS ingest_date,
    s.raw_ingest_ts,
    CAST('2026-01-15 01:00:00' AS TIMESTAMP) AS slv_ingest_ts
  FROM tutor_silver.stg_sessions AS s
  INNER JOIN tutor_silver.stg_session_keys AS k
    ON k.session_id = s.session_id AND k.origin = 'batch'
  WHERE
    s.origin = 'raw' AND s.disposition = 'kept'
), rekeyed_rows /* rows of earlier batches: only their keys and orphan flag change; dq_flags and lineage */ /* stay what they were when the row was ingested */ AS (
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
  FROM tutor_silver.fct_sessions AS f
  INNER JOIN tutor_silver.stg_session_keys AS k
    ON k.session_id = f.session_id AND k.origin = 'recheck'
), written AS (
  SELECT
    *
  FROM batch_rows
  UNION ALL
  SELECT
    *
  FROM rekeyed_rows
), final AS (
  SELECT
    CAST(session_id AS BIGINT) AS session_id,
    CAST(student_id AS BIGINT) AS student_id,
    CAST(tutor_id AS BIGINT) AS tutor_id,
    CAST(subject_id AS INTEGER) AS subject_id,
    CAST(session_ts AS TIMESTAMP) AS session_ts,
    CAST(duration_hours AS DOUBLE) AS duration_hours,
    CAST(status AS INTEGER) AS status,
    status /* Rule "billable": Completed (0) and No-Show (1) are billed, Cancelled (2) is not */ IN (0, 1) AS is_billable,
    CAST(student_sk AS BIGINT) AS student_sk,
    CAST(tutor_sk AS BIGINT) AS tutor_sk,
    is_orphan,
    dq_flags,
    source_batch_id,
    CAST(ingest_date AS DATE) AS ingest_date,
    CAST(raw_ingest_ts AS TIMESTAMP) AS raw_ingest_ts,
    CAST(slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts,
    DATE_FORMAT(session_ts, '%Y-%m') AS session_month
  FROM written
)
SELECT
  *
FROM final;

MERGE INTO tutor_silver.fct_sessions AS t
USING tutor_silver.fct_sessions__stage AS s
ON t.session_id = s.session_id
WHEN MATCHED THEN UPDATE SET
  student_id = s.student_id,
  tutor_id = s.tutor_id,
  subject_id = s.subject_id,
  session_ts = s.session_ts,
  duration_hours = s.duration_hours,
  status = s.status,
  is_billable = s.is_billable,
  student_sk = s.student_sk,
  tutor_sk = s.tutor_sk,
  is_orphan = s.is_orphan,
  dq_flags = s.dq_flags,
  source_batch_id = s.source_batch_id,
  ingest_date = s.ingest_date,
  raw_ingest_ts = s.raw_ingest_ts,
  slv_ingest_ts = s.slv_ingest_ts,
  session_month = s.session_month
WHEN NOT MATCHED THEN INSERT (
  session_id,
  student_id,
  tutor_id,
  subject_id,
  session_ts,
  duration_hours,
  status,
  is_billable,
  student_sk,
  tutor_sk,
  is_orphan,
  dq_flags,
  source_batch_id,
  ingest_date,
  raw_ingest_ts,
  slv_ingest_ts,
  session_month
) VALUES (
  s.session_id,
  s.student_id,
  s.tutor_id,
  s.subject_id,
  s.session_ts,
  s.duration_hours,
  s.status,
  s.is_billable,
  s.student_sk,
  s.tutor_sk,
  s.is_orphan,
  s.dq_flags,
  s.source_batch_id,
  s.ingest_date,
  s.raw_ingest_ts,
  s.slv_ingest_ts,
  s.session_month
);

DROP TABLE IF EXISTS tutor_silver.fct_sessions__stage;
