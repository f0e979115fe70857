-- tutor_score_improvement: one row per tutor and test (key tutor_id, test) over the students
-- of gold.student_score_improvement with a baseline and a later score (two tests or more),
-- each counted with the tutor of their latest score: how many, their average baseline,
-- latest score and change, the completed sessions in between, and points gained per session.
-- @kind full

WITH improved AS (
    SELECT *
    FROM gold.student_score_improvement
    WHERE tests_taken >= 2 AND tutor_id IS NOT NULL
),

final AS (
    SELECT
        tutor_id,
        MAX(tutor_name) AS tutor_name,
        test,
        COUNT(*) AS students,
        ROUND(AVG(baseline_score), 1) AS average_baseline_score,
        ROUND(AVG(latest_score), 1) AS average_latest_score,
        ROUND(AVG(score_change), 1) AS average_score_change,
        ROUND(AVG(sessions_between), 1) AS average_sessions_between,
        ROUND(CAST(SUM(score_change) AS DOUBLE) / NULLIF(SUM(sessions_between), 0), 2)
            AS score_change_per_session,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM improved
    GROUP BY tutor_id, test
)

SELECT * FROM final
ORDER BY tutor_id, test
