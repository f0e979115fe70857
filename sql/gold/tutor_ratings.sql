-- tutor_ratings: tutor ratings over time, one row per tutor x month with at least one rated
-- session (the month of the session, not of the rating). Key: tutor_id, month_start.
-- A rating is silver.fct_feedback's latest rating of a session (1-5), ingested up to the
-- as-of batch, of a session in gold.int_priced_sessions (orphan ratings, of sessions silver
-- does not know, are left out). rated_sessions_pct is the percent of the tutor's completed
-- sessions of the month that were rated; the running columns cover every month up to this one.
-- @kind full

WITH rated AS (
    SELECT
        s.tutor_id,
        s.month_start,
        f.rating
    FROM silver.fct_feedback AS f
    INNER JOIN gold.int_priced_sessions AS s ON s.session_id = f.session_id
    WHERE f.ingest_date <= :as_of_date AND s.tutor_id IS NOT NULL
),

monthly AS (
    SELECT
        tutor_id,
        month_start,
        COUNT(*) AS ratings,
        SUM(rating) AS rating_sum,
        COUNT(CASE WHEN rating >= 4 THEN 1 END) AS good_ratings,
        COUNT(CASE WHEN rating <= 2 THEN 1 END) AS poor_ratings
    FROM rated
    GROUP BY tutor_id, month_start
),

completed AS (
    SELECT
        tutor_id,
        month_start,
        COUNT(*) AS completed_sessions
    FROM gold.int_priced_sessions
    WHERE status = 0 AND tutor_id IS NOT NULL
    GROUP BY tutor_id, month_start
),

running AS (
    SELECT
        *,
        SUM(ratings) OVER (
            PARTITION BY tutor_id ORDER BY month_start ROWS UNBOUNDED PRECEDING
        ) AS running_ratings,
        SUM(rating_sum) OVER (
            PARTITION BY tutor_id ORDER BY month_start ROWS UNBOUNDED PRECEDING
        ) AS running_rating_sum,
        LAG(CAST(rating_sum AS DOUBLE) / ratings) OVER (
            PARTITION BY tutor_id ORDER BY month_start
        ) AS previous_average
    FROM monthly
),

tutor_names AS (
    SELECT
        tutor_id,
        first_name || ' ' || last_name AS tutor_name
    FROM silver.dim_tutors
    WHERE effective_start_ts <= :as_of_ts AND :as_of_ts < effective_end_ts
),

final AS (
    SELECT
        r.tutor_id,
        n.tutor_name,
        r.month_start,
        r.ratings,
        ROUND(CAST(r.rating_sum AS DOUBLE) / r.ratings, 2) AS average_rating,
        r.good_ratings,
        r.poor_ratings,
        COALESCE(c.completed_sessions, 0) AS completed_sessions,
        ROUND(100.0 * r.ratings / NULLIF(c.completed_sessions, 0), 2) AS rated_sessions_pct,
        ROUND(r.previous_average, 2) AS previous_month_average_rating,
        r.running_ratings,
        ROUND(CAST(r.running_rating_sum AS DOUBLE) / r.running_ratings, 2)
            AS running_average_rating,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM running AS r
    LEFT JOIN completed AS c ON c.tutor_id = r.tutor_id AND c.month_start = r.month_start
    LEFT JOIN tutor_names AS n ON n.tutor_id = r.tutor_id
)

SELECT * FROM final
ORDER BY tutor_id, month_start
