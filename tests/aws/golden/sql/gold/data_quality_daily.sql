-- gold.data_quality_daily (@kind full): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_gold.data_quality_daily__stage;

CREATE TABLE tutor_gold.data_quality_daily__stage
WITH (
  format='PARQUET'
) AS
WITH batches AS (
  SELECT
    ingest_date,
    source_batch_id,
    source_files,
    raw_rows,
    kept_rows,
    repaired_rows,
    superseded_rows,
    rejected_rows
  FROM tutor_silver.ingest_batches
  WHERE
    entity = 'sessions' AND ingest_date <= CAST('2026-01-15' AS DATE)
), dimension_deltas AS (
  SELECT
    ingest_date,
    CAST(SUM(CASE WHEN entity = 'students' THEN raw_rows ELSE 0 END) AS BIGINT) AS student_rows,
    CAST(SUM(CASE WHEN entity = 'tutors' THEN raw_rows ELSE 0 END) AS BIGINT) AS tutor_rows
  FROM tutor_silver.ingest_batches
  WHERE
    entity IN ('students', 'tutors') AND ingest_date <= CAST('2026-01-15' AS DATE)
  GROUP BY
    ingest_date
), reasons AS (
  SELECT
    ingest_date,
    COUNT(CASE WHEN action = 'repaired' THEN 1 END) AS repair_actions,
    COUNT(CASE WHEN action = 'flagged' THEN 1 END) AS flag_actions,
    COUNT(CASE WHEN reason_code = 'ERR_INVALID_DESCRIPTOR' THEN 1 END) AS err_invalid_descriptor,
    COUNT(CASE WHEN reason_code = 'ERR_UNITS_RANGE' THEN 1 END) AS err_units_range,
    COUNT(CASE WHEN reason_code = 'ERR_INVALID_STAMP' THEN 1 END) AS err_invalid_stamp,
    COUNT(CASE WHEN reason_code = 'ERR_MISSING_TUTOR' THEN 1 END) AS err_missing_tutor,
    COUNT(CASE WHEN reason_code = 'ERR_MISSING_STATUS' THEN 1 END) AS err_missing_status,
    COUNT(CASE WHEN reason_code = 'ERR_MISSING_SUBJECT' THEN 1 END) AS err_missing_subject,
    COUNT(CASE WHEN reason_code = 'ERR_OUT_OF_RANGE' THEN 1 END) AS err_out_of_range,
    COUNT(CASE WHEN reason_code = 'ERR_UNPARSEABLE' THEN 1 END) AS err_unparseable,
    COUNT(CASE WHEN reason_code = 'ERR_ORPHAN_STUDENT' THEN 1 END) AS err_orphan_student,
    COUNT(CASE WHEN reason_code = 'ERR_ORPHAN_TUTOR' THEN 1 END) AS err_orphan_tutor,
    COUNT(CASE WHEN reason_code = 'DUPLICATE_EMISSION' THEN 1 END) AS duplicate_emission,
    COUNT(CASE WHEN reason_code = 'SUPERSEDED_LATER_BATCH' THEN 1 END) AS superseded_later_batch,
    COUNT(
      CASE
        WHEN NOT reason_code IN (
          'ERR_INVALID_DESCRIPTOR',
          'ERR_UNITS_RANGE',
          'ERR_INVALID_STAMP',
          'ERR_MISSING_TUTOR',
          'ERR_MISSING_STATUS',
          'ERR_MISSING_SUBJECT',
          'ERR_OUT_OF_RANGE',
          'ERR_UNPARSEABLE',
          'ERR_ORPHAN_STUDENT',
          'ERR_ORPHAN_TUTOR',
          'DUPLICATE_EMISSION',
          'SUPERSEDED_LATER_BATCH'
        )
        THEN 1
      END
    ) AS other_reasons
  FROM tutor_silver.err_sessions
  WHERE
    ingest_date <= CAST('2026-01-15' AS DATE)
  GROUP BY
    ingest_date
), kept_now /* the batch's sessions still in silver (int_priced_sessions holds every one, as of D) */ AS (
  SELECT
    ingest_date,
    COUNT(*) AS kept_rows_now,
    COUNT(CASE WHEN is_orphan THEN 1 END) AS orphan_sessions,
    COUNT(CASE WHEN is_unpriced THEN 1 END) AS unpriced_sessions
  FROM tutor_gold.int_priced_sessions
  GROUP BY
    ingest_date
), final AS (
  SELECT
    b.ingest_date,
    b.source_batch_id,
    b.source_files,
    b.raw_rows,
    b.kept_rows,
    b.repaired_rows,
    b.superseded_rows,
    b.rejected_rows,
    b.raw_rows = b.kept_rows + b.superseded_rows + b.rejected_rows AS is_reconciled,
    COALESCE(k.kept_rows_now, 0) AS kept_rows_now,
    COALESCE(r.repair_actions, 0) AS repair_actions,
    COALESCE(r.flag_actions, 0) AS flag_actions,
    COALESCE(r.err_invalid_descriptor, 0) AS err_invalid_descriptor,
    COALESCE(r.err_units_range, 0) AS err_units_range,
    COALESCE(r.err_invalid_stamp, 0) AS err_invalid_stamp,
    COALESCE(r.err_missing_tutor, 0) AS err_missing_tutor,
    COALESCE(r.err_missing_status, 0) AS err_missing_status,
    COALESCE(r.err_missing_subject, 0) AS err_missing_subject,
    COALESCE(r.err_out_of_range, 0) AS err_out_of_range,
    COALESCE(r.err_unparseable, 0) AS err_unparseable,
    COALESCE(r.err_orphan_student, 0) AS err_orphan_student,
    COALESCE(r.err_orphan_tutor, 0) AS err_orphan_tutor,
    COALESCE(r.duplicate_emission, 0) AS duplicate_emission,
    COALESCE(r.superseded_later_batch, 0) AS superseded_later_batch,
    COALESCE(r.other_reasons, 0) AS other_reasons,
    COALESCE(k.orphan_sessions, 0) AS orphan_sessions,
    COALESCE(k.unpriced_sessions, 0) AS unpriced_sessions,
    COALESCE(d.student_rows, 0) AS student_delta_rows,
    COALESCE(d.tutor_rows, 0) AS tutor_delta_rows,
    CAST('2026-01-15 00:00:00' AS TIMESTAMP) AS as_of_ts,
    CAST('2026-01-15 02:00:00' AS TIMESTAMP) AS generated_at
  FROM batches AS b
  LEFT JOIN reasons AS r
    ON r.ingest_date = b.ingest_date
  LEFT JOIN kept_now AS k
    ON k.ingest_date = b.ingest_date
  LEFT JOIN dimension_deltas AS d
    ON d.ingest_date = b.ingest_date
)
SELECT
  *
