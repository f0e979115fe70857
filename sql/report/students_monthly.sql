-- Report chart: active students at each month end (the contractors' rosters of
-- gold.contractor_utilization summed) and new enrollments in the month (new and returning
-- students of gold.subject_demand summed over subjects).
WITH rosters AS (
    SELECT
        month_start,
        SUM(active_students) AS active_students
    FROM gold.contractor_utilization
    GROUP BY month_start
),

enrollments AS (
    SELECT
        month_start,
        SUM(new_enrollments) AS new_enrollments
    FROM gold.subject_demand
    GROUP BY month_start
),

final AS (
    SELECT
        COALESCE(r.month_start, e.month_start) AS month_start,
        COALESCE(r.active_students, 0) AS active_students,
        COALESCE(e.new_enrollments, 0) AS new_enrollments
    FROM rosters AS r
    FULL OUTER JOIN enrollments AS e ON e.month_start = r.month_start
)

SELECT * FROM final
ORDER BY month_start
