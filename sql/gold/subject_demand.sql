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
-- @kind full
-- @depends_on gold.int_priced_sessions, silver.dim_subjects

WITH bounds AS (
    SELECT
        MIN(month_start) AS first_month,
        MAX(month_start) AS last_month
    FROM gold.int_priced_sessions
),

months AS (
    SELECT CAST(m.month_start AS DATE) AS month_start
    FROM bounds AS b,
        UNNEST(GENERATE_SERIES(b.first_month, b.last_month, INTERVAL 1 MONTH)) AS m (month_start)
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

with_previous AS (
    SELECT
        student_id,
        subject_id,
        month_start,
        session_ts,
        LAG(session_ts) OVER (
            PARTITION BY student_id ORDER BY session_ts, session_id
        ) AS previous_session_ts
    FROM gold.int_priced_sessions
    -- the rosters' rule: a stamp before the student existed starts no enrollment
    WHERE NOT is_before_student_start
),

enrollments AS (
    SELECT
        month_start,
        subject_id,
        COUNT(CASE WHEN previous_session_ts IS NULL THEN 1 END) AS new_students,
        COUNT(
            CASE WHEN previous_session_ts < session_ts - INTERVAL 28 DAY THEN 1 END
        ) AS returning_students
    FROM with_previous
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
    FROM gold.int_priced_sessions
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
)

SELECT * FROM final
ORDER BY month_start, subject_id
