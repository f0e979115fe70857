-- subject_demand: one row per month x subject, every subject of silver.dim_subjects in every
-- calendar month from the first to the last month with sessions (zeros where a subject had
-- none). Key: month_start, subject_id.
--
-- Scheduled sessions are every session of any status (cancelled with notice included).
-- An enrollment starts with a student's first session ever (new student) or with a session
-- more than 28 days after the student's previous one (returning student, e.g. back after
-- the summer); it counts in the month and subject of that session. Sessions stamped before
-- the student existed are left out, as on the month-end rosters: they start no enrollment.
-- scheduled_sessions_share_pct is the subject's percent (0..100) of the month's scheduled
-- sessions (NULL in a month without any session); the change columns compare with the same
-- subject in the previous calendar month (NULL in the first month;
-- scheduled_sessions_change_pct, a percent, is NULL when the previous month had none).
-- A batch changes the months its sessions fall in and the month after each (the change
-- columns), so a daily build recomputes those months only (@scope month_start).
-- @kind full
-- @scope month_start

WITH bounds AS (
    SELECT
        MIN(month_start) AS first_month,
        MAX(month_start) AS last_month
    FROM gold.int_priced_sessions
),

all_months AS (
    SELECT CAST(m.month_start AS DATE) AS month_start
    FROM bounds AS b,
        UNNEST(GENERATE_SERIES(b.first_month, b.last_month, INTERVAL 1 MONTH)) AS m (month_start)
),

-- the months to build, and the month before each (its sessions feed the change columns)
months AS (
    SELECT month_start
    FROM all_months
    WHERE
        :full_build
        OR month_start IN (SELECT month_start FROM gold_scope_month_start)
        OR month_start + INTERVAL 1 MONTH IN (SELECT month_start FROM gold_scope_month_start)
),

scoped_sessions AS (
    SELECT
        student_id,
        subject_id,
        month_start,
        session_ts,
        previous_session_ts,
        is_before_student_start,
        is_billable,
        duration_hours
    FROM gold.int_priced_sessions
    WHERE month_start IN (SELECT month_start FROM months)
),

spine AS (
    SELECT
        m.month_start,
        s.subject_id,
        s.subject_name,
        s.is_test_prep
    FROM months AS m
    CROSS JOIN silver.dim_subjects AS s
),

enrollments AS (
    SELECT
        month_start,
        subject_id,
        COUNT(CASE WHEN previous_session_ts IS NULL THEN 1 END) AS new_students,
        COUNT(
            CASE WHEN previous_session_ts < session_ts - INTERVAL 28 DAY THEN 1 END
        ) AS returning_students
    FROM scoped_sessions
    -- the rosters' rule: a stamp before the student existed starts no enrollment
    WHERE NOT is_before_student_start
    GROUP BY month_start, subject_id
),

activity AS (
    SELECT
        month_start,
        subject_id,
        COUNT(*) AS scheduled_sessions,
        COUNT(CASE WHEN is_billable THEN 1 END) AS billable_sessions,
        SUM(duration_hours) AS scheduled_hours,
        COUNT(DISTINCT student_id) AS distinct_students
    FROM scoped_sessions
    GROUP BY month_start, subject_id
),

filled AS (
    SELECT
        sp.month_start,
        sp.subject_id,
        sp.subject_name,
        sp.is_test_prep,
        COALESCE(a.scheduled_sessions, 0) AS scheduled_sessions,
        COALESCE(a.billable_sessions, 0) AS billable_sessions,
        ROUND(COALESCE(a.scheduled_hours, 0), 4) AS scheduled_hours,
        COALESCE(a.distinct_students, 0) AS distinct_students,
        COALESCE(e.new_students, 0) AS new_students,
        COALESCE(e.returning_students, 0) AS returning_students
    FROM spine AS sp
    LEFT JOIN activity AS a
        ON a.month_start = sp.month_start AND a.subject_id = sp.subject_id
    LEFT JOIN enrollments AS e
        ON e.month_start = sp.month_start AND e.subject_id = sp.subject_id
),

with_context AS (
    SELECT
        *,
        CAST(SUM(scheduled_sessions) OVER (PARTITION BY month_start) AS BIGINT)
            AS month_sessions,
        LAG(scheduled_sessions) OVER (PARTITION BY subject_id ORDER BY month_start)
            AS previous_sessions
    FROM filled
),

final AS (
    SELECT
        month_start,
        subject_id,
        subject_name,
        is_test_prep,
        scheduled_sessions,
        billable_sessions,
        scheduled_hours,
        distinct_students,
        new_students + returning_students AS new_enrollments,
        new_students,
        returning_students,
        ROUND(100.0 * CAST(scheduled_sessions AS DOUBLE) / NULLIF(month_sessions, 0), 2)
            AS scheduled_sessions_share_pct,
        previous_sessions AS scheduled_sessions_previous_month,
        scheduled_sessions - previous_sessions AS scheduled_sessions_change,
        ROUND(
            100.0 * (scheduled_sessions - previous_sessions) / NULLIF(previous_sessions, 0), 2
        ) AS scheduled_sessions_change_pct,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM with_context
    WHERE :full_build OR month_start IN (SELECT month_start FROM gold_scope_month_start)
)

SELECT * FROM final
ORDER BY month_start, subject_id
