-- Report chart: sessions per month and subject, with the subject's share of the month.
SELECT
    month_start,
    subject_id,
    subject_name,
    sessions,
    CAST(100.0 * COALESCE(share_of_sessions, 0) AS DOUBLE) AS share_pct
FROM gold.subject_demand
ORDER BY subject_id, month_start
