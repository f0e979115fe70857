-- Report chart: revenue, contractor pay and margin per month (all contractors, subjects and
-- statuses of gold.monthly_revenue summed).
SELECT
    month_start,
    CAST(SUM(revenue) AS DOUBLE) AS revenue,
    CAST(SUM(contractor_pay) AS DOUBLE) AS contractor_pay,
    CAST(SUM(margin) AS DOUBLE) AS margin,
    SUM(scheduled_sessions) AS scheduled_sessions
FROM gold.monthly_revenue
GROUP BY month_start
ORDER BY month_start
