-- silver.err_sessions (@kind incremental_by_partition): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.err_sessions__stage;

CREATE TABLE tutor_silver.err_sessions__stage
WITH (
  format='PARQUET'
) AS
WITH batch_keys AS (
  SELECT
    *,
    'raw' AS row_origin,
    'kept' AS row_disposition
  FROM tutor_silver.stg_session_keys
  WHERE
    origin = 'batch'
), audited AS (
  SELECT
    s.*,
    k.is_orphan_student,
    k.is_orphan_tutor,
    k.is_before_first_student,
    k.is_before_first_tutor
  FROM tutor_silver.stg_sessions AS s
  LEFT JOIN batch_keys AS k
    ON k.session_id = s.session_id
    AND k.row_origin = s.origin
    AND k.row_disposition = s.disposition
), kept AS (
  SELECT
    *
  FROM audited
  WHERE
    origin = 'raw' AND disposition = 'kept'
), events AS (
  SELECT
    a.*,
    reason_code AS event_code,
    CASE WHEN disposition = 'rejected' THEN 'rejected' ELSE 'superseded' END AS action
  FROM audited AS a
  WHERE
    disposition IN ('rejected', 'superseded')
  UNION ALL
  SELECT
    k.*,
    'ERR_INVALID_INGEST_TS' AS event_code,
    'repaired' AS action
  FROM kept AS k
  WHERE
    fix_ingest_ts
  UNION ALL
  SELECT
    k.*,
    'ERR_INVALID_DESCRIPTOR' AS event_code,
    'repaired' AS action
  FROM kept AS k
  WHERE
    fix_missing_duration
  UNION ALL
  SELECT
    k.*,
    'ERR_UNITS_RANGE' AS event_code,
    'repaired' AS action
  FROM kept AS k
  WHERE
    fix_minutes
  UNION ALL
  SELECT
    k.*,
    'ERR_INVALID_STAMP' AS event_code,
    'repaired' AS action
  FROM kept AS k
  WHERE
    fix_stamp
  UNION ALL
  SELECT
    k.*,
    'ERR_MISSING_TUTOR' AS event_code,
    CASE WHEN tutor_fill = 'none' THEN 'flagged' ELSE 'repaired' END AS action
  FROM kept AS k
  WHERE
    fix_missing_tutor
  UNION ALL
  SELECT
    k.*,
    'ERR_MISSING_STATUS' AS event_code,
    'repaired' AS action
  FROM kept AS k
  WHERE
    fix_missing_status
  UNION ALL
  SELECT
    k.*,
    'ERR_MISSING_SUBJECT' AS event_code,
    'repaired' AS action
  FROM kept AS k
  WHERE
    fix_missing_subject
  UNION ALL
  SELECT
    k.*,
    'ERR_ORPHAN_STUDENT' AS event_code,
    'flagged' AS action
  FROM kept AS k
  WHERE
    is_orphan_student
  UNION ALL
  SELECT
    k.*,
    'ERR_ORPHAN_TUTOR' AS event_code,
    'flagged' AS action
  FROM kept AS k
  WHERE
    is_orphan_tutor
  UNION ALL
  SELECT
    k.*,
    'ERR_BEFORE_FIRST_VERSION' AS event_code,
    'flagged' AS action
  FROM kept AS k
  WHERE
    is_before_first_student OR is_before_first_tutor
), with_raw /* the raw values as they were in the file (bronze); for a replaced silver row, its values */ AS (
  SELECT
    e.*,
    CASE WHEN e.origin = 'raw' THEN b.session_id ELSE CAST(e.session_id AS VARCHAR) END AS raw_session_id,
    CASE WHEN e.origin = 'raw' THEN b.student_id ELSE CAST(e.student_id AS VARCHAR) END AS raw_student_id,
    CASE WHEN e.origin = 'raw' THEN b.tutor_id ELSE CAST(e.tutor_id AS VARCHAR) END AS raw_tutor_id,
    CASE WHEN e.origin = 'raw' THEN b.subject_id ELSE CAST(e.subject_id AS VARCHAR) END AS raw_subject_id,
    CASE WHEN e.origin = 'raw' THEN b.stamp ELSE CAST(e.session_ts AS VARCHAR) END AS raw_stamp,
    CASE
      WHEN e.origin = 'raw'
      THEN b.duration
      ELSE CAST(e.duration_hours AS VARCHAR)
    END AS raw_duration,
    CASE WHEN e.origin = 'raw' THEN b.status ELSE CAST(e.status AS VARCHAR) END AS raw_status
  FROM events AS e
  LEFT JOIN tutor_raw.sessions AS b
    ON b.source_file = e.source_file AND b.source_row = e.source_row
), described AS (
  SELECT
    *,
    CASE event_code
      WHEN 'ERR_MALFORMED_ROW'
      THEN CONCAT(CAST('malformed line: ' AS VARCHAR), CAST(reason_detail AS VARCHAR))
      WHEN 'ERR_MISSING_KEY'
      THEN reason_detail
      WHEN 'ERR_UNPARSEABLE'
      THEN CONCAT(
        CAST('not a number of the expected form: ' AS VARCHAR),
        CAST(reason_detail AS VARCHAR)
      )
      WHEN 'ERR_MALFORMED_STAMP'
      THEN CASE
        WHEN NULLIF(TRIM(raw_stamp), '') IS NULL
        THEN 'stamp is empty'
        ELSE CONCAT(
          CAST('stamp ''' AS VARCHAR),
          CAST(raw_stamp AS VARCHAR),
          CAST(''' is not a valid YYYY-MM-DD HH:MM:SS time' AS VARCHAR)
        )
      END
      WHEN 'ERR_OUT_OF_RANGE'
      THEN reason_detail
      WHEN 'DUPLICATE_EMISSION'
      THEN CONCAT(
        CAST('session ' AS VARCHAR),
        CAST(session_id AS VARCHAR),
        CAST(' emitted more than once in the batch; kept ' AS VARCHAR),
        CAST(reason_detail AS VARCHAR),
        CAST(' (latest stamp, then ingest time, then file order)' AS VARCHAR)
      )
      WHEN 'SUPERSEDED_LATER_BATCH'
      THEN CONCAT(
        CAST('replaced by ' AS VARCHAR),
        CAST(reason_detail AS VARCHAR),
        CAST(' of batch ' AS VARCHAR),
        CAST('sim_2026-01-15' AS VARCHAR),
        CAST('; raw_* hold the replaced silver row, ingested ' AS VARCHAR),
        CAST(row_ingest_date AS VARCHAR)
      )
      WHEN 'ERR_INVALID_INGEST_TS'
      THEN CONCAT(
        CAST('ingest_ts missing, malformed or not on the batch date: the batch date ' AS VARCHAR),
        CAST('00:00 is used' AS VARCHAR)
      )
      WHEN 'ERR_INVALID_DESCRIPTOR'
      THEN 'duration missing: 1.0 h assumed'
      WHEN 'ERR_UNITS_RANGE'
      THEN CONCAT(
        CAST('duration ' AS VARCHAR),
        CAST(TRIM(raw_duration) AS VARCHAR),
        CAST(' is 60 or more, read as minutes: ' AS VARCHAR),
        CAST(duration_hours AS VARCHAR),
        CAST(' h' AS VARCHAR)
      )
      WHEN 'ERR_INVALID_STAMP'
      THEN CONCAT(
        CAST('stamp ' AS VARCHAR),
        CAST(TRIM(raw_stamp) AS VARCHAR),
        CAST(' is after the ingest time: set to ' AS VARCHAR),
        CAST(session_ts AS VARCHAR)
      )
      WHEN 'ERR_MISSING_TUTOR'
      THEN CASE tutor_fill
        WHEN 'earlier'
        THEN CONCAT(
          CAST('tutor missing: tutor ' AS VARCHAR),
          CAST(tutor_id AS VARCHAR),
          CAST(' of the student''s latest earlier session ' AS VARCHAR),
          CAST(tutor_from_session_id AS VARCHAR),
          CAST(' (' AS VARCHAR),
          CAST(tutor_from_session_ts AS VARCHAR),
          CAST(')' AS VARCHAR)
        )
        WHEN 'later'
        THEN CONCAT(
          CAST('tutor missing: tutor ' AS VARCHAR),
          CAST(tutor_id AS VARCHAR),
          CAST(' of the student''s nearest later session ' AS VARCHAR),
          CAST(tutor_from_session_id AS VARCHAR),
          CAST(' (' AS VARCHAR),
          CAST(tutor_from_session_ts AS VARCHAR),
          CAST('), no earlier one known' AS VARCHAR)
        )
        ELSE 'tutor missing and no other session of the student has one: left unknown'
      END
      WHEN 'ERR_MISSING_STATUS'
      THEN 'status missing: 0 (Completed) assumed'
      WHEN 'ERR_MISSING_SUBJECT'
      THEN 'subject missing: 1 (SAT/ACT/PSAT+) assumed'
      WHEN 'ERR_ORPHAN_STUDENT'
      THEN CONCAT(
        CAST('student ' AS VARCHAR),
        CAST(student_id AS VARCHAR),
        CAST(' is not in dim_students: kept with is_orphan, student_sk NULL' AS VARCHAR)
      )
      WHEN 'ERR_ORPHAN_TUTOR'
      THEN CONCAT(
        CAST('tutor ' AS VARCHAR),
        CAST(tutor_id AS VARCHAR),
        CAST(' is not in dim_tutors: kept with is_orphan, tutor_sk NULL' AS VARCHAR)
      )
      WHEN 'ERR_BEFORE_FIRST_VERSION'
      THEN CONCAT(
        CAST('session_ts ' AS VARCHAR),
        CAST(session_ts AS VARCHAR),
        CAST(' is before the first version of its ' AS VARCHAR),
        CAST(CONCAT_WS(
          ' and ',
          CAST(CASE WHEN is_before_first_student THEN 'student' END AS VARCHAR),
          CAST(CASE WHEN is_before_first_tutor THEN 'tutor' END AS VARCHAR)
        ) AS VARCHAR),
        CAST(': keyed to that first version' AS VARCHAR)
      )
    END AS detail
  FROM with_raw
), final AS (
  SELECT
    source_batch_id,
    source_file,
    CAST(source_row AS BIGINT) AS source_row,
    raw_session_id,
    raw_student_id,
    raw_tutor_id,
    raw_subject_id,
    raw_stamp,
    raw_duration,
    raw_status,
    CAST(session_id AS BIGINT) AS session_id,
    event_code AS reason_code,
    action,
    detail,
    CAST(CAST('2026-01-15 01:00:00' AS TIMESTAMP) AS TIMESTAMP) AS slv_ingest_ts,
    CAST(CAST('2026-01-15' AS DATE) AS DATE) AS ingest_date
  FROM described
)
SELECT
  *
FROM final;

DELETE FROM tutor_silver.err_sessions
WHERE
  ingest_date IN (
    SELECT DISTINCT
      ingest_date
    FROM tutor_silver.err_sessions__stage
  );

INSERT INTO tutor_silver.err_sessions (
  source_batch_id,
  source_file,
  source_row,
  raw_session_id,
  raw_student_id,
  raw_tutor_id,
  raw_subject_id,
  raw_stamp,
  raw_duration,
  raw_status,
  session_id,
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
  raw_session_id,
  raw_student_id,
  raw_tutor_id,
  raw_subject_id,
  raw_stamp,
  raw_duration,
  raw_status,
  session_id,
  reason_code,
  action,
  detail,
  slv_ingest_ts,
  ingest_date
FROM tutor_silver.err_sessions__stage;

DROP TABLE IF EXISTS tutor_silver.err_sessions__stage;
