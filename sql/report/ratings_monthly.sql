-- Report chart: each tutor's average client rating (1-5) per month, from gold.tutor_ratings.
SELECT
    month_start,
    tutor_id,
    COALESCE(tutor_name, 'Tutor') || ' (#' || CAST(tutor_id AS VARCHAR) || ')' AS tutor_label,
    CAST(average_rating AS DOUBLE) AS average_rating,
    ratings
FROM gold.tutor_ratings
ORDER BY tutor_id, month_start
