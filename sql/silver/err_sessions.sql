-- err_sessions: the audit trail of the batch. One row per raw session row that was repaired,
-- flagged, superseded or rejected, and per reason (a row repaired for two reasons has two
-- rows), with the raw values as they were in the file. Partitioned by ingest_date: each
-- ingest writes its own partition.
--   action 'repaired'   kept in fct_sessions with a value set by a rule (its dq_flags)
--   action 'flagged'    kept as it is, but something about it needs attention (orphan,
--                       stamp before the first dimension version, tutor left unknown)
--   action 'superseded' not kept: another emission of the session won (DUPLICATE_EMISSION),
--                       or an earlier batch's row replaced by this batch
--                       (SUPERSEDED_LATER_BATCH: the raw_* columns then hold that silver
--                       row's values and source_batch_id names the earlier batch)
--   action 'rejected'   not kept: the row cannot be a session as it is (see stg_sessions)
-- The raw values are read back from bronze by file and row (stg_sessions stays narrow).
-- @kind incremental_by_partition
-- @partitioned_by ingest_date

WITH batch_keys AS (
    -- the keys of the batch's kept rows (equality join columns, so the join is a hash join)
    SELECT *, 'raw' AS row_origin, 'kept' AS row_disposition
    FROM silver.stg_session_keys
    WHERE origin = 'batch'
),

audited AS (
    SELECT
        s.*,
        k.is_orphan_student,
        k.is_orphan_tutor,
        k.is_before_first_student,
        k.is_before_first_tutor
    FROM silver.stg_sessions AS s
    LEFT JOIN batch_keys AS k
        ON
            k.session_id = s.session_id
            AND k.row_origin = s.origin
            AND k.row_disposition = s.disposition
),

kept AS (
    SELECT * FROM audited WHERE origin = 'raw' AND disposition = 'kept'
),

events AS (
    SELECT
        a.*,
        reason_code AS event_code,
        CASE WHEN disposition = 'rejected' THEN 'rejected' ELSE 'superseded' END AS action
    FROM audited AS a
    WHERE disposition IN ('rejected', 'superseded')

    UNION ALL
    SELECT k.*, 'ERR_INVALID_INGEST_TS' AS event_code, 'repaired' AS action
    FROM kept AS k
    WHERE fix_ingest_ts

    UNION ALL
    SELECT k.*, 'ERR_INVALID_DESCRIPTOR' AS event_code, 'repaired' AS action
    FROM kept AS k
    WHERE fix_missing_duration

    UNION ALL
    SELECT k.*, 'ERR_UNITS_RANGE' AS event_code, 'repaired' AS action
    FROM kept AS k
    WHERE fix_minutes

    UNION ALL
    SELECT k.*, 'ERR_INVALID_STAMP' AS event_code, 'repaired' AS action
    FROM kept AS k
    WHERE fix_stamp

    UNION ALL
    SELECT
        k.*,
        'ERR_MISSING_TUTOR' AS event_code,
        CASE WHEN tutor_fill = 'none' THEN 'flagged' ELSE 'repaired' END AS action
    FROM kept AS k
    WHERE fix_missing_tutor

    UNION ALL
    SELECT k.*, 'ERR_MISSING_STATUS' AS event_code, 'repaired' AS action
    FROM kept AS k
    WHERE fix_missing_status

    UNION ALL
    SELECT k.*, 'ERR_MISSING_SUBJECT' AS event_code, 'repaired' AS action
    FROM kept AS k
    WHERE fix_missing_subject

    UNION ALL
    SELECT k.*, 'ERR_ORPHAN_STUDENT' AS event_code, 'flagged' AS action
    FROM kept AS k
    WHERE is_orphan_student

    UNION ALL
    SELECT k.*, 'ERR_ORPHAN_TUTOR' AS event_code, 'flagged' AS action
    FROM kept AS k
    WHERE is_orphan_tutor

    UNION ALL
    SELECT k.*, 'ERR_BEFORE_FIRST_VERSION' AS event_code, 'flagged' AS action
    FROM kept AS k
    WHERE is_before_first_student OR is_before_first_tutor
),

-- the raw values as they were in the file (bronze); for a replaced silver row, its values
with_raw AS (
    SELECT
        e.*,
        CASE WHEN e.origin = 'raw' THEN b.session_id ELSE CAST(e.session_id AS VARCHAR) END
            AS raw_session_id,
        CASE WHEN e.origin = 'raw' THEN b.student_id ELSE CAST(e.student_id AS VARCHAR) END
            AS raw_student_id,
        CASE WHEN e.origin = 'raw' THEN b.tutor_id ELSE CAST(e.tutor_id AS VARCHAR) END
            AS raw_tutor_id,
        CASE WHEN e.origin = 'raw' THEN b.subject_id ELSE CAST(e.subject_id AS VARCHAR) END
            AS raw_subject_id,
        CASE WHEN e.origin = 'raw' THEN b.stamp ELSE CAST(e.session_ts AS VARCHAR) END
            AS raw_stamp,
        CASE WHEN e.origin = 'raw' THEN b.duration ELSE CAST(e.duration_hours AS VARCHAR) END
            AS raw_duration,
        CASE WHEN e.origin = 'raw' THEN b.status ELSE CAST(e.status AS VARCHAR) END
            AS raw_status
    FROM events AS e
    LEFT JOIN bronze.sessions AS b
        ON b.source_file = e.source_file AND b.source_row = e.source_row
),

described AS (
    SELECT
        *,
        CASE event_code
            WHEN 'ERR_MALFORMED_ROW' THEN 'malformed line: ' || reason_detail
            WHEN 'ERR_MISSING_KEY' THEN reason_detail
            WHEN 'ERR_UNPARSEABLE' THEN 'not a number of the expected form: ' || reason_detail
            WHEN 'ERR_MALFORMED_STAMP' THEN CASE
                WHEN NULLIF(TRIM(raw_stamp), '') IS NULL THEN 'stamp is empty'
                ELSE 'stamp ''' || raw_stamp || ''' is not a valid YYYY-MM-DD HH:MM:SS time'
            END
            WHEN 'ERR_OUT_OF_RANGE' THEN reason_detail
            WHEN 'DUPLICATE_EMISSION' THEN 'session ' || CAST(session_id AS VARCHAR)
                || ' emitted more than once in the batch; kept ' || reason_detail
                || ' (latest stamp, then ingest time, then file order)'
            WHEN 'SUPERSEDED_LATER_BATCH' THEN 'replaced by ' || reason_detail || ' of batch '
                || :source_batch_id || '; raw_* hold the replaced silver row, ingested '
                || CAST(row_ingest_date AS VARCHAR)
            WHEN 'ERR_INVALID_INGEST_TS'
                THEN 'ingest_ts missing, malformed or not on the batch date: the batch date '
                || '00:00 is used'
            WHEN 'ERR_INVALID_DESCRIPTOR' THEN 'duration missing: 1.0 h assumed'
            WHEN 'ERR_UNITS_RANGE' THEN 'duration ' || TRIM(raw_duration)
                || ' is 60 or more, read as minutes: ' || CAST(duration_hours AS VARCHAR) || ' h'
            WHEN 'ERR_INVALID_STAMP' THEN 'stamp ' || TRIM(raw_stamp)
                || ' is after the ingest time: set to ' || CAST(session_ts AS VARCHAR)
            WHEN 'ERR_MISSING_TUTOR' THEN CASE tutor_fill
                WHEN 'earlier' THEN 'tutor missing: tutor ' || CAST(tutor_id AS VARCHAR)
                    || ' of the student''s latest earlier session '
                    || CAST(tutor_from_session_id AS VARCHAR) || ' ('
                    || CAST(tutor_from_session_ts AS VARCHAR) || ')'
                WHEN 'later' THEN 'tutor missing: tutor ' || CAST(tutor_id AS VARCHAR)
                    || ' of the student''s nearest later session '
                    || CAST(tutor_from_session_id AS VARCHAR) || ' ('
                    || CAST(tutor_from_session_ts AS VARCHAR) || '), no earlier one known'
                ELSE 'tutor missing and no other session of the student has one: left unknown'
            END
            WHEN 'ERR_MISSING_STATUS' THEN 'status missing: 0 (Completed) assumed'
            WHEN 'ERR_MISSING_SUBJECT' THEN 'subject missing: 1 (SAT/ACT/PSAT+) assumed'
            WHEN 'ERR_ORPHAN_STUDENT' THEN 'student ' || CAST(student_id AS VARCHAR)
                || ' is not in dim_students: kept with is_orphan, student_sk NULL'
            WHEN 'ERR_ORPHAN_TUTOR' THEN 'tutor ' || CAST(tutor_id AS VARCHAR)
                || ' is not in dim_tutors: kept with is_orphan, tutor_sk NULL'
            WHEN 'ERR_BEFORE_FIRST_VERSION' THEN 'session_ts ' || CAST(session_ts AS VARCHAR)
                || ' is before the first version of its '
                || CONCAT_WS(
                    ' and ',
                    CASE WHEN is_before_first_student THEN 'student' END,
                    CASE WHEN is_before_first_tutor THEN 'tutor' END
                )
                || ': keyed to that first version'
        END AS detail
    FROM with_raw
),

final AS (
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
        CAST(:slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts,
        CAST(:ingest_date AS DATE) AS ingest_date
    FROM described
)

SELECT * FROM final
