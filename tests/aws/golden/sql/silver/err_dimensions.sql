-- silver.err_dimensions (@kind incremental_by_partition): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.err_dimensions__stage;

CREATE TABLE tutor_silver.err_dimensions__stage
WITH (
  format='PARQUET'
) AS
WITH staged AS (
  SELECT
    entity,
    source_file,
    source_row,
    raw_id,
    raw_record,
    student_id AS entity_id,
    disposition,
    reason_code,
    reject_detail,
    unparseable_fields,
    fix_change_type,
    fix_ingest_ts,
    fix_rate_units,
    fix_date_format,
    missing_fields,
    unfilled_fields,
    fix_update_before_insert,
    change_type,
    change_type_text
  FROM tutor_silver.stg_students
  UNION ALL
  SELECT
    entity,
    source_file,
    source_row,
    raw_id,
    raw_record,
    tutor_id AS entity_id,
    disposition,
    reason_code,
    reject_detail,
    unparseable_fields,
    fix_change_type,
    fix_ingest_ts,
    fix_rate_units,
    fix_date_format,
    missing_fields,
    unfilled_fields,
    fix_update_before_insert,
    change_type,
    change_type_text
  FROM tutor_silver.stg_tutors
), events AS (
  SELECT
    s.*,
    reason_code AS event_code,
    'rejected' AS action,
    reject_detail AS detail
  FROM staged AS s
  WHERE
    disposition = 'rejected'
  UNION ALL
  SELECT
    s.*,
    reason_code AS event_code,
    'superseded' AS action,
    CASE reason_code
      WHEN 'ERR_UPDATE_BEFORE_INSERT'
      THEN CONCAT(
        CAST('INSERT of an id silver has from this time or earlier (its UPDATE came ' AS VARCHAR),
        CAST('first): that version is kept' AS VARCHAR)
      )
      ELSE CONCAT(
        CAST('a later row of the same id in this batch is kept (latest validity time, ' AS VARCHAR),
        CAST('then ingest time, then file order)' AS VARCHAR)
      )
    END AS detail
  FROM staged AS s
  WHERE
    disposition = 'superseded'
  UNION ALL
  SELECT
    s.*,
    'ERR_UNPARSEABLE' AS event_code,
    'repaired' AS action,
    CONCAT(
      CAST('unusable value(s) kept as NULL: ' AS VARCHAR),
      CAST(unparseable_fields AS VARCHAR)
    ) AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND unparseable_fields <> ''
  UNION ALL
  SELECT
    s.*,
    'ERR_INVALID_CHANGE_TYPE' AS event_code,
    'repaired' AS action,
    CONCAT(
      CAST('change_type ''' AS VARCHAR),
      CAST(COALESCE(change_type_text, '') AS VARCHAR),
      CAST(''' is not INSERT or UPDATE: ' AS VARCHAR),
      CAST(change_type AS VARCHAR),
      CAST(' from created/updated' AS VARCHAR)
    ) AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND fix_change_type
  UNION ALL
  SELECT
    s.*,
    'ERR_RATE_UNITS' AS event_code,
    'repaired' AS action,
    'contract_rate of 1,000 or more read as cents: divided by 100' AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND fix_rate_units
  UNION ALL
  SELECT
    s.*,
    'ERR_MALFORMED_DATE' AS event_code,
    'repaired' AS action,
    'date_of_birth written MM/DD/YYYY: read as month/day/year' AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND fix_date_format
  UNION ALL
  SELECT
    s.*,
    'ERR_MISSING_FIELD' AS event_code,
    'repaired' AS action,
    CONCAT(
      CAST('empty field(s) taken from the version valid at updated: ' AS VARCHAR),
      CAST(missing_fields AS VARCHAR)
    ) AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND missing_fields <> ''
  UNION ALL
  SELECT
    s.*,
    'ERR_MISSING_FIELD' AS event_code,
    'flagged' AS action,
    CONCAT(
      CAST('empty field(s) kept NULL, no earlier version to take them from: ' AS VARCHAR),
      CAST(unfilled_fields AS VARCHAR)
    ) AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND unfilled_fields <> ''
  UNION ALL
  SELECT
    s.*,
    'ERR_UPDATE_BEFORE_INSERT' AS event_code,
    'repaired' AS action,
    'UPDATE of an id with no version and no INSERT: its first version, INSERT from created' AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND fix_update_before_insert
  UNION ALL
  SELECT
    s.*,
    'ERR_INVALID_INGEST_TS' AS event_code,
    'repaired' AS action,
    'ingest_ts missing, malformed or not on the batch date: the batch date 00:00 is used' AS detail
  FROM staged AS s
  WHERE
    disposition = 'kept' AND fix_ingest_ts
), final AS (
  SELECT
    entity,
    'sim_2026-01-15' AS source_batch_id,
    source_file,
    CAST(source_row AS BIGINT) AS source_row,
    raw_id,
    raw_record,
    CAST(entity_id AS BIGINT) AS entity_id,
    event_code AS reason_code,
    action,
    detail,
    CAST(CAST('2026-01-15 01:00:00' AS TIMESTAMP) AS TIMESTAMP) AS slv_ingest_ts,
    CAST(CAST('2026-01-15' AS DATE) AS DATE) AS ingest_date
  FROM events
)
SELECT
  *
FROM final;

DELETE FROM tutor_silver.err_dimensions
WHERE
  ingest_date IN (
    SELECT DISTINCT
      ingest_date
    FROM tutor_silver.err_dimensions__stage
  );

INSERT INTO tutor_silver.err_dimensions (
  entity,
  source_batch_id,
  source_file,
  source_row,
  raw_id,
  raw_record,
  entity_id,
  reason_code,
  action,
  detail,
  slv_ingest_ts,
  ingest_date
)
SELECT
  entity,
  source_batch_id,
  source_file,
  source_row,
  raw_id,
  raw_record,
  entity_id,
  reason_code,
  action,
  detail,
  slv_ingest_ts,
  ingest_date
FROM tutor_silver.err_dimensions__stage;

DROP TABLE IF EXISTS tutor_silver.err_dimensions__stage;
