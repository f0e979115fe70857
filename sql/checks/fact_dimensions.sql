-- fact_dimensions: every fact row has its dimensions, or is flagged. A row that is not an
-- orphan must carry the surrogate keys of the student and tutor versions valid at its
-- session_ts (or the id's first version for a session stamped before it); an orphan must
-- really have an id unknown to its dimension (or no tutor), with NULL keys.
-- A row of this query is a failure.
WITH student_versions AS (
    SELECT
        student_id, student_sk, effective_start_ts, effective_end_ts,
        ROW_NUMBER() OVER (PARTITION BY student_id ORDER BY effective_start_ts, student_sk) AS version_no
    FROM silver.dim_students
),

tutor_versions AS (
    SELECT
        tutor_id, tutor_sk, effective_start_ts, effective_end_ts,
        ROW_NUMBER() OVER (PARTITION BY tutor_id ORDER BY effective_start_ts, tutor_sk) AS version_no
    FROM silver.dim_tutors
),

expected AS (
    SELECT
        f.session_id,
        f.student_id,
        f.tutor_id,
        f.session_ts,
        f.student_sk,
        f.tutor_sk,
        f.is_orphan,
        COALESCE(sv.student_sk, sf.student_sk) AS expected_student_sk,
        COALESCE(tv.tutor_sk, tf.tutor_sk) AS expected_tutor_sk,
        sf.student_sk IS NULL OR tf.tutor_sk IS NULL AS expected_orphan
    FROM silver.fct_sessions AS f
    LEFT JOIN student_versions AS sv
        ON sv.student_id = f.student_id
        AND f.session_ts >= sv.effective_start_ts AND f.session_ts < sv.effective_end_ts
    LEFT JOIN student_versions AS sf ON sf.student_id = f.student_id AND sf.version_no = 1
    LEFT JOIN tutor_versions AS tv
        ON tv.tutor_id = f.tutor_id
        AND f.session_ts >= tv.effective_start_ts AND f.session_ts < tv.effective_end_ts
    LEFT JOIN tutor_versions AS tf ON tf.tutor_id = f.tutor_id AND tf.version_no = 1
)

SELECT *
FROM expected
WHERE
    is_orphan IS DISTINCT FROM expected_orphan
    OR student_sk IS DISTINCT FROM expected_student_sk
    OR tutor_sk IS DISTINCT FROM expected_tutor_sk
ORDER BY session_id
