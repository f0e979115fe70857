-- gold.contractor_utilization (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.contractor_utilization__stage;

CREATE TABLE tutor_gold.contractor_utilization__stage
WITH (
  format='PARQUET'
) AS
WITH bounds AS (
  SELECT
    MIN(month_start) AS first_month,
    MAX(month_start) AS last_month
  FROM tutor_gold.int_priced_sessions
), months /* every calendar month from the first to the last month with sessions */ AS (
  SELECT
    CAST(m.month_start AS DATE) AS month_start,
    LEAST(
      CAST(CAST(m.month_start AS DATE) + INTERVAL '1' MONTH AS TIMESTAMP),
      GREATEST(CAST('2026-01-15 00:00:00' AS TIMESTAMP), CAST(m.month_start AS TIMESTAMP))
    ) AS month_end_ts
  FROM bounds AS b, UNNEST(SEQUENCE(b.first_month, b.last_month, INTERVAL '1' MONTH)) AS m(month_start)
), tutor_first_month AS (
  SELECT
    tutor_id,
    MIN(month_start) AS first_month
  FROM tutor_gold.int_priced_sessions
  WHERE
    NOT tutor_id IS NULL
  GROUP BY
    tutor_id
), departures /* when a tutor left: the start of their first Departed version known at the as-of time */ AS (
  SELECT
    tutor_id,
    MIN(effective_start_ts) AS departed_ts
  FROM tutor_silver.dim_tutors
  WHERE
    status = 'Departed'
    AND effective_start_ts <= CAST('2026-01-15 00:00:00' AS TIMESTAMP)
  GROUP BY
    tutor_id
), tutor_months AS (
  SELECT
    t.tutor_id,
    m.month_start,
    m.month_end_ts,
    d.departed_ts
  FROM tutor_first_month AS t
  INNER JOIN months AS m
    ON m.month_start >= t.first_month
  LEFT JOIN departures AS d
    ON d.tutor_id = t.tutor_id
  WHERE
    (
      d.departed_ts IS NULL OR CAST(m.month_start AS TIMESTAMP) < d.departed_ts
    ) /* a departed tutor's months end with the month they left */
), roster_months /* the months whose rosters are built: a contractor in the scope needs every month */ AS (
  SELECT
    month_start,
    month_end_ts - INTERVAL '7' DAY AS window_start_ts,
    month_end_ts
  FROM months
), roster_windows /* each month's roster window with the months of the sessions it may hold: it ends at most at */ /* the next month's start and begins at most 7 days before its own, so only sessions of that */ /* month and of the month before can fall in it (joining sessions on their month is a hash */ /* join; comparing every session with every month's window is a nested loop) */ AS (
  SELECT
    month_start,
    month_start AS session_month,
    window_start_ts,
    month_end_ts
  FROM roster_months
  UNION ALL
  SELECT
    month_start,
    CAST(month_start - INTERVAL '1' MONTH AS DATE) AS session_month,
    window_start_ts,
    month_end_ts
  FROM roster_months
), last_week_sessions /* each student's latest session in the last 7 days before each month end */ AS (
  SELECT
    m.month_start,
    s.student_id,
    s.tutor_id,
    ROW_NUMBER() OVER (
      PARTITION BY m.month_start, s.student_id
      ORDER BY s.session_ts DESC, s.session_id DESC
    ) AS recency
  FROM tutor_gold.int_priced_sessions AS s
  INNER JOIN roster_windows AS m
    ON m.session_month = s.month_start
  WHERE
    NOT s.is_before_student_start
    AND s.session_ts >= m.window_start_ts
    AND s.session_ts < m.month_end_ts
), month_end_roster AS (
  SELECT
    month_start,
    tutor_id,
    COUNT(*) AS active_students
  FROM last_week_sessions
  WHERE
    recency = 1
  GROUP BY
    month_start,
    tutor_id
), activity AS (
  SELECT
    tutor_id,
    month_start,
    COUNT(*) AS scheduled_sessions,
    COUNT(CASE WHEN is_billable THEN 1 END) AS billable_sessions,
    SUM(duration_hours) AS scheduled_hours,
    SUM(billable_hours) AS billable_hours,
    SUM(revenue) AS revenue,
    SUM(contractor_pay) AS contractor_pay
  FROM tutor_gold.int_priced_sessions
  GROUP BY
    tutor_id,
    month_start
), tutor_names AS (
  SELECT
    tutor_id,
    CONCAT(CAST(first_name AS VARCHAR), CAST(' ' AS VARCHAR), CAST(last_name AS VARCHAR)) AS tutor_name,
    status AS tutor_status
  FROM tutor_silver.dim_tutors
  WHERE
    effective_start_ts <= CAST('2026-01-15 00:00:00' AS TIMESTAMP)
    AND CAST('2026-01-15 00:00:00' AS TIMESTAMP) < effective_end_ts
), final AS (
  SELECT
    tm.tutor_id,
    n.tutor_name,
    n.tutor_status,
    tm.departed_ts,
    tm.month_start,
    tm.month_end_ts,
    COALESCE(r.active_students, 0) AS active_students,
    30 AS student_cap,
    ROUND(CAST(100.0 * CAST(COALESCE(r.active_students, 0) AS DOUBLE) AS DOUBLE) / 30, 2) AS utilization_pct,
    COALESCE(a.scheduled_sessions, 0) AS scheduled_sessions,
    COALESCE(a.billable_sessions, 0) AS billable_sessions,
    ROUND(COALESCE(a.scheduled_hours, 0), 4) AS scheduled_hours,
    ROUND(COALESCE(a.billable_hours, 0), 4) AS billable_hours,
    CAST(COALESCE(a.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
    CAST(COALESCE(a.contractor_pay, 0) AS DECIMAL(18, 2)) AS contractor_pay,
    CAST(COALESCE(a.revenue, 0) - COALESCE(a.contractor_pay, 0) AS DECIMAL(18, 2)) AS margin,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM tutor_months AS tm
  LEFT JOIN month_end_roster AS r
    ON r.tutor_id = tm.tutor_id AND r.month_start = tm.month_start
  LEFT JOIN activity AS a
    ON a.tutor_id = tm.tutor_id AND a.month_start = tm.month_start
  LEFT JOIN tutor_names AS n
    ON n.tutor_id = tm.tutor_id
)
SELECT
  *
FROM final
ORDER BY
  tutor_id,
  month_start;

DELETE FROM tutor_gold.contractor_utilization;

INSERT INTO tutor_gold.contractor_utilization (
  tutor_id,
  tutor_name,
  tutor_status,
  departed_ts,
  month_start,
  month_end_ts,
  active_students,
  student_cap,
  utilization_pct,
  scheduled_sessions,
  billable_sessions,
  scheduled_hours,
  billable_hours,
  revenue,
  contractor_pay,
  margin,
  as_of_ts,
  generated_at
)
SELECT
  tutor_id,
  tutor_name,
  tutor_status,
  departed_ts,
  month_start,
  month_end_ts,
  active_students,
  student_cap,
  utilization_pct,
  scheduled_sessions,
  billable_sessions,
  scheduled_hours,
  billable_hours,
  revenue,
  contractor_pay,
  margin,
  as_of_ts,
  generated_at
FROM tutor_gold.contractor_utilization__stage;

DROP TABLE IF EXISTS tutor_gold.contractor_utilization__stage;
