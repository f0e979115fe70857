-- gold_totals: revenue and contractor pay over all of gold.monthly_revenue, read by the
-- materialize stage after a build for its result (the same query on every engine).
SELECT
    COALESCE(SUM(revenue), 0) AS total_revenue,
    COALESCE(SUM(contractor_pay), 0) AS total_contractor_pay
FROM gold.monthly_revenue
