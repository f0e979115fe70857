-- silver.dim_appt_status (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.dim_appt_status__stage;

CREATE TABLE tutor_silver.dim_appt_status__stage
WITH (
  format='PARQUET'
) AS
WITH statuses(status_id, status_name, is_billable) AS (
  SELECT
    *
  FROM (VALUES
    (0, 'Completed', TRUE),
    (1, 'No-Show', TRUE),
    (2, 'Cancelled', FALSE)) AS _values
)
SELECT
  CAST(status_id AS INTEGER) AS status_id,
  CAST(status_name AS VARCHAR) AS status_name,
  CAST(is_billable AS BOOLEAN) AS is_billable
FROM statuses;

DELETE FROM tutor_silver.dim_appt_status;

INSERT INTO tutor_silver.dim_appt_status (
  status_id,
  status_name,
  is_billable
)
SELECT
  status_id,
  status_name,
  is_billable
FROM tutor_silver.dim_appt_status__stage;

DROP TABLE IF EXISTS tutor_silver.dim_appt_status__stage;
