-- gold.int_priced_sessions (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.int_priced_sessions__stage;

CREATE TABLE tutor_gold.int_priced_sessions__stage
WITH (
  format='PARQUET'
) AS
WITH sessions AS (
  SELECT
    session_id,
    student_id,
    tutor_id,
    subject_id,
    session_ts,
    CAST(DATE_TRUNC('MONTH', session_ts) AS DATE) AS month_start,
    duration_hours,
    status,
    is_billable,
    is_orphan,
    ingest_date
  FROM tutor_silver.fct_sessions /* gold as of batch D sees the sessions ingested up to D */
  WHERE
    ingest_date <= CAST('2026-01-15' AS DATE)
), student_versions /* Validity window of each student version. The first version of an id also covers any */ /* earlier time: a session stamped before the student's creation (a back-dated stamp) is */ /* priced at the student's first rate instead of going unpriced. */ AS (
  SELECT
    student_id,
    contract_rate,
    effective_start_ts,
    CASE
      WHEN effective_start_ts = MIN(effective_start_ts) OVER (PARTITION BY student_id)
      THEN CAST('1900-01-01 00:00:00' AS TIMESTAMP)
      ELSE effective_start_ts
    END AS valid_from,
    effective_end_ts AS valid_to,
    MIN(effective_start_ts) OVER (PARTITION BY student_id) AS first_start_ts
  FROM tutor_silver.dim_students
), tutor_versions AS (
  SELECT
    tutor_id,
    contract_rate,
    CASE
      WHEN effective_start_ts = MIN(effective_start_ts) OVER (PARTITION BY tutor_id)
      THEN CAST('1900-01-01 00:00:00' AS TIMESTAMP)
      ELSE effective_start_ts
    END AS valid_from,
    effective_end_ts AS valid_to
  FROM tutor_silver.dim_tutors
), rated AS (
  SELECT
    s.*,
    sv.contract_rate AS student_rate,
    tv.contract_rate AS tutor_rate,
    COALESCE(s.session_ts < sv.first_start_ts, FALSE) AS is_before_student_start /* stamped before the student existed: priced, but kept off month-end rosters */
  FROM sessions AS s
  LEFT JOIN student_versions AS sv
    ON sv.student_id = s.student_id
    AND s.session_ts >= sv.valid_from
    AND s.session_ts < sv.valid_to
  LEFT JOIN tutor_versions AS tv
    ON tv.tutor_id = s.tutor_id
    AND s.session_ts >= tv.valid_from
    AND s.session_ts < tv.valid_to
), flagged AS (
  SELECT
    *,
    is_billable AND NOT student_rate IS NULL AND NOT tutor_rate IS NULL AS is_priced,
    is_billable AND (
      student_rate IS NULL OR tutor_rate IS NULL
    ) AS is_unpriced
  FROM rated
), final AS (
  SELECT
    session_id,
    student_id,
    tutor_id,
    subject_id,
    session_ts,
    month_start,
    duration_hours,
    status,
    is_billable,
    status = 2 AS is_cancelled,
    CASE WHEN is_billable THEN duration_hours ELSE 0.0 END AS billable_hours,
    student_rate,
    tutor_rate,
    is_orphan,
    is_unpriced,
    is_before_student_start,
    CASE
      WHEN NOT is_before_student_start
      THEN LAG(session_ts) OVER (PARTITION BY student_id, is_before_student_start ORDER BY session_ts, session_id)
    END AS previous_session_ts,
    CASE
      WHEN is_priced
      THEN CAST(ROUND(student_rate * duration_hours, 2) AS DECIMAL(18, 2))
      ELSE CAST(0 AS DECIMAL(18, 2))
    END AS revenue,
    CASE
      WHEN is_priced
      THEN CAST(ROUND(tutor_rate * duration_hours, 2) AS DECIMAL(18, 2))
      ELSE CAST(0 AS DECIMAL(18, 2))
    END AS contractor_pay,
    ingest_date
  FROM flagged
)
SELECT
  *
FROM final;

DELETE FROM tutor_gold.int_priced_sessions;

INSERT INTO tutor_gold.int_priced_sessions (
  session_id,
  student_id,
  tutor_id,
  subject_id,
  session_ts,
  month_start,
  duration_hours,
  status,
  is_billable,
  is_cancelled,
  billable_hours,
  student_rate,
  tutor_rate,
  is_orphan,
  is_unpriced,
  is_before_student_start,
  previous_session_ts,
  revenue,
  contractor_pay,
  ingest_date
)
SELECT
  session_id,
  student_id,
  tutor_id,
  subject_id,
  session_ts,
  month_start,
  duration_hours,
  status,
  is_billable,
  is_cancelled,
  billable_hours,
  student_rate,
  tutor_rate,
  is_orphan,
  is_unpriced,
  is_before_student_start,
  previous_session_ts,
  revenue,
  contractor_pay,
  ingest_date
FROM tutor_gold.int_priced_sessions__stage;

DROP TABLE IF EXISTS tutor_gold.int_priced_sessions__stage;
