-- gold.monthly_revenue (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.monthly_revenue__stage;

CREATE TABLE tutor_gold.monthly_revenue__stage
WITH (
  format='PARQUET'
) AS
WITH grouped AS (
  SELECT
    month_start,
    tutor_id,
    subject_id,
    status,
    COUNT(*) AS scheduled_sessions,
    SUM(duration_hours) AS scheduled_hours,
    SUM(billable_hours) AS billable_hours,
    SUM(revenue) AS revenue,
    SUM(contractor_pay) AS contractor_pay,
    COUNT(CASE WHEN is_unpriced THEN 1 END) AS unpriced_sessions
  FROM tutor_gold.int_priced_sessions
  GROUP BY
    month_start,
    tutor_id,
    subject_id,
    status
), tutor_names /* the contractor's name from the version valid at the as-of time */ AS (
  SELECT
    tutor_id,
    CONCAT(CAST(first_name AS VARCHAR), CAST(' ' AS VARCHAR), CAST(last_name AS VARCHAR)) AS tutor_name
  FROM tutor_silver.dim_tutors
  WHERE
    effective_start_ts <= CAST('2026-01-15 00:00:00' AS TIMESTAMP)
    AND CAST('2026-01-15 00:00:00' AS TIMESTAMP) < effective_end_ts
), final AS (
  SELECT
    g.month_start,
    g.tutor_id,
    t.tutor_name,
    g.subject_id,
    sub.subject_name,
    g.status,
    st.status_name,
    st.is_billable,
    g.scheduled_sessions,
    ROUND(g.scheduled_hours, 4) AS scheduled_hours,
    ROUND(g.billable_hours, 4) AS billable_hours,
    CAST(g.revenue AS DECIMAL(18, 2)) AS revenue,
    CAST(g.contractor_pay AS DECIMAL(18, 2)) AS contractor_pay,
    CAST(g.revenue - g.contractor_pay AS DECIMAL(18, 2)) AS margin,
    g.unpriced_sessions,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM grouped AS g
  LEFT JOIN tutor_names AS t
    ON t.tutor_id = g.tutor_id
  LEFT JOIN tutor_silver.dim_subjects AS sub
    ON sub.subject_id = g.subject_id
  LEFT JOIN tutor_silver.dim_appt_status AS st
    ON st.status_id = g.status
)
SELECT
  *
FROM final
ORDER BY
  month_start,
  tutor_id,
  subject_id,
  status;

DELETE FROM tutor_gold.monthly_revenue;

INSERT INTO tutor_gold.monthly_revenue (
  month_start,
  tutor_id,
  tutor_name,
  subject_id,
  subject_name,
  status,
  status_name,
  is_billable,
  scheduled_sessions,
  scheduled_hours,
  billable_hours,
  revenue,
  contractor_pay,
  margin,
  unpriced_sessions,
  as_of_ts,
  generated_at
)
SELECT
  month_start,
  tutor_id,
  tutor_name,
  subject_id,
  subject_name,
  status,
  status_name,
  is_billable,
  scheduled_sessions,
  scheduled_hours,
  billable_hours,
  revenue,
  contractor_pay,
  margin,
  unpriced_sessions,
  as_of_ts,
  generated_at
FROM tutor_gold.monthly_revenue__stage;

DROP TABLE IF EXISTS tutor_gold.monthly_revenue__stage;
