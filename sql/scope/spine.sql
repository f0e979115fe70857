-- scope.spine: what the calendars of gold.subject_demand and gold.contractor_utilization are
-- drawn from (the first and last month with sessions, each contractor's first month). An
-- incremental gold build reads it before and after repricing; when it moved, those two
-- tables are rebuilt whole, since months outside the batch's scope gain or lose rows.

SELECT
    MIN(tutor_first) AS first_month,
    MAX(tutor_last) AS last_month,
    MD5(STRING_AGG(tutor_first_month, ',' ORDER BY tutor_first_month)) AS tutor_first_months
FROM (
    SELECT
        MIN(month_start) AS tutor_first,
        MAX(month_start) AS tutor_last,
        CAST(tutor_id AS VARCHAR) || ':' || CAST(MIN(month_start) AS VARCHAR)
            AS tutor_first_month
    FROM gold.int_priced_sessions
    GROUP BY tutor_id
)
