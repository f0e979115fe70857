-- silver.stg_sessions (@kind view): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.stg_sessions;

CREATE TABLE tutor_silver.stg_sessions
WITH (
  format='PARQUET'
) AS
/* stg_sessions: the batch's raw session rows, typed, checked, de-duplicated and repaired. */
/* Grain: one row per raw row of bronze.sessions (origin 'raw', key source_file + source_row), */
/* plus one row per session of an earlier batch that this batch supersedes (origin 'silver'). */
/* Every raw row ends in exactly one disposition: 'kept' (it becomes the session's row in */
/* fct_sessions, repaired where a rule says so), 'superseded' (another emission of the same */
/* session id in this batch won) or 'rejected' (unusable as a session; quarantined in */
/* err_sessions with its raw values). So per batch: raw rows = kept + superseded + rejected. */
/* Rules (SPEC section 4) are named "Rule ..." below so they can be found by searching. */
/* Ephemeral (@kind view): computed once per ingest, read by stg_session_keys, fct_sessions, */
/* err_sessions and ingest_batches. */
/* @kind view */
/* @depends_on bronze.sessions, silver.fct_sessions */
WITH raw AS (
  SELECT
    source_file,
    source_row,
    file_kind,
    parse_error,
    session_id AS raw_session_id,
    student_id AS raw_student_id,
    tutor_id AS raw_tutor_id,
    subject_id AS raw_subject_id,
    stamp AS raw_stamp,
    duration AS raw_duration,
    status AS raw_status,
    NULLIF(TRIM(session_id), '') AS session_id_text, /* any field may be empty; surrounding blanks are not part of a value */
    NULLIF(TRIM(student_id), '') AS student_id_text,
    NULLIF(TRIM(tutor_id), '') AS tutor_id_text,
    NULLIF(TRIM(subject_id), '') AS subject_id_text,
    NULLIF(TRIM(stamp), '') AS stamp_text,
    NULLIF(TRIM(duration), '') AS duration_text,
    NULLIF(TRIM(status), '') AS status_text,
    NULLIF(TRIM(ingest_ts), '') AS ingest_ts_text
  FROM tutor_raw.sessions
), typed /* Typing. Ids, subject and status are whole numbers, written as floats ('3.0') in a file */ /* whose column had a null; a duration is a decimal number; stamps are */ /* 'YYYY-MM-DD HH:MM:SS[.fff]'. A non-empty value of another shape types to NULL and is */ /* caught as unparseable below. */ AS (
  SELECT
    *,
    CASE
      WHEN REGEXP_LIKE(session_id_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(session_id_text, '\.0*$', '') AS BIGINT)
    END AS session_id,
    CASE
      WHEN REGEXP_LIKE(student_id_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(student_id_text, '\.0*$', '') AS BIGINT)
    END AS student_id,
    CASE
      WHEN REGEXP_LIKE(tutor_id_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(tutor_id_text, '\.0*$', '') AS BIGINT)
    END AS parsed_tutor_id,
    CASE
      WHEN REGEXP_LIKE(subject_id_text, '^-?[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(subject_id_text, '\.0*$', '') AS INTEGER)
    END AS parsed_subject_id,
    CASE
      WHEN REGEXP_LIKE(status_text, '^-?[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(status_text, '\.0*$', '') AS INTEGER)
    END AS parsed_status,
    CASE
      WHEN REGEXP_LIKE(duration_text, '^[-+]?[0-9]+(\.[0-9]*)?$')
      THEN TRY_CAST(duration_text AS DOUBLE)
    END AS duration_value,
    CASE
      WHEN REGEXP_LIKE(
        stamp_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(stamp_text AS TIMESTAMP)
    END AS stamp_value,
    CASE
      WHEN REGEXP_LIKE(
        ingest_ts_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(ingest_ts_text AS TIMESTAMP)
    END AS ingest_ts_value
  FROM raw
), timed /* Rule "ingest time": a daily row's ingest_ts; the pre-migration history has no batch */ /* columns and was taken at the batch date 00:00. A daily row whose ingest_ts is missing, */ /* malformed or not on the batch date gets the batch date 00:00 (ERR_INVALID_INGEST_TS). */ /* Rule "missing duration": 1.0 h (ERR_INVALID_DESCRIPTOR, the seed's code). */ /* Rule "duration in minutes": 60 or more is minutes, divided by 60 (ERR_UNITS_RANGE). */ AS (
  SELECT
    *,
    file_kind = 'daily'
    AND (
      ingest_ts_value IS NULL
      OR CAST(ingest_ts_value AS DATE) <> CAST('2026-01-15' AS DATE)
    ) AS fix_ingest_ts,
    CASE
      WHEN file_kind = 'daily'
      AND CAST(ingest_ts_value AS DATE) = CAST('2026-01-15' AS DATE)
      THEN ingest_ts_value
      ELSE CAST('2026-01-15 00:00:00' AS TIMESTAMP)
    END AS row_ingest_ts,
    duration_text IS NULL AS fix_missing_duration,
    COALESCE(duration_value >= 60, FALSE) AS fix_minutes,
    CASE
      WHEN duration_text IS NULL
      THEN 1.0
      WHEN duration_value >= 60
      THEN CAST(duration_value AS DOUBLE) / 60
      ELSE duration_value
    END AS duration_hours
  FROM typed
), checked /* Rejections, first failing rule wins. Present-but-invalid values are not guessed at: a */ /* writer that emits them is broken, so the row is quarantined with its raw values. */ /*   ERR_MALFORMED_ROW   the line has too few or too many fields */ /*   ERR_MISSING_KEY     no session id or no student id */ /*   ERR_UNPARSEABLE     a non-empty number field that is not a number of the right shape */ /*   ERR_MALFORMED_STAMP the stamp is missing or not a valid 'YYYY-MM-DD HH:MM:SS' */ /*   ERR_OUT_OF_RANGE    status not 0-2, subject not 0-6 (unknown subject), duration <= 0, */ /*                       or longer than 12 h once minutes are converted */ AS (
  SELECT
    *,
    CASE
      WHEN NOT parse_error IS NULL
      THEN 'ERR_MALFORMED_ROW'
      WHEN session_id_text IS NULL OR student_id_text IS NULL
      THEN 'ERR_MISSING_KEY'
      WHEN session_id IS NULL
      OR student_id IS NULL
      OR (
        NOT tutor_id_text IS NULL AND parsed_tutor_id IS NULL
      )
      OR (
        NOT subject_id_text IS NULL AND parsed_subject_id IS NULL
      )
      OR (
        NOT status_text IS NULL AND parsed_status IS NULL
      )
      OR (
        NOT duration_text IS NULL AND duration_value IS NULL
      )
      THEN 'ERR_UNPARSEABLE'
      WHEN stamp_value IS NULL
      THEN 'ERR_MALFORMED_STAMP'
      WHEN NOT parsed_status BETWEEN 0 AND 2
      OR NOT parsed_subject_id BETWEEN 0 AND 6
      OR duration_hours <= 0
      OR duration_hours > 12
      THEN 'ERR_OUT_OF_RANGE'
    END AS reject_code,
    CONCAT_WS(
      ', ',
      CAST(CASE WHEN NOT session_id_text IS NULL AND session_id IS NULL THEN 'session_id' END AS VARCHAR),
      CAST(CASE WHEN NOT student_id_text IS NULL AND student_id IS NULL THEN 'student_id' END AS VARCHAR),
      CAST(CASE WHEN NOT tutor_id_text IS NULL AND parsed_tutor_id IS NULL THEN 'tutor_id' END AS VARCHAR),
      CAST(CASE
        WHEN NOT subject_id_text IS NULL AND parsed_subject_id IS NULL
        THEN 'subject_id'
      END AS VARCHAR),
      CAST(CASE WHEN NOT status_text IS NULL AND parsed_status IS NULL THEN 'status' END AS VARCHAR),
      CAST(CASE WHEN NOT duration_text IS NULL AND duration_value IS NULL THEN 'duration' END AS VARCHAR)
    ) AS unparseable_fields,
    CONCAT_WS(
      ', ',
      CAST(CASE WHEN NOT parsed_status BETWEEN 0 AND 2 THEN 'status is not 0, 1 or 2' END AS VARCHAR),
      CAST(CASE WHEN NOT parsed_subject_id BETWEEN 0 AND 6 THEN 'unknown subject' END AS VARCHAR),
      CAST(CASE WHEN duration_hours <= 0 THEN 'duration is not positive' END AS VARCHAR),
      CAST(CASE WHEN duration_hours > 12 THEN 'duration is over 12 h' END AS VARCHAR)
    ) AS range_problems
  FROM timed
), ranked /* Rule "duplicates within a batch": of the valid rows sharing a session id, keep the most */ /* recent by stamp, then by ingest time, then the last in file order; the others are */ /* superseded (DUPLICATE_EMISSION). */ AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY session_id, reject_code IS NULL
      ORDER BY stamp_value DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
    ) AS emission_rank,
    FIRST_VALUE(source_file) OVER (
      PARTITION BY session_id, reject_code IS NULL
      ORDER BY stamp_value DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
    ) AS winner_file,
    FIRST_VALUE(source_row) OVER (
      PARTITION BY session_id, reject_code IS NULL
      ORDER BY stamp_value DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
    ) AS winner_row
  FROM checked
), classified /* Rule "stamp after the ingest time": set to the ingest time (ERR_INVALID_STAMP). Earlier */ /* stamps are valid sessions arriving late and are kept as they are. */ /* Rule "missing subject": 1, SAT/ACT/PSAT+ test prep (ERR_MISSING_SUBJECT). */ /* Rule "missing status": 0, Completed (ERR_MISSING_STATUS). */ AS (
  SELECT
    *,
    CASE
      WHEN NOT reject_code IS NULL
      THEN 'rejected'
      WHEN emission_rank > 1
      THEN 'superseded'
      ELSE 'kept'
    END AS disposition,
    COALESCE(stamp_value > row_ingest_ts, FALSE) AS fix_stamp,
    CASE WHEN stamp_value > row_ingest_ts THEN row_ingest_ts ELSE stamp_value END AS session_ts,
    subject_id_text IS NULL AS fix_missing_subject,
    COALESCE(parsed_subject_id, 1) AS subject_id,
    status_text IS NULL AS fix_missing_status,
    COALESCE(parsed_status, 0) AS status
  FROM ranked
), kept AS (
  SELECT
    *
  FROM classified
  WHERE
    disposition = 'kept'
), tutor_needed /* Rule "missing tutor": the student's most recent known tutor, i.e. the tutor of the */ /* student's latest session stamped at or before this one, among the sessions already in */ /* silver (except those this batch replaces) and this batch's kept rows. If the student has */ /* no such session, the tutor of the student's nearest later session; if none at all, the */ /* tutor stays unknown and the row is flagged (and counted as an orphan). */ AS (
  SELECT
    session_id,
    student_id,
    session_ts
  FROM kept
  WHERE
    parsed_tutor_id IS NULL
), known_tutors AS (
  SELECT
    f.session_id,
    f.student_id,
    f.tutor_id,
    f.session_ts
  FROM tutor_silver.fct_sessions AS f
  WHERE
    NOT f.tutor_id IS NULL
    AND f.student_id IN (
      SELECT
        n.student_id
      FROM tutor_needed AS n
    )
    AND NOT f.session_id IN (
      SELECT
        k.session_id
      FROM kept AS k
    )
  UNION ALL
  SELECT
    k.session_id,
    k.student_id,
    k.parsed_tutor_id AS tutor_id,
    k.session_ts
  FROM kept AS k
  WHERE
    NOT k.parsed_tutor_id IS NULL
    AND k.student_id IN (
      SELECT
        n.student_id
      FROM tutor_needed AS n
    )
), tutor_candidates AS (
  SELECT
    n.session_id,
    t.tutor_id,
    t.session_id AS from_session_id,
    t.session_ts AS from_session_ts,
    CASE WHEN t.session_ts <= n.session_ts THEN 'earlier' ELSE 'later' END AS fill_kind,
    ROW_NUMBER() OVER (
      PARTITION BY n.session_id
      ORDER BY CASE WHEN t.session_ts <= n.session_ts THEN 0 ELSE 1 END, CASE WHEN t.session_ts <= n.session_ts THEN t.session_ts END DESC, t.session_ts, t.session_id DESC
    ) AS candidate_rank
  FROM tutor_needed AS n
  INNER JOIN known_tutors AS t
    ON t.student_id = n.student_id AND t.session_id <> n.session_id
), tutor_fill AS (
  SELECT
    *
  FROM tutor_candidates
  WHERE
    candidate_rank = 1
), raw_rows AS (
  SELECT
    'raw' AS origin,
    'sim_2026-01-15' AS source_batch_id,
    c.source_file,
    c.source_row,
    c.raw_session_id,
    c.raw_student_id,
    c.raw_tutor_id,
    c.raw_subject_id,
    c.raw_stamp,
    c.raw_duration,
    c.raw_status,
    CAST('2026-01-15' AS DATE) AS row_ingest_date,
    c.session_id,
    c.student_id,
    COALESCE(c.parsed_tutor_id, f.tutor_id) AS tutor_id,
    c.subject_id,
    c.session_ts,
    c.duration_hours,
    c.status,
    c.row_ingest_ts AS raw_ingest_ts,
    c.disposition,
    CASE c.disposition
      WHEN 'rejected'
      THEN c.reject_code
      WHEN 'superseded'
      THEN 'DUPLICATE_EMISSION'
    END AS reason_code,
    c.parse_error,
    c.unparseable_fields,
    c.range_problems,
    c.winner_file,
    c.winner_row,
    CAST(NULL AS VARCHAR) AS superseded_by,
    c.fix_ingest_ts,
    c.fix_missing_duration,
    c.fix_minutes,
    c.fix_stamp,
    c.fix_missing_subject,
    c.fix_missing_status,
    c.parsed_tutor_id IS NULL AS fix_missing_tutor,
    CASE
      WHEN NOT c.parsed_tutor_id IS NULL
      THEN CAST(NULL AS VARCHAR)
      WHEN f.tutor_id IS NULL
      THEN 'none'
      ELSE f.fill_kind
    END AS tutor_fill,
    f.from_session_id AS tutor_from_session_id,
    f.from_session_ts AS tutor_from_session_ts,
    c.stamp_value,
    c.duration_value
  FROM classified AS c
  LEFT JOIN tutor_fill AS f
    ON f.session_id = c.session_id AND c.disposition = 'kept'
), superseded_earlier /* Rule "a later batch supersedes": a session id already in silver from an earlier batch is */ /* replaced by this batch's kept row; the replaced row is audited (SUPERSEDED_LATER_BATCH) */ /* with its silver values, in this batch's err_sessions partition. */ AS (
  SELECT
    'silver' AS origin,
    f.source_batch_id,
    CAST(NULL AS VARCHAR) AS source_file,
    CAST(NULL AS BIGINT) AS source_row,
    CAST(f.session_id AS VARCHAR) AS raw_session_id,
    CAST(f.student_id AS VARCHAR) AS raw_student_id,
    CAST(f.tutor_id AS VARCHAR) AS raw_tutor_id,
    CAST(f.subject_id AS VARCHAR) AS raw_subject_id,
    CAST(f.session_ts AS VARCHAR) AS raw_stamp,
    CAST(f.duration_hours AS VARCHAR) AS raw_duration,
    CAST(f.status AS VARCHAR) AS raw_status,
    f.ingest_date AS row_ingest_date,
    f.session_id,
    f.student_id,
    f.tutor_id,
    f.subject_id,
    f.session_ts,
    f.duration_hours,
    f.status,
    f.raw_ingest_ts,
    'superseded' AS disposition,
    'SUPERSEDED_LATER_BATCH' AS reason_code,
    CAST(NULL AS VARCHAR) AS parse_error,
    CAST(NULL AS VARCHAR) AS unparseable_fields,
    CAST(NULL AS VARCHAR) AS range_problems,
    CAST(NULL AS VARCHAR) AS winner_file,
    CAST(NULL AS BIGINT) AS winner_row,
    CONCAT(CAST(k.source_file AS VARCHAR), CAST(':' AS VARCHAR), CAST(k.source_row AS VARCHAR)) AS superseded_by,
    FALSE AS fix_ingest_ts,
    FALSE AS fix_missing_duration,
    FALSE AS fix_minutes,
    FALSE AS fix_stamp,
    FALSE AS fix_missing_subject,
    FALSE AS fix_missing_status,
    FALSE AS fix_missing_tutor,
    CAST(NULL AS VARCHAR) AS tutor_fill,
    CAST(NULL AS BIGINT) AS tutor_from_session_id,
    CAST(NULL AS TIMESTAMP) AS tutor_from_session_ts,
    f.session_ts AS stamp_value,
    f.duration_hours AS duration_value
  FROM tutor_silver.fct_sessions AS f
  INNER JOIN kept AS k
    ON k.session_id = f.session_id
), final AS (
  SELECT
    *,
    COALESCE(
      CONCAT_WS(
        ',',
        CAST(CASE WHEN fix_ingest_ts THEN 'ERR_INVALID_INGEST_TS' END AS VARCHAR),
        CAST(CASE WHEN fix_missing_duration THEN 'ERR_INVALID_DESCRIPTOR' END AS VARCHAR),
        CAST(CASE WHEN fix_minutes THEN 'ERR_UNITS_RANGE' END AS VARCHAR),
        CAST(CASE WHEN fix_stamp THEN 'ERR_INVALID_STAMP' END AS VARCHAR),
        CAST(CASE WHEN fix_missing_tutor THEN 'ERR_MISSING_TUTOR' END AS VARCHAR),
        CAST(CASE WHEN fix_missing_status THEN 'ERR_MISSING_STATUS' END AS VARCHAR),
        CAST(CASE WHEN fix_missing_subject THEN 'ERR_MISSING_SUBJECT' END AS VARCHAR)
      ),
      ''
    ) AS dq_flags /* the repairs applied to a kept row, in a fixed order (fct_sessions.dq_flags) */
  FROM (
    SELECT
      *
    FROM raw_rows
    UNION ALL
    SELECT
      *
    FROM superseded_earlier
  ) AS rows_
)
SELECT
  *
FROM final;