FROM final
ORDER BY
  ingest_date;

DELETE FROM tutor_gold.data_quality_daily;

INSERT INTO tutor_gold.data_quality_daily (
  ingest_date,
  source_batch_id,
  source_files,
  raw_rows,
  kept_rows,
  repaired_rows,
  superseded_rows,
  rejected_rows,
  is_reconciled,
  kept_rows_now,
  repair_actions,
  flag_actions,
  err_invalid_descriptor,
  err_units_range,
  err_invalid_stamp,
  err_missing_tutor,
  err_missing_status,
  err_missing_subject,
  err_out_of_range,
  err_unparseable,
  err_orphan_student,
  err_orphan_tutor,
  duplicate_emission,
  superseded_later_batch,
  other_reasons,
  orphan_sessions,
  unpriced_sessions,
  student_delta_rows,
  tutor_delta_rows,
  as_of_ts,
  generated_at
)
SELECT
  ingest_date,
  source_batch_id,
  source_files,
  raw_rows,
  kept_rows,
  repaired_rows,
  superseded_rows,
  rejected_rows,
  is_reconciled,
  kept_rows_now,
  repair_actions,
  flag_actions,
  err_invalid_descriptor,
  err_units_range,
  err_invalid_stamp,
  err_missing_tutor,
  err_missing_status,
  err_missing_subject,
  err_out_of_range,
  err_unparseable,
  err_orphan_student,
  err_orphan_tutor,
  duplicate_emission,
  superseded_later_batch,
  other_reasons,
  orphan_sessions,
  unpriced_sessions,
  student_delta_rows,
  tutor_delta_rows,
  as_of_ts,
  generated_at
FROM tutor_gold.data_quality_daily__stage;

DROP TABLE IF EXISTS tutor_gold.data_quality_daily__stage;
