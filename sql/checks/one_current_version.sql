-- one_current_version: exactly one current row per student and per tutor id.
-- A row of this query is a failure.
SELECT 'students' AS entity, student_id AS id, COUNT(*) AS versions,
    SUM(CASE WHEN is_current THEN 1 ELSE 0 END) AS current_versions
FROM silver.dim_students
GROUP BY student_id
HAVING SUM(CASE WHEN is_current THEN 1 ELSE 0 END) <> 1
UNION ALL
SELECT 'tutors' AS entity, tutor_id AS id, COUNT(*) AS versions,
    SUM(CASE WHEN is_current THEN 1 ELSE 0 END) AS current_versions
FROM silver.dim_tutors
GROUP BY tutor_id
HAVING SUM(CASE WHEN is_current THEN 1 ELSE 0 END) <> 1
ORDER BY entity, id
