-- monthly_revenue (the revenue cycle): one row per month x contractor x subject x status.
-- Key: month_start, tutor_id, subject_id, status. Revenue and contractor pay come from
-- gold.int_priced_sessions (rates valid at the session time, billable sessions only), so
-- cancelled-with-notice rows carry scheduled sessions and hours but no billable hours and
-- zero money.
-- A batch changes the months its sessions fall in, and every row of a contractor whose name
-- or status changed: a daily build recomputes those rows only (@scope month_start, tutor_id).
-- @kind full
-- @scope month_start, tutor_id
-- @partitioned_by month_start

WITH grouped AS (
    SELECT
        month_start,
        tutor_id,
        subject_id,
        status,
        COUNT(*) AS scheduled_sessions,
        SUM(duration_hours) AS scheduled_hours,
        SUM(billable_hours) AS billable_hours,
        SUM(revenue) AS revenue,
        SUM(contractor_pay) AS contractor_pay,
        COUNT(CASE WHEN is_unpriced THEN 1 END) AS unpriced_sessions
    FROM gold.int_priced_sessions
    WHERE
        :full_build
        OR month_start IN (SELECT month_start FROM gold_scope_month_start)
        OR tutor_id IN (SELECT tutor_id FROM gold_scope_tutor_id)
    GROUP BY month_start, tutor_id, subject_id, status
),

-- the contractor's name from the version valid at the as-of time
tutor_names AS (
    SELECT
        tutor_id,
        first_name || ' ' || last_name AS tutor_name
    FROM silver.dim_tutors
    WHERE effective_start_ts <= :as_of_ts AND :as_of_ts < effective_end_ts
),

final AS (
    SELECT
        g.month_start,
        g.tutor_id,
        t.tutor_name,
        g.subject_id,
        sub.subject_name,
        g.status,
        st.status_name,
        st.is_billable,
        g.scheduled_sessions,
        ROUND(g.scheduled_hours, 4) AS scheduled_hours,
        ROUND(g.billable_hours, 4) AS billable_hours,
        CAST(g.revenue AS DECIMAL(18, 2)) AS revenue,
        CAST(g.contractor_pay AS DECIMAL(18, 2)) AS contractor_pay,
        CAST(g.revenue - g.contractor_pay AS DECIMAL(18, 2)) AS margin,
        g.unpriced_sessions,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM grouped AS g
    LEFT JOIN tutor_names AS t ON t.tutor_id = g.tutor_id
    LEFT JOIN silver.dim_subjects AS sub ON sub.subject_id = g.subject_id
    LEFT JOIN silver.dim_appt_status AS st ON st.status_id = g.status
)

SELECT * FROM final
ORDER BY month_start, tutor_id, subject_id, status
