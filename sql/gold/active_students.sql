-- active_students: one row per student whose profile (the silver.dim_students version valid
-- at the as-of time) has status 'Active'. Key: student_id.
-- Current subject and tutor come from the student's latest session (ties: highest
-- session_id); lifetime counts cover every session ingested up to the as-of batch. The first
-- and last billable session times come from the sessions that took place and were billed
-- (Completed, No-Show), never from one cancelled with notice; NULL for a student with none.
-- A student returning after a break keeps the first one from their first enrollment.
-- A batch changes the rows of the students it touched (sessions, profile versions, a
-- current tutor's name): a daily build recomputes those only (@scope student_id).
-- @kind full
-- @scope student_id

WITH profiles AS (
    SELECT
        student_id,
        first_name,
        last_name,
        sex,
        date_of_birth,
        grade,
        status,
        contract_rate,
        created_ts,
        updated_ts
    FROM silver.dim_students
    WHERE
        effective_start_ts <= :as_of_ts
        AND :as_of_ts < effective_end_ts
        AND status = 'Active'
        AND (:full_build OR student_id IN (SELECT student_id FROM gold_scope_student_id))
),

ranked_sessions AS (
    SELECT
        student_id,
        tutor_id,
        subject_id,
        session_ts,
        ROW_NUMBER() OVER (
            PARTITION BY student_id ORDER BY session_ts DESC, session_id DESC
        ) AS recency
    FROM gold.int_priced_sessions
    WHERE (:full_build OR student_id IN (SELECT student_id FROM gold_scope_student_id))
),

latest_session AS (
    SELECT
        student_id,
        tutor_id,
        subject_id
    FROM ranked_sessions
    WHERE recency = 1
),

lifetime AS (
    SELECT
        student_id,
        MIN(CASE WHEN is_billable THEN session_ts END) AS first_billable_session_ts,
        MAX(CASE WHEN is_billable THEN session_ts END) AS last_billable_session_ts,
        COUNT(*) AS scheduled_sessions,
        COUNT(CASE WHEN status = 0 THEN 1 END) AS completed_sessions,
        COUNT(CASE WHEN status = 1 THEN 1 END) AS no_show_sessions,
        COUNT(CASE WHEN is_billable THEN 1 END) AS billable_sessions,
        COUNT(CASE WHEN is_cancelled THEN 1 END) AS cancelled_sessions,
        SUM(billable_hours) AS billable_hours,
        SUM(revenue) AS revenue
    FROM gold.int_priced_sessions
    WHERE (:full_build OR student_id IN (SELECT student_id FROM gold_scope_student_id))
    GROUP BY student_id
),

tutor_names AS (
    SELECT
        tutor_id,
        first_name || ' ' || last_name AS tutor_name
    FROM silver.dim_tutors
    WHERE effective_start_ts <= :as_of_ts AND :as_of_ts < effective_end_ts
),

final AS (
    SELECT
        p.student_id,
        p.first_name,
        p.last_name,
        p.sex,
        p.date_of_birth,
        p.grade,
        p.contract_rate,
        p.created_ts,
        p.updated_ts,
        ls.subject_id AS current_subject_id,
        sub.subject_name AS current_subject_name,
        ls.tutor_id AS current_tutor_id,
        tn.tutor_name AS current_tutor_name,
        lt.first_billable_session_ts,
        lt.last_billable_session_ts,
        COALESCE(lt.scheduled_sessions, 0) AS lifetime_scheduled_sessions,
        COALESCE(lt.completed_sessions, 0) AS lifetime_completed_sessions,
        COALESCE(lt.no_show_sessions, 0) AS lifetime_no_show_sessions,
        COALESCE(lt.billable_sessions, 0) AS lifetime_billable_sessions,
        COALESCE(lt.cancelled_sessions, 0) AS lifetime_cancelled_sessions,
        ROUND(COALESCE(lt.billable_hours, 0), 4) AS lifetime_billable_hours,
        CAST(COALESCE(lt.revenue, 0) AS DECIMAL(18, 2)) AS lifetime_revenue,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM profiles AS p
    LEFT JOIN latest_session AS ls ON ls.student_id = p.student_id
    LEFT JOIN lifetime AS lt ON lt.student_id = p.student_id
    LEFT JOIN silver.dim_subjects AS sub ON sub.subject_id = ls.subject_id
    LEFT JOIN tutor_names AS tn ON tn.tutor_id = ls.tutor_id
)

SELECT * FROM final
ORDER BY student_id
