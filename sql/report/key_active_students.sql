-- Report key figure: students active at the as-of time (one row per student in
-- gold.active_students), and that as-of time.
SELECT
    COUNT(*) AS active_students,
    MAX(as_of_ts) AS as_of_ts
FROM gold.active_students
