-- Report chart: each tutor's students' average SAT practice score change from their baseline
-- to their latest test, from gold.tutor_score_improvement.
SELECT
    tutor_id,
    COALESCE(tutor_name, 'Tutor') || ' (#' || CAST(tutor_id AS VARCHAR) || ')' AS tutor_label,
    students,
    CAST(average_baseline_score AS DOUBLE) AS average_baseline_score,
    CAST(average_score_change AS DOUBLE) AS average_score_change,
    CAST(average_sessions_between AS DOUBLE) AS average_sessions_between
FROM gold.tutor_score_improvement
ORDER BY tutor_id
