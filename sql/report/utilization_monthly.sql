-- Report chart: every contractor's utilization (% of the cap at month end) in every month.
SELECT
    month_start,
    tutor_id,
    COALESCE(tutor_name, 'Tutor') || ' (#' || CAST(tutor_id AS VARCHAR) || ')' AS tutor_label,
    CAST(utilization_pct AS DOUBLE) AS utilization_pct
FROM gold.contractor_utilization
ORDER BY tutor_id, month_start
