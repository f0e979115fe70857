-- scope.tutor_id: the contractors whose name in gold changes after :since, for an
-- incremental gold build (gold_scope_tutor_id): gold names a contractor by the profile version
-- valid at the as-of time. A version written after :since that starts before it (a late
-- update) may restate the name gold showed, so its contractor is in the scope as well.

WITH names_then AS (
    SELECT
        tutor_id,
        first_name || ' ' || last_name AS tutor_name
    FROM silver.dim_tutors
    WHERE effective_start_ts <= :since_ts AND :since_ts < effective_end_ts
),

names_now AS (
    SELECT
        tutor_id,
        first_name || ' ' || last_name AS tutor_name
    FROM silver.dim_tutors
    WHERE effective_start_ts <= :as_of_ts AND :as_of_ts < effective_end_ts
)

SELECT COALESCE(n.tutor_id, t.tutor_id) AS tutor_id
FROM names_now AS n
FULL OUTER JOIN names_then AS t ON t.tutor_id = n.tutor_id
WHERE n.tutor_name IS DISTINCT FROM t.tutor_name
UNION
SELECT tutor_id
FROM silver.dim_tutors
WHERE CAST(slv_ingest_ts AS DATE) > :since AND effective_start_ts <= :since_ts
