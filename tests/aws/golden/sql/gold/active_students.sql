-- gold.active_students (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.active_students__stage;

CREATE TABLE tutor_gold.active_students__stage
WITH (
  format='PARQUET'
) AS
WITH profiles AS (
  SELECT
    student_id,
    first_name,
    last_name,
    sex,
    date_of_birth,
    grade,
    status,
    contract_rate,
    created_ts,
    updated_ts
  FROM tutor_silver.dim_students
  WHERE
    effective_start_ts <= CAST('2026-01-15 00:00:00' AS TIMESTAMP)
    AND CAST('2026-01-15 00:00:00' AS TIMESTAMP) < effective_end_ts
    AND status = 'Active'
), ranked_sessions AS (
  SELECT
    student_id,
    tutor_id,
    subject_id,
    session_ts,
    ROW_NUMBER() OVER (PARTITION BY student_id ORDER BY session_ts DESC, session_id DESC) AS recency
  FROM tutor_gold.int_priced_sessions
), latest_session AS (
  SELECT
    student_id,
    tutor_id,
    subject_id
  FROM ranked_sessions
  WHERE
    recency = 1
), lifetime AS (
  SELECT
    student_id,
    MIN(CASE WHEN is_billable THEN session_ts END) AS first_billable_session_ts,
    MAX(CASE WHEN is_billable THEN session_ts END) AS last_billable_session_ts,
    COUNT(*) AS scheduled_sessions,
    COUNT(CASE WHEN status = 0 THEN 1 END) AS completed_sessions,
    COUNT(CASE WHEN status = 1 THEN 1 END) AS no_show_sessions,
    COUNT(CASE WHEN is_billable THEN 1 END) AS billable_sessions,
    COUNT(CASE WHEN is_cancelled THEN 1 END) AS cancelled_sessions,
    SUM(billable_hours) AS billable_hours,
    SUM(revenue) AS revenue
  FROM tutor_gold.int_priced_sessions
  GROUP BY
    student_id
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
    p.student_id,
    p.first_name,
    p.last_name,
    p.sex,
    p.date_of_birth,
    p.grade,
    p.contract_rate,
    p.created_ts,
    p.updated_ts,
    ls.subject_id AS current_subject_id,
    sub.subject_name AS current_subject_name,
    ls.tutor_id AS current_tutor_id,
    tn.tutor_name AS current_tutor_name,
    lt.first_billable_session_ts,
    lt.last_billable_session_ts,
    COALESCE(lt.scheduled_sessions, 0) AS lifetime_scheduled_sessions,
    COALESCE(lt.completed_sessions, 0) AS lifetime_completed_sessions,
    COALESCE(lt.no_show_sessions, 0) AS lifetime_no_show_sessions,
    COALESCE(lt.billable_sessions, 0) AS lifetime_billable_sessions,
    COALESCE(lt.cancelled_sessions, 0) AS lifetime_cancelled_sessions,
    ROUND(COALESCE(lt.billable_hours, 0), 4) AS lifetime_billable_hours,
    CAST(COALESCE(lt.revenue, 0) AS DECIMAL(18, 2)) AS lifetime_revenue,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM profiles AS p
  LEFT JOIN latest_session AS ls
    ON ls.student_id = p.student_id
  LEFT JOIN lifetime AS lt
    ON lt.student_id = p.student_id
  LEFT JOIN tutor_silver.dim_subjects AS sub
    ON sub.subject_id = ls.subject_id
  LEFT JOIN tutor_names AS tn
    ON tn.tutor_id = ls.tutor_id
)
SELECT
  *
FROM final
ORDER BY
  student_id;

DELETE FROM tutor_gold.active_students;

INSERT INTO tutor_gold.active_students (
  student_id,
  first_name,
  last_name,
  sex,
  date_of_birth,
  grade,
  contract_rate,
  created_ts,
  updated_ts,
  current_subject_id,
  current_subject_name,
  current_tutor_id,
  current_tutor_name,
  first_billable_session_ts,
  last_billable_session_ts,
  lifetime_scheduled_sessions,
  lifetime_completed_sessions,
  lifetime_no_show_sessions,
  lifetime_billable_sessions,
  lifetime_cancelled_sessions,
  lifetime_billable_hours,
  lifetime_revenue,
  as_of_ts,
  generated_at
)
SELECT
  student_id,
  first_name,
  last_name,
  sex,
  date_of_birth,
  grade,
  contract_rate,
  created_ts,
  updated_ts,
  current_subject_id,
  current_subject_name,
  current_tutor_id,
  current_tutor_name,
  first_billable_session_ts,
  last_billable_session_ts,
  lifetime_scheduled_sessions,
  lifetime_completed_sessions,
  lifetime_no_show_sessions,
  lifetime_billable_sessions,
  lifetime_cancelled_sessions,
  lifetime_billable_hours,
  lifetime_revenue,
  as_of_ts,
  generated_at
FROM tutor_gold.active_students__stage;

DROP TABLE IF EXISTS tutor_gold.active_students__stage;
