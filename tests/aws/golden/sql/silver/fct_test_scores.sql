-- silver.fct_test_scores (@kind incremental_by_unique_key): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.fct_test_scores__stage;

CREATE TABLE tutor_silver.fct_test_scores__stage
WITH (
  format='PARQUET'
) AS
WITH kept AS (
  SELECT
    student_id,
    test,
    test_date,
    score,
    is_orphan,
    row_ingest_ts
  FROM tutor_silver.stg_test_scores
  WHERE
    disposition = 'kept'
), final AS (
  SELECT
    CAST(student_id AS BIGINT) AS student_id,
    test,
    CAST(test_date AS DATE) AS test_date,
    CAST(score AS INTEGER) AS score,
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

MERGE INTO tutor_silver.fct_test_scores AS t
USING tutor_silver.fct_test_scores__stage AS s
ON t.student_id = s.student_id AND t.test = s.test AND t.test_date = s.test_date
WHEN MATCHED THEN UPDATE SET
  score = s.score,
  is_orphan = s.is_orphan,
  source_batch_id = s.source_batch_id,
  ingest_date = s.ingest_date,
  raw_ingest_ts = s.raw_ingest_ts,
  slv_ingest_ts = s.slv_ingest_ts
WHEN NOT MATCHED THEN INSERT (
  student_id,
  test,
  test_date,
  score,
  is_orphan,
  source_batch_id,
  ingest_date,
  raw_ingest_ts,
  slv_ingest_ts
) VALUES (
  s.student_id,
  s.test,
  s.test_date,
  s.score,
  s.is_orphan,
  s.source_batch_id,
  s.ingest_date,
  s.raw_ingest_ts,
  s.slv_ingest_ts
);

DROP TABLE IF EXISTS tutor_silver.fct_test_scores__stage;
