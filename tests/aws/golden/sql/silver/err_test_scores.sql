-- silver.err_test_scores (@kind incremental_by_partition): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.err_test_scores__stage;

CREATE TABLE tutor_silver.err_test_scores__stage
WITH (
  format='PARQUET'
) AS
WITH flagged AS (
  SELECT
    source_file,
    source_row,
    raw_id,
    raw_record,
    student_id,
    'ERR_ORPHAN_STUDENT' AS reason_code,
    'flagged' AS action,
    'student id unknown to dim_students: kept' AS detail,
    CAST(NULL AS VARCHAR) AS earlier_batch_id
  FROM tutor_silver.stg_test_scores
  WHERE
    disposition = 'kept' AND is_orphan
  UNION ALL
  SELECT
    source_file,
    source_row,
    raw_id,
    raw_record,
    student_id,
    'ERR_MALFORMED_DATE',
    'repaired',
    'test_date written MM/DD/YYYY: read as month/day/year',
    NULL
  FROM tutor_silver.stg_test_scores
  WHERE
    disposition = 'kept' AND fix_date_format
)
SELECT
  *
FROM (
  WITH events AS (
    SELECT
      source_file,
      source_row,
      raw_id,
      raw_record,
      student_id,
      reason_code,
      'rejected' AS action,
      reject_detail AS detail,
      CAST(NULL AS VARCHAR) AS earlier_batch_id
    FROM tutor_silver.stg_test_scores
    WHERE
      disposition = 'rejected'
    UNION ALL
    SELECT
      source_file,
      source_row,
      raw_id,
      raw_record,
      student_id,
      reason_code,
      'superseded',
      (
        CONCAT(
          CAST('a later row of the same student, test and date in this batch is kept (latest ' AS VARCHAR),
          CAST('ingest time, then file order)' AS VARCHAR)
        )
      ),
      NULL
    FROM tutor_silver.stg_test_scores
    WHERE
      disposition = 'superseded'
    UNION ALL
    SELECT
      *
    FROM flagged /* Rule "ingest time" (ingest_ts_repaired) */
    UNION ALL
    SELECT
      source_file,
      source_row,
      raw_id,
      raw_record,
      student_id,
      'ERR_INVALID_INGEST_TS',
      'repaired',
      'ingest_ts missing, malformed or not on the batch date: the batch date 00:00 is used',
      NULL
    FROM tutor_silver.stg_test_scores
    WHERE
      disposition = 'kept' AND fix_ingest_ts
    UNION ALL
    SELECT
      CAST(NULL AS VARCHAR),
      CAST(NULL AS BIGINT),
      raw_id,
      raw_record,
      student_id,
      'SUPERSEDED_LATER_BATCH',
      'superseded',
      (
        CONCAT(
          CAST('scored again in ' AS VARCHAR),
          CAST('sim_2026-01-15' AS VARCHAR),
          CAST(': that score replaces this one' AS VARCHAR)
        )
      ),
      earlier_batch_id
    FROM tutor_silver.stg_test_scores
    WHERE
      disposition = 'kept' AND NOT earlier_batch_id IS NULL
  ), final AS (
    SELECT
      COALESCE(earlier_batch_id, 'sim_2026-01-15') AS source_batch_id,
      source_file,
      CAST(source_row AS BIGINT) AS source_row,
      raw_id,
      raw_record,
      CAST(student_id AS BIGINT) AS student_id,
      reason_code,
      action,
      detail,
      CAST(CAST('2026-01-15 01:00:00' AS TIMESTAMP) AS TIMESTAMP) AS slv_ingest_ts,
      CAST(CAST('2026-01-15' AS DATE) AS DATE) AS ingest_date
    FROM events
  )
  SELECT
    *
  FROM final
);

DELETE FROM tutor_silver.err_test_scores
WHERE
  ingest_date IN (
    SELECT DISTINCT
      ingest_date
    FROM tutor_silver.err_test_scores__stage
  );

INSERT INTO tutor_silver.err_test_scores (
  source_batch_id,
  source_file,
  source_row,
  raw_id,
  raw_record,
  student_id,
  reason_code,
  action,
  detail,
  slv_ingest_ts,
  ingest_date
)
SELECT
  source_batch_id,
  source_file,
  source_row,
  raw_id,
  raw_record,
  student_id,
  reason_code,
  action,
  detail,
  slv_ingest_ts,
  ingest_date
FROM tutor_silver.err_test_scores__stage;

DROP TABLE IF EXISTS tutor_silver.err_test_scores__stage;
