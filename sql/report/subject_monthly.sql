-- Report chart: scheduled sessions (any status) per month and subject, with the subject's
-- share of the month.
SELECT
    month_start,
    subject_id,
    subject_name,
    scheduled_sessions,
    CAST(COALESCE(scheduled_sessions_share_pct, 0) AS DOUBLE) AS share_pct
FROM gold.subject_demand
ORDER BY subject_id, month_start
