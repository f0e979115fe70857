-- silver.dim_subjects (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.dim_subjects__stage;

CREATE TABLE tutor_silver.dim_subjects__stage
WITH (
  format='PARQUET'
) AS
WITH subjects(subject_id, subject_name, is_test_prep) AS (
  SELECT
    *
  FROM (VALUES
    (0, 'Other', FALSE),
    (1, 'SAT/ACT/PSAT+', TRUE),
    (2, 'Math', FALSE),
    (3, 'Science', FALSE),
    (4, 'Foreign Language', FALSE),
    (5, 'Language Arts', FALSE),
    (6, 'Social Studies', FALSE)) AS _values
)
SELECT
  CAST(subject_id AS INTEGER) AS subject_id,
  CAST(subject_name AS VARCHAR) AS subject_name,
  CAST(is_test_prep AS BOOLEAN) AS is_test_prep
FROM subjects;

DELETE FROM tutor_silver.dim_subjects;

INSERT INTO tutor_silver.dim_subjects (
  subject_id,
  subject_name,
  is_test_prep
)
SELECT
  subject_id,
  subject_name,
  is_test_prep
FROM tutor_silver.dim_subjects__stage;

DROP TABLE IF EXISTS tutor_silver.dim_subjects__stage;
