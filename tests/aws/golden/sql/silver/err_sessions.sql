-- silver.err_sessions (@kind incremental_by_partition): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.err_sessions__stage;

CREATE TABLE tutor_silver.err_sessions__stage
WITH (
  format='PARQUET'
) AS
/* err_sessions: the audit trail of the batch. One row per raw session row that was repaired, */
/* flagged, superseded or rejected, and per reason (a row repaired for two reasons has two */
/* rows), with the raw values as they were in the file. Partitioned by ingest_date: each */
/* ingest writes its own partition. */
/*   action 'repaired'   kept in fct_sessions with a value set by a rule (its dq_flags) */
/*   action 'flagged'    kept as it is, but something about it needs attention (orphan, */
/*                       stamp before the first dimension version, tutor left unknown) */
/*   action 'superseded' not kept: another emission of the session won (DUPLICATE_EMISSION), */
/*                       or an earlier batch's row replaced by this batch */
/*                       (SUPERSEDED_LATER_BATCH: the raw_* columns then hold that silver */
/*                       row's values and source_batch_id names the earlier batch) */
/*   action 'rejected'   not kept: the row cannot be a session as it is (see stg_sessions) */
/* @kind incremental_by_partition */
/* @partitioned_by ingest_date */
/* @depends_on silver.stg_sessions, silver.stg_session_keys */
WITH audited AS (
  SELECT
    s.*,
    k.is_orphan_student,
    k.is_orphan_tutor,
    k.is_before_first_student,
    k.is_before_first_tutor
  FROM tutor_silver.stg_sessions AS s
  LEFT JOIN tutor_silver.stg_session_keys AS k
    ON k.session_id = s.session_id
    AND k.origin = 'batch'
    AND s.disposition = 'kept'
    AND s.origin = 'raw'
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
    'rejected' AS action,
    CASE reason_code
      WHEN 'ERR_MALFORMED_ROW'
      THEN CONCAT(CAST('malformed line: ' AS VARCHAR), CAST(parse_error AS VARCHAR))
      WHEN 'ERR_MISSING_KEY'
      THEN CONCAT_WS(
        ' and ',
        CAST(CASE WHEN NULLIF(TRIM(raw_session_id), '') IS NULL THEN 'session_id is empty' END AS VARCHAR),
        CAST(CASE WHEN NULLIF(TRIM(raw_student_id), '') IS NULL THEN 'student_id is empty' END AS VARCHAR)
      )
      WHEN 'ERR_UNPARSEABLE'
      THEN CONCAT(
        CAST('not a number of the expected form: ' AS VARCHAR),
        CAST(unparseable_fields AS VARCHAR)
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
      THEN range_problems
    END AS detail
  FROM audited AS a
  WHERE
    disposition = 'rejected'
  UNION ALL
  SELECT
    a.*,
    reason_code AS event_code,
    'superseded' AS action,
    CASE reason_code
      WHEN 'DUPLICATE_EMISSION'
      THEN CONCAT(
        CAST('session ' AS VARCHAR),
        CAST(session_id AS VARCHAR),
        CAST(' emitted more than once in the batch; kept ' AS VARCHAR),
        CAST(winner_file AS VARCHAR),
        CAST(':' AS VARCHAR),
        CAST(winner_row AS VARCHAR),
        CAST(' (latest stamp, then ingest time, then file order)' AS VARCHAR)
      )
      ELSE CONCAT(
        CAST('replaced by ' AS VARCHAR),
        CAST(superseded_by AS VARCHAR),
        CAST(' of batch ' AS VARCHAR),
        CAST('sim_2026-01-15' AS VARCHAR),
        CAST('; raw_* hold the replaced silver row, ingested ' AS VARCHAR),
        CAST(row_ingest_date AS VARCHAR)
      )
    END AS detail
  FROM audited AS a
  WHERE
    disposition = 'superseded'
  UNION ALL
  SELECT
    k.*,
    'ERR_INVALID_INGEST_TS' AS event_code,
    'repaired' AS action,
    'ingest_ts missing, malformed or not on the batch date: the batch date 00:00 is used' AS detail
  FROM kept AS k
  WHERE
    fix_ingest_ts
  UNION ALL
  SELECT
    k.*,
    'ERR_INVALID_DESCRIPTOR' AS event_code,
    'repaired' AS action,
    'duration missing: 1.0 h assumed' AS detail
  FROM kept AS k
  WHERE
    fix_missing_duration
  UNION ALL
  SELECT
    k.*,
    'ERR_UNITS_RANGE' AS event_code,
    'repaired' AS action,
    CONCAT(
      CAST('duration ' AS VARCHAR),
      CAST(TRIM(raw_duration) AS VARCHAR),
      CAST(' is 60 or more, read as minutes: ' AS VARCHAR),
      CAST(duration_hours AS VARCHAR),
      CAST(' h' AS VARCHAR)
    ) AS detail
  FROM kept AS k
  WHERE
    fix_minutes
  UNION ALL
  SELECT
    k.*,
    'ERR_INVALID_STAMP' AS event_code,
    'repaired' AS action,
    CONCAT(
      CAST('stamp ' AS VARCHAR),
      CAST(TRIM(raw_stamp) AS VARCHAR),
      CAST(' is after the ingest time: set to ' AS VARCHAR),
      CAST(session_ts AS VARCHAR)
    ) AS detail
  FROM kept AS k
  WHERE
    fix_stamp
  UNION ALL
  SELECT
    k.*,
    'ERR_MISSING_TUTOR' AS event_code,
    CASE WHEN tutor_fill = 'none' THEN 'flagged' ELSE 'repaired' END AS action,
    CASE tutor_fill
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
    END AS detail
  FROM kept AS k
  WHERE
    fix_missing_tutor
  UNION ALL
  SELECT
    k.*,
    'ERR_MISSING_STATUS' AS event_code,
    'repaired' AS action,
    'status missing: 0 (Completed) assumed' AS detail
  FROM kept AS k
  WHERE
    fix_missing_status
  UNION ALL
  SELECT
    k.*,
    'ERR_MISSING_SUBJECT' AS event_code,
    'repaired' AS action,
    'subject missing: 1 (SAT/ACT/PSAT+) assumed' AS detail
  FROM kept AS k
  WHERE
    fix_missing_subject
  UNION ALL
  SELECT
    k.*,
    'ERR_ORPHAN_STUDENT' AS event_code,
    'flagged' AS action,
    CONCAT(
      CAST('student ' AS VARCHAR),
      CAST(student_id AS VARCHAR),
      CAST(' is not in dim_students: kept with is_orphan, student_sk NULL' AS VARCHAR)
    ) AS detail
  FROM kept AS k
  WHERE
    is_orphan_student
  UNION ALL
  SELECT
    k.*,
    'ERR_ORPHAN_TUTOR' AS event_code,
    'flagged' AS action,
    CONCAT(
      CAST('tutor ' AS VARCHAR),
      CAST(tutor_id AS VARCHAR),
      CAST(' is not in dim_tutors: kept with is_orphan, tutor_sk NULL' AS VARCHAR)
    ) AS detail
  FROM kept AS k
  WHERE
    is_orphan_tutor
  UNION ALL
  SELECT
    k.*,
    'ERR_BEFORE_FIRST_VERSION' AS event_code,
    'flagged' AS action,
    CONCAT(
      CAST('session_ts ' AS VARCHAR),
      CAST(session_ts AS VARCHAR),
      CAST(' is before the first version of its ' AS VARCHAR),
      CAST(CONCAT_WS(
        ' and ',
        CAST(CASE WHEN is_before_first_student THEN 'student' END AS VARCHAR),
        CAST(CASE WHEN is_before_first_tutor THEN 'tutor' END AS VARCHAR)
      ) AS VARCHAR),
      CAST(': keyed to that first version' AS VARCHAR)
    ) AS detail
  FROM kept AS k
  WHERE
    is_before_first_student OR is_before_first_tutor
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
  FROM events
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
