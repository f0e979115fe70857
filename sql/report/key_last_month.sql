-- Report key figure: revenue, contractor pay and margin of "last month", the latest calendar
-- month that ended by the as-of time; when no month has ended yet (a lake younger than a
-- month), the latest month so far (is_complete = false, shown as "to date").
WITH months AS (
    SELECT
        month_start,
        MAX(as_of_ts) AS as_of_ts,
        SUM(revenue) AS revenue,
        SUM(contractor_pay) AS contractor_pay,
        SUM(margin) AS margin,
        SUM(CASE WHEN is_billable THEN scheduled_sessions ELSE 0 END) AS billable_sessions,
        SUM(billable_hours) AS billable_hours
    FROM gold.monthly_revenue
    GROUP BY month_start
),

final AS (
    SELECT
        month_start,
        month_start + INTERVAL 1 MONTH <= as_of_ts AS is_complete,
        CAST(revenue AS DOUBLE) AS revenue,
        CAST(contractor_pay AS DOUBLE) AS contractor_pay,
        CAST(margin AS DOUBLE) AS margin,
        CAST(100.0 * margin / NULLIF(revenue, 0) AS DOUBLE) AS margin_pct,
        billable_sessions,
        CAST(billable_hours AS DOUBLE) AS billable_hours
    FROM months
)

SELECT * FROM final
ORDER BY is_complete DESC, month_start DESC
LIMIT 1
