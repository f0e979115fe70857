-- gold.tutor_score_improvement (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.tutor_score_improvement__stage;

CREATE TABLE tutor_gold.tutor_score_improvement__stage
WITH (
  format='PARQUET'
) AS
WITH improved AS (
  SELECT
    *
  FROM tutor_gold.student_score_improvement
  WHERE
    tests_taken >= 2 AND NOT tutor_id IS NULL
), final AS (
  SELECT
    tutor_id,
    MAX(tutor_name) AS tutor_name,
    test,
    COUNT(*) AS students,
    ROUND(AVG(baseline_score), 1) AS average_baseline_score,
    ROUND(AVG(latest_score), 1) AS average_latest_score,
    ROUND(AVG(score_change), 1) AS average_score_change,
    ROUND(AVG(sessions_between), 1) AS average_sessions_between,
    ROUND(CAST(SUM(score_change) AS DOUBLE) / NULLIF(SUM(sessions_between), 0), 2) AS score_change_per_session,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM improved
  GROUP BY
    tutor_id,
    test
)
SELECT
  *
FROM final
ORDER BY
  tutor_id,
  test;

DELETE FROM tutor_gold.tutor_score_improvement;

INSERT INTO tutor_gold.tutor_score_improvement (
  tutor_id,
  tutor_name,
  test,
  students,
  average_baseline_score,
  average_latest_score,
  average_score_change,
  average_sessions_between,
  score_change_per_session,
  as_of_ts,
  generated_at
)
SELECT
  tutor_id,
  tutor_name,
  test,
  students,
  average_baseline_score,
  average_latest_score,
  average_score_change,
  average_sessions_between,
  score_change_per_session,
  as_of_ts,
  generated_at
FROM tutor_gold.tutor_score_improvement__stage;

DROP TABLE IF EXISTS tutor_gold.tutor_score_improvement__stage;
