-- unique_keys: no session id twice in fct_sessions or fct_feedback, no score key twice in
-- fct_test_scores, no surrogate key twice in a dimension.
-- A row of this query is a failure.
SELECT 'fct_sessions.session_id' AS key_column, session_id AS key_value, COUNT(*) AS rows_
FROM silver.fct_sessions GROUP BY session_id HAVING COUNT(*) > 1
UNION ALL
SELECT 'dim_students.student_sk', student_sk, COUNT(*)
FROM silver.dim_students GROUP BY student_sk HAVING COUNT(*) > 1
UNION ALL
SELECT 'dim_tutors.tutor_sk', tutor_sk, COUNT(*)
FROM silver.dim_tutors GROUP BY tutor_sk HAVING COUNT(*) > 1
UNION ALL
SELECT 'fct_feedback.session_id', session_id, COUNT(*)
FROM silver.fct_feedback GROUP BY session_id HAVING COUNT(*) > 1
UNION ALL
SELECT 'fct_test_scores.student_id, test, test_date', student_id, COUNT(*)
FROM silver.fct_test_scores GROUP BY student_id, test, test_date HAVING COUNT(*) > 1
ORDER BY key_column, key_value
