-- gold.tutor_ratings (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.tutor_ratings__stage;

CREATE TABLE tutor_gold.tutor_ratings__stage
WITH (
  format='PARQUET'
) AS
WITH rated AS (
  SELECT
    s.tutor_id,
    s.month_start,
    f.rating
  FROM tutor_silver.fct_feedback AS f
  INNER JOIN tutor_gold.int_priced_sessions AS s
    ON s.session_id = f.session_id
  WHERE
    f.ingest_date <= CAST('2026-01-15' AS DATE) AND NOT s.tutor_id IS NULL
), monthly AS (
  SELECT
    tutor_id,
    month_start,
    COUNT(*) AS ratings,
    SUM(rating) AS rating_sum,
    COUNT(CASE WHEN rating >= 4 THEN 1 END) AS good_ratings,
    COUNT(CASE WHEN rating <= 2 THEN 1 END) AS poor_ratings
  FROM rated
  GROUP BY
    tutor_id,
    month_start
), completed AS (
  SELECT
    tutor_id,
    month_start,
    COUNT(*) AS completed_sessions
  FROM tutor_gold.int_priced_sessions
  WHERE
    status = 0 AND NOT tutor_id IS NULL
  GROUP BY
    tutor_id,
    month_start
), running AS (
  SELECT
    *,
    SUM(ratings) OVER (
      PARTITION BY tutor_id
      ORDER BY month_start
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS running_ratings,
    SUM(rating_sum) OVER (
      PARTITION BY tutor_id
      ORDER BY month_start
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS running_rating_sum,
    LAG(CAST(rating_sum AS DOUBLE) / ratings) OVER (PARTITION BY tutor_id ORDER BY month_start) AS previous_average
  FROM monthly
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
    r.tutor_id,
    n.tutor_name,
    r.month_start,
    r.ratings,
    ROUND(CAST(r.rating_sum AS DOUBLE) / r.ratings, 2) AS average_rating,
    r.good_ratings,
    r.poor_ratings,
    COALESCE(c.completed_sessions, 0) AS completed_sessions,
    ROUND(CAST(100.0 * r.ratings AS DOUBLE) / NULLIF(c.completed_sessions, 0), 2) AS rated_sessions_pct,
    ROUND(r.previous_average, 2) AS previous_month_average_rating,
    r.running_ratings,
    ROUND(CAST(r.running_rating_sum AS DOUBLE) / r.running_ratings, 2) AS running_average_rating,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM running AS r
  LEFT JOIN completed AS c
    ON c.tutor_id = r.tutor_id AND c.month_start = r.month_start
  LEFT JOIN tutor_names AS n
    ON n.tutor_id = r.tutor_id
)
SELECT
  *
FROM final
ORDER BY
  tutor_id,
  month_start;

DELETE FROM tutor_gold.tutor_ratings;

INSERT INTO tutor_gold.tutor_ratings (
  tutor_id,
  tutor_name,
  month_start,
  ratings,
  average_rating,
  good_ratings,
  poor_ratings,
  completed_sessions,
  rated_sessions_pct,
  previous_month_average_rating,
  running_ratings,
  running_average_rating,
  as_of_ts,
  generated_at
)
SELECT
  tutor_id,
  tutor_name,
  month_start,
  ratings,
  average_rating,
  good_ratings,
  poor_ratings,
  completed_sessions,
  rated_sessions_pct,
  previous_month_average_rating,
  running_ratings,
  running_average_rating,
  as_of_ts,
  generated_at
FROM tutor_gold.tutor_ratings__stage;

DROP TABLE IF EXISTS tutor_gold.tutor_ratings__stage;
