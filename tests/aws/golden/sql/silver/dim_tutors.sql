-- silver.dim_tutors (@kind scd2): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.dim_tutors__stage;

CREATE TABLE tutor_silver.dim_tutors__stage
WITH (
  format='PARQUET'
) AS
SELECT
  *
FROM (
  WITH incoming AS (
    SELECT
      tutor_id,
      first_name,
      last_name,
      sex,
      date_of_birth,
      contract_rate,
      active_students,
      status,
      created_ts,
      updated_ts,
      valid_from AS effective_start_ts,
      change_type,
      'sim_2026-01-15' AS source_batch_id,
      row_ingest_ts AS raw_ingest_ts,
      CAST('2026-01-15 01:00:00' AS TIMESTAMP) AS slv_ingest_ts
    FROM tutor_silver.stg_tutors
    WHERE
      disposition = 'kept'
  ), existing AS (
    SELECT
      *
    FROM tutor_silver.dim_tutors
  ), new_versions AS (
    SELECT
      (
        SELECT
          COALESCE(MAX(e.tutor_sk), 0)
        FROM existing AS e
      ) + ROW_NUMBER() OVER (ORDER BY tutor_id, effective_start_ts) AS tutor_sk,
      incoming.*
    FROM incoming
  ), touched_versions /* every version of the entities this batch touches, the existing ones and the new ones */ AS (
    SELECT
      tutor_sk,
      tutor_id,
      first_name,
      last_name,
      sex,
      date_of_birth,
      contract_rate,
      active_students,
      status,
      created_ts,
      updated_ts,
      effective_start_ts,
      change_type,
      source_batch_id,
      raw_ingest_ts,
      slv_ingest_ts
    FROM existing
    WHERE
      tutor_id IN (
        SELECT
          i.tutor_id
        FROM incoming AS i
      )
    UNION ALL
    SELECT
      tutor_sk,
      tutor_id,
      first_name,
      last_name,
      sex,
      date_of_birth,
      contract_rate,
      active_students,
      status,
      created_ts,
      updated_ts,
      effective_start_ts,
      change_type,
      source_batch_id,
      raw_ingest_ts,
      slv_ingest_ts
    FROM new_versions
  ), windows AS (
    SELECT
      *,
      LEAD(effective_start_ts) OVER (PARTITION BY tutor_id ORDER BY effective_start_ts, tutor_sk) AS next_start_ts
    FROM touched_versions
  ), final AS (
    SELECT
      CAST(tutor_sk AS BIGINT) AS tutor_sk,
      CAST(tutor_id AS BIGINT) AS tutor_id,
      first_name,
      last_name,
      sex,
      date_of_birth,
      contract_rate,
      active_students,
      status,
      CAST(created_ts AS TIMESTAMP) AS created_ts,
      CAST(updated_ts AS TIMESTAMP) AS updated_ts,
      CAST(effective_start_ts AS TIMESTAMP) AS effective_start_ts,
      COALESCE(next_start_ts, CAST('9999-12-31 23:59:59' AS TIMESTAMP)) AS effective_end_ts,
      next_start_ts IS NULL AS is_current,
      change_type,
      source_batch_id,
      CAST(raw_ingest_ts AS TIMESTAMP) AS raw_ingest_ts,
      CAST(slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts
    FROM windows
  )
  SELECT
    f.*
  FROM final AS f
  LEFT JOIN existing AS e
    ON e.tutor_sk = f.tutor_sk
  WHERE
    e.tutor_sk IS NULL
    OR e.effective_end_ts <> f.effective_end_ts
    OR e.is_current <> f.is_current
);

MERGE INTO tutor_silver.dim_tutors AS t
USING tutor_silver.dim_tutors__stage AS s
ON t.tutor_sk = s.tutor_sk
WHEN MATCHED THEN UPDATE SET
  tutor_id = s.tutor_id,
  first_name = s.first_name,
  last_name = s.last_name,
  sex = s.sex,
  date_of_birth = s.date_of_birth,
  contract_rate = s.contract_rate,
  active_students = s.active_students,
  status = s.status,
  created_ts = s.created_ts,
  updated_ts = s.updated_ts,
  effective_start_ts = s.effective_start_ts,
  effective_end_ts = s.effective_end_ts,
  is_current = s.is_current,
  change_type = s.change_type,
  source_batch_id = s.source_batch_id,
  raw_ingest_ts = s.raw_ingest_ts,
  slv_ingest_ts = s.slv_ingest_ts
WHEN NOT MATCHED THEN INSERT (
  tutor_sk,
  tutor_id,
  first_name,
  last_name,
  sex,
  date_of_birth,
  contract_rate,
  active_students,
  status,
  created_ts,
  updated_ts,
  effective_start_ts,
  effective_end_ts,
  is_current,
  change_type,
  source_batch_id,
  raw_ingest_ts,
  slv_ingest_ts
) VALUES (
  s.tutor_sk,
  s.tutor_id,
  s.first_name,
  s.last_name,
  s.sex,
  s.date_of_birth,
  s.contract_rate,
  s.active_students,
  s.status,
  s.created_ts,
  s.updated_ts,
  s.effective_start_ts,
  s.effective_end_ts,
  s.is_current,
  s.change_type,
  s.source_batch_id,
  s.raw_ingest_ts,
  s.slv_ingest_ts
);

DROP TABLE IF EXISTS tutor_silver.dim_tutors__stage;
