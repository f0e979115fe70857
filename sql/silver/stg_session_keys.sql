-- stg_session_keys: the dimension keys of the sessions this batch writes to fct_sessions.
-- Grain: one row per session id (key session_id): the batch's kept sessions (origin
-- 'batch'), and the sessions already in silver whose keys this batch changes (origin
-- 'recheck'): a student or tutor version added by this batch that covers their stamp, or an
-- orphan whose student or tutor has now arrived (a late-arriving dimension member).
-- Keys resolve against the dimensions as they are after this batch's deltas:
--   student_sk / tutor_sk: the version valid at session_ts (effective_start_ts <= session_ts
--     < effective_end_ts); a session stamped before the id's first version (a back-dated
--     stamp) takes the first version, flagged ERR_BEFORE_FIRST_VERSION;
--   is_orphan: the student id or the tutor id is unknown to its dimension (or the tutor is
--     missing and could not be filled): the row is kept and flagged, its key is NULL.
-- Ephemeral (@kind view), read by fct_sessions and err_sessions.
-- @kind view
-- @reads_previous silver.fct_sessions

WITH batch_sessions AS (
    SELECT
        session_id,
        student_id,
        tutor_id,
        session_ts,
        'batch' AS origin,
        CAST(NULL AS BIGINT) AS old_student_sk,
        CAST(NULL AS BIGINT) AS old_tutor_sk,
        CAST(NULL AS BOOLEAN) AS old_is_orphan
    FROM silver.stg_sessions
    WHERE origin = 'raw' AND disposition = 'kept'
),

student_versions AS (
    SELECT
        student_id,
        student_sk,
        effective_start_ts,
        effective_end_ts,
        slv_ingest_ts,
        ROW_NUMBER() OVER (
            PARTITION BY student_id ORDER BY effective_start_ts, student_sk
        ) AS version_no
    FROM silver.dim_students
),

tutor_versions AS (
    SELECT
        tutor_id,
        tutor_sk,
        effective_start_ts,
        effective_end_ts,
        slv_ingest_ts,
        ROW_NUMBER() OVER (
            PARTITION BY tutor_id ORDER BY effective_start_ts, tutor_sk
        ) AS version_no
    FROM silver.dim_tutors
),

-- From when on the sessions of an id may resolve differently: the start of the earliest
-- version this batch added, or all time when that version became the id's first one.
student_changes AS (
    SELECT
        student_id,
        MIN(
            CASE WHEN version_no = 1 THEN TIMESTAMP '1900-01-01 00:00:00' ELSE effective_start_ts END
        ) AS since_ts
    FROM student_versions
    WHERE slv_ingest_ts = :slv_ingest_ts
    GROUP BY student_id
),

tutor_changes AS (
    SELECT
        tutor_id,
        MIN(
            CASE WHEN version_no = 1 THEN TIMESTAMP '1900-01-01 00:00:00' ELSE effective_start_ts END
        ) AS since_ts
    FROM tutor_versions
    WHERE slv_ingest_ts = :slv_ingest_ts
    GROUP BY tutor_id
),

rechecked_sessions AS (
    SELECT
        f.session_id,
        f.student_id,
        f.tutor_id,
        f.session_ts,
        'recheck' AS origin,
        f.student_sk AS old_student_sk,
        f.tutor_sk AS old_tutor_sk,
        f.is_orphan AS old_is_orphan
    FROM silver.fct_sessions AS f
    LEFT JOIN student_changes AS sc ON sc.student_id = f.student_id
    LEFT JOIN tutor_changes AS tc ON tc.tutor_id = f.tutor_id
    WHERE
        (f.is_orphan OR f.session_ts >= sc.since_ts OR f.session_ts >= tc.since_ts)
        AND f.session_id NOT IN (SELECT b.session_id FROM batch_sessions AS b)
),

sessions AS (
    SELECT * FROM batch_sessions
    UNION ALL
    SELECT * FROM rechecked_sessions
),

resolved AS (
    SELECT
        s.*,
        sv.student_sk AS valid_student_sk,
        sf.student_sk AS first_student_sk,
        tv.tutor_sk AS valid_tutor_sk,
        tf.tutor_sk AS first_tutor_sk
    FROM sessions AS s
    LEFT JOIN student_versions AS sv
        ON
            sv.student_id = s.student_id
            AND s.session_ts >= sv.effective_start_ts
            AND s.session_ts < sv.effective_end_ts
    LEFT JOIN student_versions AS sf
        ON sf.student_id = s.student_id AND sf.version_no = 1
    LEFT JOIN tutor_versions AS tv
        ON
            tv.tutor_id = s.tutor_id
            AND s.session_ts >= tv.effective_start_ts
            AND s.session_ts < tv.effective_end_ts
    LEFT JOIN tutor_versions AS tf
        ON tf.tutor_id = s.tutor_id AND tf.version_no = 1
),

final AS (
    SELECT
        session_id,
        origin,
        COALESCE(valid_student_sk, first_student_sk) AS student_sk,
        COALESCE(valid_tutor_sk, first_tutor_sk) AS tutor_sk,
        first_student_sk IS NULL OR first_tutor_sk IS NULL AS is_orphan,
        first_student_sk IS NULL AS is_orphan_student,
        first_tutor_sk IS NULL AND tutor_id IS NOT NULL AS is_orphan_tutor,
        valid_student_sk IS NULL AND first_student_sk IS NOT NULL AS is_before_first_student,
        valid_tutor_sk IS NULL AND first_tutor_sk IS NOT NULL AS is_before_first_tutor,
        old_student_sk,
        old_tutor_sk,
        old_is_orphan
    FROM resolved
)

SELECT *
FROM final
WHERE
    origin = 'batch'
    OR old_student_sk IS DISTINCT FROM student_sk
    OR old_tutor_sk IS DISTINCT FROM tutor_sk
    OR old_is_orphan IS DISTINCT FROM is_orphan
