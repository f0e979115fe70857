-- gold.student_score_improvement (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.student_score_improvement__stage;

CREATE TABLE tutor_gold.student_score_improvement__stage
WITH (
  format='PARQUET'
) AS
WITH scores AS (
  SELECT
    student_id,
    test,
    test_date,
    score,
    ROW_NUMBER() OVER (PARTITION BY student_id, test ORDER BY test_date) AS first_rank,
    ROW_NUMBER() OVER (PARTITION BY student_id, test ORDER BY test_date DESC) AS last_rank,
    COUNT(*) OVER (PARTITION BY student_id, test) AS tests_taken
  FROM tutor_silver.fct_test_scores
  WHERE
    ingest_date <= CAST('2026-01-15' AS DATE) AND NOT is_orphan
), spans AS (
  SELECT
    b.student_id,
    b.test,
    b.test_date AS baseline_date,
    b.score AS baseline_score,
    l.test_date AS latest_date,
    l.score AS latest_score,
    b.tests_taken
  FROM scores AS b
  INNER JOIN scores AS l
    ON l.student_id = b.student_id AND l.test = b.test AND l.last_rank = 1
  WHERE
    b.first_rank = 1
), sessions_between AS (
  SELECT
    sp.student_id,
    sp.test,
    COUNT(s.session_id) AS sessions_between
  FROM spans AS sp
  LEFT JOIN tutor_gold.int_priced_sessions AS s
    ON s.student_id = sp.student_id
    AND s.status = 0
    AND CAST(s.session_ts AS DATE) > sp.baseline_date
    AND CAST(s.session_ts AS DATE) <= sp.latest_date
  GROUP BY
    sp.student_id,
    sp.test
), latest_tutor /* the tutor of the student's latest session on or before the latest score's date */ AS (
  SELECT
    sp.student_id,
    sp.test,
    s.tutor_id,
    ROW_NUMBER() OVER (PARTITION BY sp.student_id, sp.test ORDER BY s.session_ts DESC, s.session_id DESC) AS recency
  FROM spans AS sp
  INNER JOIN tutor_gold.int_priced_sessions AS s
    ON s.student_id = sp.student_id AND CAST(s.session_ts AS DATE) <= sp.latest_date
), tutor_names AS (
  SELECT
    tutor_id,
    CONCAT(CAST(first_name AS VARCHAR), CAST(' ' AS VARCHAR), CAST(last_name AS VARCHAR)) AS tutor_name
  FROM tutor_silver.dim_tutors
  WHERE
    effective_start_ts <= CAST('2026-01-15 00:00:00' AS TIMESTAMP)
    AND CAST('2026-01-15 00:00:00' AS TIMESTAMP) < effective_end_ts
), final AS (
  SELECT
    sp.student_id,
    sp.test,
    lt.tutor_id,
    n.tutor_name,
    sp.baseline_date,
    sp.baseline_score,
    sp.latest_date,
    sp.latest_score,
    sp.latest_score - sp.baseline_score AS score_change,
    sp.tests_taken,
    COALESCE(sb.sessions_between, 0) AS sessions_between,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM spans AS sp
  LEFT JOIN sessions_between AS sb
    ON sb.student_id = sp.student_id AND sb.test = sp.test
  LEFT JOIN latest_tutor AS lt
    ON lt.student_id = sp.student_id AND lt.test = sp.test AND lt.recency = 1
  LEFT JOIN tutor_names AS n
    ON n.tutor_id = lt.tutor_id
)
SELECT
  *
FROM final
ORDER BY
  student_id,
  test;

DELETE FROM tutor_gold.student_score_improvement;

INSERT INTO tutor_gold.student_score_improvement (
  student_id,
  test,
  tutor_id,
  tutor_name,
  baseline_date,
  baseline_score,
  latest_date,
  latest_score,
  score_change,
  tests_taken,
  sessions_between,
  as_of_ts,
  generated_at
)
SELECT
  student_id,
  test,
  tutor_id,
  tutor_name,
  baseline_date,
  baseline_score,
  latest_date,
  latest_score,
  score_change,
  tests_taken,
  sessions_between,
  as_of_ts,
  generated_at
FROM tutor_gold.student_score_improvement__stage;

DROP TABLE IF EXISTS tutor_gold.student_score_improvement__stage;
