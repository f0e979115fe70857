-- Report chart: each contractor's roster at the latest month end of
-- gold.contractor_utilization, against the cap (tutors who left by then are not shown).
SELECT
    month_start,
    month_end_ts,
    tutor_id,
    COALESCE(tutor_name, 'Tutor') || ' (#' || CAST(tutor_id AS VARCHAR) || ')' AS tutor_label,
    active_students,
    student_cap,
    CAST(utilization_pct AS DOUBLE) AS utilization_pct
FROM gold.contractor_utilization
WHERE
    month_start = (SELECT MAX(month_start) FROM gold.contractor_utilization)
    AND (departed_ts IS NULL OR departed_ts >= month_end_ts)  -- gone: no roster to show
ORDER BY tutor_id
