-- silver.ingest_batches (@kind incremental_by_unique_key): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.ingest_batches__stage;

CREATE TABLE tutor_silver.ingest_batches__stage
WITH (
  format='PARQUET'
) AS
WITH sessions AS (
  SELECT
    'sessions' AS entity,
    'raw/sessions/ingest_date=2026-01-15/new_sessions.csv' AS source_files,
    COUNT(*) AS raw_rows,
    SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
    SUM(
      CASE
        WHEN disposition = 'kept'
        AND (
          fix_ingest_ts
          OR fix_missing_duration
          OR fix_minutes
          OR fix_stamp
          OR fix_missing_status
          OR fix_missing_subject
          OR (
            fix_missing_tutor AND tutor_fill <> 'none'
          )
        )
        THEN 1
        ELSE 0
      END
    ) AS repaired_rows,
    SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
    SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
  FROM tutor_silver.stg_sessions
  WHERE
    origin = 'raw'
), students AS (
  SELECT
    'students' AS entity,
    'raw/students/ingest_date=2026-01-15/students_delta.csv' AS source_files,
    COUNT(*) AS raw_rows,
    SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
    SUM(
      CASE
        WHEN disposition = 'kept'
        AND (
          unparseable_fields <> ''
          OR fix_change_type
          OR fix_ingest_ts
          OR fix_rate_units
          OR fix_date_format
          OR missing_fields <> ''
          OR fix_update_before_insert
        )
        THEN 1
        ELSE 0
      END
    ) AS repaired_rows,
    SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
    SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
  FROM tutor_silver.stg_students
), tutors AS (
  SELECT
    'tutors' AS entity,
    'raw/tutors/ingest_date=2026-01-15/tutors_delta.csv' AS source_files,
    COUNT(*) AS raw_rows,
    SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
    SUM(
      CASE
        WHEN disposition = 'kept'
        AND (
          unparseable_fields <> ''
          OR fix_change_type
          OR fix_ingest_ts
          OR fix_rate_units
          OR fix_date_format
          OR missing_fields <> ''
          OR fix_update_before_insert
        )
        THEN 1
        ELSE 0
      END
    ) AS repaired_rows,
    SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
    SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
  FROM tutor_silver.stg_tutors
), feedback AS (
  SELECT
    'feedback' AS entity,
    'raw/feedback/ingest_date=2026-01-15/feedback_delta.csv' AS source_files,
    COUNT(*) AS raw_rows,
    SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
    SUM(CASE WHEN disposition = 'kept' AND fix_ingest_ts THEN 1 ELSE 0 END) AS repaired_rows,
    SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
    SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
  FROM tutor_silver.stg_feedback
), test_scores AS (
  SELECT
    'test_scores' AS entity,
    'raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv' AS source_files,
    COUNT(*) AS raw_rows,
    SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
    SUM(
      CASE
        WHEN disposition = 'kept' AND (
          fix_ingest_ts OR fix_date_format
        )
        THEN 1
        ELSE 0
      END
    ) AS repaired_rows,
    SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
    SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
  FROM tutor_silver.stg_test_scores
), counted AS (
  SELECT
    *
  FROM sessions
  UNION ALL
  SELECT
    *
  FROM students
  UNION ALL
  SELECT
    *
  FROM tutors
  UNION ALL
  SELECT
    *
  FROM feedback
  UNION ALL
  SELECT
    *
  FROM test_scores
), final AS (
  SELECT
    CAST(CAST('2026-01-15' AS DATE) AS DATE) AS ingest_date,
    'sim_2026-01-15' AS source_batch_id,
    entity,
    source_files,
    CAST(raw_rows AS BIGINT) AS raw_rows,
    CAST(COALESCE(kept_rows, 0) AS BIGINT) AS kept_rows,
    CAST(COALESCE(repaired_rows, 0) AS BIGINT) AS repaired_rows,
    CAST(COALESCE(superseded_rows, 0) AS BIGINT) AS superseded_rows,
    CAST(COALESCE(rejected_rows, 0) AS BIGINT) AS rejected_rows,
    CAST(CAST('2026-01-15 01:00:00' AS TIMESTAMP) AS TIMESTAMP) AS slv_ingest_ts
  FROM counted
)
SELECT
  *
FROM final;

MERGE INTO tutor_silver.ingest_batches AS t
USING tutor_silver.ingest_batches__stage AS s
ON t.ingest_date = s.ingest_date AND t.entity = s.entity
WHEN MATCHED THEN UPDATE SET
  source_batch_id = s.source_batch_id,
  source_files = s.source_files,
  raw_rows = s.raw_rows,
  kept_rows = s.kept_rows,
  repaired_rows = s.repaired_rows,
  superseded_rows = s.superseded_rows,
  rejected_rows = s.rejected_rows,
  slv_ingest_ts = s.slv_ingest_ts
WHEN NOT MATCHED THEN INSERT (
  ingest_date,
  source_batch_id,
  entity,
  source_files,
  raw_rows,
  kept_rows,
  repaired_rows,
  superseded_rows,
  rejected_rows,
  slv_ingest_ts
) VALUES (
  s.ingest_date,
  s.source_batch_id,
  s.entity,
  s.source_files,
  s.raw_rows,
  s.kept_rows,
  s.repaired_rows,
  s.superseded_rows,
  s.rejected_rows,
  s.slv_ingest_ts
);

DROP TABLE IF EXISTS tutor_silver.ingest_batches__stage;
