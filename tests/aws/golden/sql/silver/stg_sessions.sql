-- silver.stg_sessions (@kind view): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.stg_sessions;

CREATE TABLE tutor_silver.stg_sessions
WITH (
  format='PARQUET'
) AS
WITH numbers AS (
  SELECT
    source_file,
    source_row,
    file_kind,
    parse_error,
    session_id,
    student_id,
    tutor_id,
    subject_id,
    status,
    duration,
    CASE
      WHEN REGEXP_LIKE(TRIM(session_id), '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(TRIM(session_id) AS DOUBLE)
    END AS session_id_number,
    CASE
      WHEN REGEXP_LIKE(TRIM(student_id), '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(TRIM(student_id) AS DOUBLE)
    END AS student_id_number,
    CASE
      WHEN REGEXP_LIKE(TRIM(tutor_id), '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(TRIM(tutor_id) AS DOUBLE)
    END AS tutor_id_number,
    TRY_CAST(subject_id AS DOUBLE) AS subject_id_number,
    TRY_CAST(status AS DOUBLE) AS status_number,
    TRY_CAST(duration AS DOUBLE) AS duration_number,
    CASE
      WHEN REGEXP_LIKE(
        TRIM(stamp),
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      AND DATE_FORMAT(TRY_CAST(TRIM(stamp) AS TIMESTAMP), '%Y-%m-%d %T') = SUBSTR(TRIM(stamp), 1, 19)
      THEN TRY_CAST(TRIM(stamp) AS TIMESTAMP)
    END AS stamp_value,
    CASE
      WHEN REGEXP_LIKE(
        TRIM(ingest_ts),
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      AND DATE_FORMAT(TRY_CAST(TRIM(ingest_ts) AS TIMESTAMP), '%Y-%m-%d %T') = SUBSTR(TRIM(ingest_ts), 1, 19)
      THEN TRY_CAST(TRIM(ingest_ts) AS TIMESTAMP)
    END AS ingest_ts_value
  FROM tutor_raw.sessions
), present AS (
  SELECT
    *,
    session_id /* empty, or only blanks (trimmed only when the value is not a number already) */ IS NULL
    OR (
      session_id_number IS NULL AND TRIM(session_id) = ''
    ) AS no_session_id,
    student_id IS NULL OR (
      student_id_number IS NULL AND TRIM(student_id) = ''
    ) AS no_student_id,
    tutor_id IS NULL OR (
      tutor_id_number IS NULL AND TRIM(tutor_id) = ''
    ) AS no_tutor_id,
    subject_id IS NULL OR (
      subject_id_number IS NULL AND TRIM(subject_id) = ''
    ) AS no_subject_id,
    status IS NULL OR (
      status_number IS NULL AND TRIM(status) = ''
    ) AS no_status,
    duration IS NULL OR (
      duration_number IS NULL AND TRIM(duration) = ''
    ) AS no_duration
  FROM numbers
), typed AS (
  SELECT
    source_file,
    source_row,
    file_kind,
    parse_error,
    no_session_id,
    no_student_id,
    no_tutor_id,
    no_subject_id,
    no_status,
    no_duration,
    stamp_value,
    ingest_ts_value,
    CAST(CASE
      WHEN session_id_number BETWEEN 0 AND 9007199254740991
      AND session_id_number = FLOOR(session_id_number)
      THEN session_id_number
    END AS BIGINT) AS session_id,
    CAST(CASE
      WHEN student_id_number BETWEEN 0 AND 9007199254740991
      AND student_id_number = FLOOR(student_id_number)
      THEN student_id_number
    END AS BIGINT) AS student_id,
    CAST(CASE
      WHEN tutor_id_number BETWEEN 0 AND 9007199254740991
      AND tutor_id_number = FLOOR(tutor_id_number)
      THEN tutor_id_number
    END AS BIGINT) AS parsed_tutor_id,
    CAST(CASE
      WHEN subject_id_number BETWEEN -1000000 AND 1000000
      AND subject_id_number = FLOOR(subject_id_number)
      THEN subject_id_number
    END AS INTEGER) AS parsed_subject_id,
    CAST(CASE
      WHEN status_number BETWEEN -1000000 AND 1000000
      AND status_number = FLOOR(status_number)
      THEN status_number
    END AS INTEGER) AS parsed_status,
    CASE
      WHEN duration_number BETWEEN -1000000000 AND 1000000000
      THEN duration_number
    END AS duration_value
  FROM present
), timed /* Rule "ingest time" (sql/macros/ingest_ts_repaired.sql, row_ingest_ts.sql). */ /* Rule "missing duration": 1.0 h (ERR_INVALID_DESCRIPTOR, the seed's code). */ /* Rule "duration in minutes": 60 or more is minutes, divided by 60 (ERR_UNITS_RANGE). */ AS (
  SELECT
    *,
    (
      file_kind = 'daily'
      AND (
        ingest_ts_value IS NULL
        OR CAST(ingest_ts_value AS DATE) <> CAST('2026-01-15' AS DATE)
      )
    ) AS fix_ingest_ts,
    CASE
      WHEN file_kind = 'daily'
      AND CAST(ingest_ts_value AS DATE) = CAST('2026-01-15' AS DATE)
      THEN ingest_ts_value
      ELSE CAST('2026-01-15 00:00:00' AS TIMESTAMP)
    END AS row_ingest_ts,
    no_duration AS fix_missing_duration,
    COALESCE(duration_value >= 60, FALSE) AS fix_minutes,
    CASE
      WHEN no_duration
      THEN 1.0
      WHEN duration_value >= 60
      THEN CAST(duration_value AS DOUBLE) / 60
      ELSE duration_value
    END AS duration_hours
  FROM typed
), checked /* Rejections, first failing rule wins. Present-but-invalid values are not guessed at: a */ /* writer that emits them is broken, so the row is rejected, its raw values audited. */ /*   ERR_MALFORMED_ROW   the line has too few or too many fields */ /*   ERR_MISSING_KEY     no session id or no student id */ /*   ERR_UNPARSEABLE     a non-empty number field that is not a number of the right kind */ /*   ERR_MALFORMED_STAMP the stamp is missing or not a valid 'YYYY-MM-DD HH:MM:SS' */ /*   ERR_OUT_OF_RANGE    status not 0-2, subject not 0-6 (unknown subject), duration <= 0, */ /*                       or longer than 12 h once minutes are converted */ AS (
  SELECT
    *,
    CASE
      WHEN NOT parse_error IS NULL
      THEN 'ERR_MALFORMED_ROW'
      WHEN no_session_id OR no_student_id
      THEN 'ERR_MISSING_KEY'
      WHEN session_id IS NULL
      OR student_id IS NULL
      OR (
        NOT no_tutor_id AND parsed_tutor_id IS NULL
      )
      OR (
        NOT no_subject_id AND parsed_subject_id IS NULL
      )
      OR (
        NOT no_status AND parsed_status IS NULL
      )
      OR (
        NOT no_duration AND duration_value IS NULL
      )
      THEN 'ERR_UNPARSEABLE'
      WHEN stamp_value IS NULL
      THEN 'ERR_MALFORMED_STAMP'
      WHEN NOT parsed_status BETWEEN 0 AND 2
      OR NOT parsed_subject_id BETWEEN 0 AND 6
      OR duration_hours <= 0
      OR duration_hours > 12
      THEN 'ERR_OUT_OF_RANGE'
    END AS reject_code
  FROM timed
), duplicated /* Rule "duplicates within a batch": of the valid rows sharing a session id, keep the most */ /* recent by stamp, then by ingest time, then the last in file order; the others are */ /* superseded (DUPLICATE_EMISSION). Only the ids that occur more than once are ranked. */ AS (
  SELECT
    session_id
  FROM checked
  WHERE
    reject_code IS NULL
  GROUP BY
    session_id
  HAVING
    COUNT(*) > 1
), emissions AS (
  SELECT
    source_file,
    source_row,
    ROW_NUMBER() OVER (
      PARTITION BY session_id
      ORDER BY stamp_value DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
    ) AS emission_rank,
    FIRST_VALUE(
      CONCAT(CAST(source_file AS VARCHAR), CAST(':' AS VARCHAR), CAST(source_row AS VARCHAR))
    ) OVER (
      PARTITION BY session_id
      ORDER BY stamp_value DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
    ) AS winner
  FROM checked
  WHERE
    reject_code IS NULL
    AND session_id IN (
      SELECT
        d.session_id
      FROM duplicated AS d
    )
), classified /* Rule "stamp after the ingest time": set to the ingest time (ERR_INVALID_STAMP). Earlier */ /* stamps are valid sessions arriving late and are kept as they are. */ /* Rule "missing subject": 1, SAT/ACT/PSAT+ test prep (ERR_MISSING_SUBJECT). */ /* Rule "missing status": 0, Completed (ERR_MISSING_STATUS). */ AS (
  SELECT
    c.*,
    CASE
      WHEN NOT c.reject_code IS NULL
      THEN 'rejected'
      WHEN e.emission_rank > 1
      THEN 'superseded'
      ELSE 'kept'
    END AS disposition,
    e.winner,
    COALESCE(c.stamp_value > c.row_ingest_ts, FALSE) AS fix_stamp,
    CASE
      WHEN c.stamp_value > c.row_ingest_ts
      THEN c.row_ingest_ts
      ELSE c.stamp_value
    END AS session_ts,
    c.no_subject_id AS fix_missing_subject,
    COALESCE(c.parsed_subject_id, 1) AS subject_id,
    c.no_status AS fix_missing_status,
    COALESCE(c.parsed_status, 0) AS status
  FROM checked AS c
  LEFT JOIN emissions AS e
    ON e.source_file = c.source_file AND e.source_row = c.source_row
), tutor_needed /* Rule "missing tutor": the student's most recent known tutor, i.e. the tutor of the */ /* student's latest session stamped at or before this one, among the sessions already in */ /* silver (except those this batch replaces) and this batch's kept rows. If the student has */ /* no such session, the tutor of the student's nearest later session; if none at all, the */ /* tutor stays unknown and the row is flagged (and counted as an orphan). */ AS (
  SELECT
    session_id,
    student_id,
    session_ts
  FROM classified
  WHERE
    disposition = 'kept' AND parsed_tutor_id IS NULL
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
      FROM classified AS k
      WHERE
        k.disposition = 'kept'
    )
  UNION ALL
  SELECT
    k.session_id,
    k.student_id,
    k.parsed_tutor_id AS tutor_id,
    k.session_ts
  FROM classified AS k
  WHERE
    k.disposition = 'kept'
    AND NOT k.parsed_tutor_id IS NULL
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
), with_fill /* the few kept rows without a tutor get their fill; every other row passes by untouched */ AS (
  SELECT
    c.*,
    CAST(NULL AS BIGINT) AS filled_tutor_id,
    CAST(NULL AS VARCHAR) AS tutor_fill,
    CAST(NULL AS BIGINT) AS tutor_from_session_id,
    CAST(NULL AS TIMESTAMP) AS tutor_from_session_ts
  FROM classified AS c
  WHERE
    NOT (
      c.disposition = 'kept' AND c.parsed_tutor_id IS NULL
    )
  UNION ALL
  SELECT
    c.*,
    f.tutor_id AS filled_tutor_id,
    COALESCE(f.fill_kind, 'none') AS tutor_fill,
    f.from_session_id AS tutor_from_session_id,
    f.from_session_ts AS tutor_from_session_ts
  FROM classified AS c
  LEFT JOIN tutor_fill AS f
    ON f.session_id = c.session_id
  WHERE
    c.disposition = 'kept' AND c.parsed_tutor_id IS NULL
), raw_rows AS (
  SELECT
    'raw' AS origin,
    'sim_2026-01-15' AS source_batch_id,
    c.source_file,
    c.source_row,
    CAST('2026-01-15' AS DATE) AS row_ingest_date,
    c.session_id,
    c.student_id,
    COALESCE(c.parsed_tutor_id, c.filled_tutor_id) AS tutor_id,
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
    CASE
      WHEN c.disposition = 'superseded'
      THEN c.winner
      WHEN c.reject_code = 'ERR_MALFORMED_ROW'
      THEN c.parse_error
      WHEN c.reject_code = 'ERR_MISSING_KEY'
      THEN CONCAT_WS(
        ' and ',
        CAST(CASE WHEN c.no_session_id THEN 'session_id is empty' END AS VARCHAR),
        CAST(CASE WHEN c.no_student_id THEN 'student_id is empty' END AS VARCHAR)
      )
      WHEN c.reject_code = 'ERR_UNPARSEABLE'
      THEN CONCAT_WS(
        ', ',
        CAST(CASE WHEN c.session_id IS NULL THEN 'session_id' END AS VARCHAR),
        CAST(CASE WHEN c.student_id IS NULL THEN 'student_id' END AS VARCHAR),
        CAST(CASE WHEN NOT c.no_tutor_id AND c.parsed_tutor_id IS NULL THEN 'tutor_id' END AS VARCHAR),
        CAST(CASE WHEN NOT c.no_subject_id AND c.parsed_subject_id IS NULL THEN 'subject_id' END AS VARCHAR),
        CAST(CASE WHEN NOT c.no_status AND c.parsed_status IS NULL THEN 'status' END AS VARCHAR),
        CAST(CASE WHEN NOT c.no_duration AND c.duration_value IS NULL THEN 'duration' END AS VARCHAR)
      )
      WHEN c.reject_code = 'ERR_OUT_OF_RANGE'
      THEN CONCAT_WS(
        ', ',
        CAST(CASE WHEN NOT c.parsed_status BETWEEN 0 AND 2 THEN 'status is not 0, 1 or 2' END AS VARCHAR),
        CAST(CASE WHEN NOT c.parsed_subject_id BETWEEN 0 AND 6 THEN 'unknown subject' END AS VARCHAR),
        CAST(CASE WHEN c.duration_hours <= 0 THEN 'duration is not positive' END AS VARCHAR),
        CAST(CASE WHEN c.duration_hours > 12 THEN 'duration is over 12 h' END AS VARCHAR)
      )
    END AS reason_detail, /* what err_sessions says about a rejected or superseded row */
    c.fix_ingest_ts,
    c.fix_missing_duration,
    c.fix_minutes,
    c.fix_stamp,
    c.fix_missing_subject,
    c.fix_missing_status,
    c.parsed_tutor_id IS NULL AS fix_missing_tutor,
    c.tutor_fill,
    c.tutor_from_session_id,
    c.tutor_from_session_ts
  FROM with_fill AS c
), superseded_earlier /* Rule "a later batch supersedes": a session id already in silver from an earlier batch is */ /* replaced by this batch's kept row; the replaced row is audited (SUPERSEDED_LATER_BATCH) */ /* with its silver values, in this batch's err_sessions partition. */ AS (
  SELECT
    'silver' AS origin,
    f.source_batch_id,
    CAST(NULL AS VARCHAR) AS source_file,
    CAST(NULL AS BIGINT) AS source_row,
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
    CONCAT(CAST(k.source_file AS VARCHAR), CAST(':' AS VARCHAR), CAST(k.source_row AS VARCHAR)) AS reason_detail,
    FALSE AS fix_ingest_ts,
    FALSE AS fix_missing_duration,
    FALSE AS fix_minutes,
    FALSE AS fix_stamp,
    FALSE AS fix_missing_subject,
    FALSE AS fix_missing_status,
    FALSE AS fix_missing_tutor,
    CAST(NULL AS VARCHAR) AS tutor_fill,
    CAST(NULL AS BIGINT) AS tutor_from_session_id,
    CAST(NULL AS TIMESTAMP) AS tutor_from_session_ts
  FROM tutor_silver.fct_sessions AS f
  INNER JOIN classified AS k
    ON k.session_id = f.session_id AND k.disposition = 'kept'
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
