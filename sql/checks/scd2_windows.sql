-- scd2_windows: the validity windows of each student and tutor follow each other without
-- overlap or gap: a version ends where the next begins, the last one is open (ends
-- 9999-12-31 23:59:59) and is the current one, no window ends before it starts.
-- A row of this query is a failure.
WITH versions AS (
    SELECT 'students' AS entity, student_id AS id, student_sk AS sk, effective_start_ts,
        effective_end_ts, is_current
    FROM silver.dim_students
    UNION ALL
    SELECT 'tutors' AS entity, tutor_id AS id, tutor_sk AS sk, effective_start_ts,
        effective_end_ts, is_current
    FROM silver.dim_tutors
),

ordered AS (
    SELECT
        *,
        LEAD(effective_start_ts) OVER (PARTITION BY entity, id ORDER BY effective_start_ts, sk)
            AS next_start_ts
    FROM versions
)

SELECT
    entity, id, sk, effective_start_ts, effective_end_ts, next_start_ts, is_current,
    CASE
        WHEN effective_end_ts < effective_start_ts THEN 'ends before it starts'
        WHEN next_start_ts IS NOT NULL AND effective_end_ts > next_start_ts THEN 'overlaps the next version'
        WHEN next_start_ts IS NOT NULL AND effective_end_ts < next_start_ts THEN 'gap before the next version'
        WHEN next_start_ts IS NULL AND effective_end_ts <> TIMESTAMP '9999-12-31 23:59:59'
            THEN 'last version is not open'
        ELSE 'is_current disagrees with the window'
    END AS problem
FROM ordered
WHERE
    effective_end_ts < effective_start_ts
    OR (next_start_ts IS NOT NULL AND effective_end_ts <> next_start_ts)
    OR (next_start_ts IS NULL AND effective_end_ts <> TIMESTAMP '9999-12-31 23:59:59')
    OR is_current <> (next_start_ts IS NULL)
ORDER BY entity, id, effective_start_ts
