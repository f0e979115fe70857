-- silver.fct_feedback (@kind incremental_by_unique_key): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.fct_feedback__stage;

CREATE TABLE tutor_silver.fct_feedback__stage
WITH (
  format='PARQUET'
) AS
WITH kept AS (
  SELECT
    session_id,
    rating,
    comment,
    submitted_ts,
    is_orphan,
    row_ingest_ts
  FROM tutor_silver.stg_feedback
  WHERE
    disposition = 'kept'
), final AS (
  SELECT
    CAST(session_id AS BIGINT) AS session_id,
    CAST(rating AS INTEGER) AS rating,
    comment,
    CAST(submitted_ts AS TIMESTAMP) AS submitted_ts,
    is_orphan,
    'sim_2026-01-15' AS source_batch_id,
    CAST(CAST('2026-01-15' AS DATE) AS DATE) AS ingest_date,
    CAST(row_ingest_ts AS TIMESTAMP) AS raw_ingest_ts,
    CAST(CAST('2026-01-15 01:00:00' AS TIMESTAMP) AS TIMESTAMP) AS slv_ingest_ts
  FROM kept
)
SELECT
  *
FROM final;

MERGE INTO tutor_silver.fct_feedback AS t
USING tutor_silver.fct_feedback__stage AS s
ON t.session_id = s.session_id
WHEN MATCHED THEN UPDATE SET
  rating = s.rating,
  comment = s.comment,
  submitted_ts = s.submitted_ts,
  is_orphan = s.is_orphan,
  source_batch_id = s.source_batch_id,
  ingest_date = s.ingest_date,
  raw_ingest_ts = s.raw_ingest_ts,
  slv_ingest_ts = s.slv_ingest_ts
WHEN NOT MATCHED THEN INSERT (
  session_id,
  rating,
  comment,
  submitted_ts,
  is_orphan,
  source_batch_id,
  ingest_date,
  raw_ingest_ts,
  slv_ingest_ts
) VALUES (
  s.session_id,
  s.rating,
  s.comment,
  s.submitted_ts,
  s.is_orphan,
  s.source_batch_id,
  s.ingest_date,
  s.raw_ingest_ts,
  s.slv_ingest_ts
);

DROP TABLE IF EXISTS tutor_silver.fct_feedback__stage;
