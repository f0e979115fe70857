-- Report key figure: contractor utilization now, i.e. in the latest month of
-- gold.contractor_utilization (its month end is the as-of time): students on the rosters
-- over the capacity of every contractor still working at the month end (cap x tutors).
WITH latest AS (
    SELECT *
    FROM gold.contractor_utilization
    WHERE
        month_start = (SELECT MAX(month_start) FROM gold.contractor_utilization)
        -- a tutor who left before the month end has no capacity any more
        AND (departed_ts IS NULL OR departed_ts >= month_end_ts)
),

final AS (
    SELECT
        MAX(month_start) AS month_start,
        MAX(month_end_ts) AS month_end_ts,
        SUM(active_students) AS active_students,
        COUNT(*) AS tutors,
        SUM(student_cap) AS capacity,
        CAST(100.0 * SUM(active_students) / NULLIF(SUM(student_cap), 0) AS DOUBLE)
            AS utilization_pct
    FROM latest
)

SELECT * FROM final
