-- gold.subject_demand (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

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
    is_before_student_start,
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
  FROM scoped_sessions /* the rosters' rule: a stamp before the student existed starts no enrollment */
  WHERE
    NOT is_before_student_start
  GROUP BY
    month_start,
    subject_id
), activity AS (
  SELECT
    month_start,
    subject_id,
    COUNT(*) AS scheduled_sessions,
    COUNT(CASE WHEN is_billable THEN 1 END) AS billable_sessions,
    SUM(duration_hours) AS scheduled_hours,
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
    COALESCE(a.scheduled_sessions, 0) AS scheduled_sessions,
    COALESCE(a.billable_sessions, 0) AS billable_sessions,
    ROUND(COALESCE(a.scheduled_hours, 0), 4) AS scheduled_hours,
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
    CAST(SUM(scheduled_sessions) OVER (PARTITION BY month_start) AS BIGINT) AS month_sessions,
    LAG(scheduled_sessions) OVER (PARTITION BY subject_id ORDER BY month_start) AS previous_sessions
  FROM filled
), final AS (
  SELECT
    month_start,
    subject_id,
    subject_name,
    is_test_prep,
    scheduled_sessions,
    billable_sessions,
    scheduled_hours,
    distinct_students,
    new_students + returning_students AS new_enrollments,
    new_students,
    returning_students,
    ROUND(
      CAST(100.0 * CAST(scheduled_sessions AS DOUBLE) AS DOUBLE) / NULLIF(month_sessions, 0),
      2
    ) AS scheduled_sessions_share_pct,
    previous_sessions AS scheduled_sessions_previous_month,
    scheduled_sessions - previous_sessions AS scheduled_sessions_change,
    ROUND(
      CAST(100.0 * (
        scheduled_sessions - previous_sessions
      ) AS DOUBLE) / NULLIF(previous_sessions, 0),
      2
    ) AS scheduled_sessions_change_pct,
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
  scheduled_sessions,
  billable_sessions,
  scheduled_hours,
  distinct_students,
  new_enrollments,
  new_students,
  returning_students,
  scheduled_sessions_share_pct,
  scheduled_sessions_previous_month,
  scheduled_sessions_change,
  scheduled_sessions_change_pct,
  as_of_ts,
  generated_at
)
SELECT
  month_start,
  subject_id,
  subject_name,
  is_test_prep,
  scheduled_sessions,
  billable_sessions,
  scheduled_hours,
  distinct_students,
  new_enrollments,
  new_students,
  returning_students,
  scheduled_sessions_share_pct,
  scheduled_sessions_previous_month,
  scheduled_sessions_change,
  scheduled_sessions_change_pct,
  as_of_ts,
  generated_at
FROM tutor_gold.subject_demand__stage;

DROP TABLE IF EXISTS tutor_gold.subject_demand__stage;
