-- gold.subject_demand (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.subject_demand__stage;

CREATE TABLE tutor_gold.subject_demand__stage
WITH (
  format='PARQUET'
) AS
WITH bounds AS (
  SELECT
    MIN(month_start) AS first_month,
    MAX(month_start) AS last_month
  FROM tutor_gold.int_priced_sessions
), all_months AS (
  SELECT
    CAST(m.month_start AS DATE) AS month_start
  FROM bounds AS b, UNNEST(SEQUENCE(b.first_month, b.last_month, INTERVAL '1' MONTH)) AS m(month_start)
), months /* the months to build, and the month before each (its sessions feed the change columns) */ AS (
  SELECT
    month_start
  FROM all_months
), scoped_sessions AS (
  SELECT
    student_id,
    subject_id,
    month_start,
    session_ts,
    previous_session_ts,
    is_billable,
    duration_hours
  FROM tutor_gold.int_priced_sessions
  WHERE
    month_start IN (
      SELECT
        month_start
      FROM months
    )
), spine AS (
  SELECT
    m.month_start,
    s.subject_id,
    s.subject_name,
    s.is_test_prep
  FROM months AS m
  CROSS JOIN tutor_silver.dim_subjects AS s
), enrollments AS (
  SELECT
    month_start,
    subject_id,
    COUNT(CASE WHEN previous_session_ts IS NULL THEN 1 END) AS new_students,
    COUNT(CASE WHEN previous_session_ts < session_ts - INTERVAL '28' DAY THEN 1 END) AS returning_students
  FROM scoped_sessions
  GROUP BY
    month_start,
    subject_id
), activity AS (
  SELECT
    month_start,
    subject_id,
    COUNT(*) AS sessions,
    COUNT(CASE WHEN is_billable THEN 1 END) AS billable_sessions,
    SUM(duration_hours) AS hours,
    COUNT(DISTINCT student_id) AS distinct_students
  FROM scoped_sessions
  GROUP BY
    month_start,
    subject_id
), filled AS (
  SELECT
    sp.month_start,
    sp.subject_id,
    sp.subject_name,
    sp.is_test_prep,
    COALESCE(a.sessions, 0) AS sessions,
    COALESCE(a.billable_sessions, 0) AS billable_sessions,
    ROUND(COALESCE(a.hours, 0), 4) AS hours,
    COALESCE(a.distinct_students, 0) AS distinct_students,
    COALESCE(e.new_students, 0) AS new_students,
    COALESCE(e.returning_students, 0) AS returning_students
  FROM spine AS sp
  LEFT JOIN activity AS a
    ON a.month_start = sp.month_start AND a.subject_id = sp.subject_id
  LEFT JOIN enrollments AS e
    ON e.month_start = sp.month_start AND e.subject_id = sp.subject_id
), with_context AS (
  SELECT
    *,
    CAST(SUM(sessions) OVER (PARTITION BY month_start) AS BIGINT) AS month_sessions,
    LAG(sessions) OVER (PARTITION BY subject_id ORDER BY month_start) AS previous_sessions
  FROM filled
), final AS (
  SELECT
    month_start,
    subject_id,
    subject_name,
    is_test_prep,
    sessions,
    billable_sessions,
    hours,
    distinct_students,
    new_students + returning_students AS new_enrollments,
    new_students,
    returning_students,
    ROUND(CAST(sessions AS DOUBLE) / NULLIF(month_sessions, 0), 4) AS share_of_sessions,
    previous_sessions AS sessions_previous_month,
    sessions - previous_sessions AS sessions_change,
    ROUND(
      CAST(100.0 * (
        sessions - previous_sessions
      ) AS DOUBLE) / NULLIF(previous_sessions, 0),
      2
    ) AS sessions_change_pct,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM with_context
)
SELECT
  *
FROM final
ORDER BY
  month_start,
  subject_id;

DELETE FROM tutor_gold.subject_demand;

INSERT INTO tutor_gold.subject_demand (
  month_start,
  subject_id,
  subject_name,
  is_test_prep,
  sessions,
  billable_sessions,
  hours,
  distinct_students,
  new_enrollments,
  new_students,
  returning_students,
  share_of_sessions,
  sessions_previous_month,
  sessions_change,
  sessions_change_pct,
  as_of_ts,
  generated_at
)
SELECT
  month_start,
  subject_id,
  subject_name,
  is_test_prep,
  sessions,
  billable_sessions,
  hours,
  distinct_students,
  new_enrollments,
  new_students,
  returning_students,
  share_of_sessions,
  sessions_previous_month,
  sessions_change,
  sessions_change_pct,
  as_of_ts,
  generated_at
FROM tutor_gold.subject_demand__stage;

DROP TABLE IF EXISTS tutor_gold.subject_demand__stage;
