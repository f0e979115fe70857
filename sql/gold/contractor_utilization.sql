-- contractor_utilization: one row per tutor x month, from the tutor's first session month to
-- the last month with sessions (months without sessions included, as zeros).
-- Key: tutor_id, month_start.
--
-- Active students at month end: the students whose latest session (any status: a cancelled
-- session still means the student is on the weekly schedule) falls in the 7 days before the
-- month end and is with this tutor. Active students meet weekly, so each one has exactly one
-- session in any 7-day window; a student who quit has none. For the month holding the as-of
-- time, "month end" is the as-of time. Sessions stamped before the student existed
-- (back-dated stamps) put nobody on a roster. utilization_pct = 100 x active students / cap
-- (30). Scheduled sessions and hours count every status; billable ones Completed and No-Show.
-- A departed tutor (a silver.dim_tutors version with status Departed by the as-of time) has
-- rows up to the month of the departure only; their students continue on other rosters.
-- A batch changes the months its sessions fall in, the month of the as-of time, and every
-- row of a contractor whose name or status changed: a daily build recomputes those only
-- (@scope month_start, tutor_id).
-- @kind full
-- @scope month_start, tutor_id

WITH bounds AS (
    SELECT
        MIN(month_start) AS first_month,
        MAX(month_start) AS last_month
    FROM gold.int_priced_sessions
),

-- every calendar month from the first to the last month with sessions
months AS (
    SELECT
        CAST(m.month_start AS DATE) AS month_start,
        LEAST(
            CAST(CAST(m.month_start AS DATE) + INTERVAL 1 MONTH AS TIMESTAMP),
            GREATEST(:as_of_ts, CAST(m.month_start AS TIMESTAMP))
        ) AS month_end_ts
    FROM bounds AS b,
        UNNEST(GENERATE_SERIES(b.first_month, b.last_month, INTERVAL 1 MONTH)) AS m (month_start)
),

tutor_first_month AS (
    SELECT
        tutor_id,
        MIN(month_start) AS first_month
    FROM gold.int_priced_sessions
    WHERE tutor_id IS NOT NULL
    GROUP BY tutor_id
),

-- when a tutor left: the start of their first Departed version known at the as-of time
departures AS (
    SELECT
        tutor_id,
        MIN(effective_start_ts) AS departed_ts
    FROM silver.dim_tutors
    WHERE status = 'Departed' AND effective_start_ts <= :as_of_ts
    GROUP BY tutor_id
),

tutor_months AS (
    SELECT
        t.tutor_id,
        m.month_start,
        m.month_end_ts,
        d.departed_ts
    FROM tutor_first_month AS t
    INNER JOIN months AS m ON m.month_start >= t.first_month
    LEFT JOIN departures AS d ON d.tutor_id = t.tutor_id
    WHERE
        -- a departed tutor's months end with the month they left
        (d.departed_ts IS NULL OR CAST(m.month_start AS TIMESTAMP) < d.departed_ts)
        AND (
            :full_build
            OR m.month_start IN (SELECT month_start FROM gold_scope_month_start)
            OR t.tutor_id IN (SELECT tutor_id FROM gold_scope_tutor_id)
        )
),

-- the months whose rosters are built: a contractor in the scope needs every month
roster_months AS (
    SELECT
        month_start,
        month_end_ts - INTERVAL 7 DAY AS window_start_ts,
        month_end_ts
    FROM months
    WHERE
        :full_build
        OR month_start IN (SELECT month_start FROM gold_scope_month_start)
        OR EXISTS (SELECT 1 FROM gold_scope_tutor_id)
),

-- each month's roster window with the months of the sessions it may hold: it ends at most at
-- the next month's start and begins at most 7 days before its own, so only sessions of that
-- month and of the month before can fall in it (joining sessions on their month is a hash
-- join; comparing every session with every month's window is a nested loop)
roster_windows AS (
    SELECT
        month_start,
        month_start AS session_month,
        window_start_ts,
        month_end_ts
    FROM roster_months
    UNION ALL
    SELECT
        month_start,
        CAST(month_start - INTERVAL 1 MONTH AS DATE) AS session_month,
        window_start_ts,
        month_end_ts
    FROM roster_months
),

-- each student's latest session in the last 7 days before each month end
last_week_sessions AS (
    SELECT
        m.month_start,
        s.student_id,
        s.tutor_id,
        ROW_NUMBER() OVER (
            PARTITION BY m.month_start, s.student_id
            ORDER BY s.session_ts DESC, s.session_id DESC
        ) AS recency
    FROM gold.int_priced_sessions AS s
    INNER JOIN roster_windows AS m ON m.session_month = s.month_start
    WHERE
        NOT s.is_before_student_start
        AND s.session_ts >= m.window_start_ts
        AND s.session_ts < m.month_end_ts
),

month_end_roster AS (
    SELECT
        month_start,
        tutor_id,
        COUNT(*) AS active_students
    FROM last_week_sessions
    WHERE recency = 1
    GROUP BY month_start, tutor_id
),

activity AS (
    SELECT
        tutor_id,
        month_start,
        COUNT(*) AS scheduled_sessions,
        COUNT(CASE WHEN is_billable THEN 1 END) AS billable_sessions,
        SUM(duration_hours) AS scheduled_hours,
        SUM(billable_hours) AS billable_hours,
        SUM(revenue) AS revenue,
        SUM(contractor_pay) AS contractor_pay
    FROM gold.int_priced_sessions
    WHERE
        :full_build
        OR month_start IN (SELECT month_start FROM gold_scope_month_start)
        OR tutor_id IN (SELECT tutor_id FROM gold_scope_tutor_id)
    GROUP BY tutor_id, month_start
),

tutor_names AS (
    SELECT
        tutor_id,
        first_name || ' ' || last_name AS tutor_name,
        status AS tutor_status
    FROM silver.dim_tutors
    WHERE effective_start_ts <= :as_of_ts AND :as_of_ts < effective_end_ts
),

final AS (
    SELECT
        tm.tutor_id,
        n.tutor_name,
        n.tutor_status,
        tm.departed_ts,
        tm.month_start,
        tm.month_end_ts,
        COALESCE(r.active_students, 0) AS active_students,
        30 AS student_cap,
        ROUND(100.0 * CAST(COALESCE(r.active_students, 0) AS DOUBLE) / 30, 2) AS utilization_pct,
        COALESCE(a.scheduled_sessions, 0) AS scheduled_sessions,
        COALESCE(a.billable_sessions, 0) AS billable_sessions,
        ROUND(COALESCE(a.scheduled_hours, 0), 4) AS scheduled_hours,
        ROUND(COALESCE(a.billable_hours, 0), 4) AS billable_hours,
        CAST(COALESCE(a.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
        CAST(COALESCE(a.contractor_pay, 0) AS DECIMAL(18, 2)) AS contractor_pay,
        CAST(COALESCE(a.revenue, 0) - COALESCE(a.contractor_pay, 0) AS DECIMAL(18, 2)) AS margin,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM tutor_months AS tm
    LEFT JOIN month_end_roster AS r
        ON r.tutor_id = tm.tutor_id AND r.month_start = tm.month_start
    LEFT JOIN activity AS a
        ON a.tutor_id = tm.tutor_id AND a.month_start = tm.month_start
    LEFT JOIN tutor_names AS n ON n.tutor_id = tm.tutor_id
)

SELECT * FROM final
ORDER BY tutor_id, month_start
