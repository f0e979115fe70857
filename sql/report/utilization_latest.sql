-- Report chart: each contractor's roster at the latest month end of
-- gold.contractor_utilization, against the cap.
SELECT
    month_start,
    month_end_ts,
    tutor_id,
    COALESCE(tutor_name, 'Tutor') || ' (#' || CAST(tutor_id AS VARCHAR) || ')' AS tutor_label,
    active_students,
    student_cap,
    CAST(utilization_pct AS DOUBLE) AS utilization_pct
FROM gold.contractor_utilization
WHERE month_start = (SELECT MAX(month_start) FROM gold.contractor_utilization)
ORDER BY tutor_id
