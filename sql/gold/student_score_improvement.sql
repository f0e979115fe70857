-- student_score_improvement: one row per student and test with at least one score (key
-- student_id, test): the first score (baseline), the latest, the change between them and the
-- completed sessions in between (after the baseline's date, up to the latest's). Scores come
-- from silver.fct_test_scores ingested up to the as-of batch; scores of students unknown to
-- silver (is_orphan) are left out. The tutor is the one of the student's latest session on
-- or before the latest score's date.
-- @kind full

WITH scores AS (
    SELECT
        student_id,
        test,
        test_date,
        score,
        ROW_NUMBER() OVER (PARTITION BY student_id, test ORDER BY test_date) AS first_rank,
        ROW_NUMBER() OVER (PARTITION BY student_id, test ORDER BY test_date DESC) AS last_rank,
        COUNT(*) OVER (PARTITION BY student_id, test) AS tests_taken
    FROM silver.fct_test_scores
    WHERE ingest_date <= :as_of_date AND NOT is_orphan
),

spans AS (
    SELECT
        b.student_id,
        b.test,
        b.test_date AS baseline_date,
        b.score AS baseline_score,
        l.test_date AS latest_date,
        l.score AS latest_score,
        b.tests_taken
    FROM scores AS b
    INNER JOIN scores AS l
        ON l.student_id = b.student_id AND l.test = b.test AND l.last_rank = 1
    WHERE b.first_rank = 1
),

sessions_between AS (
    SELECT
        sp.student_id,
        sp.test,
        COUNT(s.session_id) AS sessions_between
    FROM spans AS sp
    LEFT JOIN gold.int_priced_sessions AS s
        ON
            s.student_id = sp.student_id
            AND s.status = 0
            AND CAST(s.session_ts AS DATE) > sp.baseline_date
            AND CAST(s.session_ts AS DATE) <= sp.latest_date
    GROUP BY sp.student_id, sp.test
),

-- the tutor of the student's latest session on or before the latest score's date
latest_tutor AS (
    SELECT
        sp.student_id,
        sp.test,
        s.tutor_id,
        ROW_NUMBER() OVER (
            PARTITION BY sp.student_id, sp.test ORDER BY s.session_ts DESC, s.session_id DESC
        ) AS recency
    FROM spans AS sp
    INNER JOIN gold.int_priced_sessions AS s
        ON s.student_id = sp.student_id AND CAST(s.session_ts AS DATE) <= sp.latest_date
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
        sp.student_id,
        sp.test,
        lt.tutor_id,
        n.tutor_name,
        sp.baseline_date,
        sp.baseline_score,
        sp.latest_date,
        sp.latest_score,
        sp.latest_score - sp.baseline_score AS score_change,
        sp.tests_taken,
        COALESCE(sb.sessions_between, 0) AS sessions_between,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM spans AS sp
    LEFT JOIN sessions_between AS sb ON sb.student_id = sp.student_id AND sb.test = sp.test
    LEFT JOIN latest_tutor AS lt
        ON lt.student_id = sp.student_id AND lt.test = sp.test AND lt.recency = 1
    LEFT JOIN tutor_names AS n ON n.tutor_id = lt.tutor_id
)

SELECT * FROM final
ORDER BY student_id, test
