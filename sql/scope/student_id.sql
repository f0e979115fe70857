-- scope.student_id: the students whose gold rows the batches after :since can change, for an
-- incremental gold build (gold_scope_student_id). Everything a student's priced sessions and
-- active_students row are computed from is covered:
--   * sessions the batches wrote (new, or replacing a session id: its old student too);
--   * profile versions the batches wrote (a rate change reprices the student's sessions);
--   * profile versions that start or end between the two as-of times;
--   * sessions a contractor's new rate version reprices (from its start; every session of the
--     contractor when the version is the contractor's first);
--   * students whose current contractor is renamed (gold_scope_tutor_id, filled before).
-- Lineage columns say which batch wrote a row: ingest_date on sessions (rows only re-keyed
-- keep theirs, but a re-key follows a dimension version, which is covered), slv_ingest_ts on
-- the dimensions (a version closed by a batch keeps its lineage, and always comes with the
-- new version of the same id).

WITH new_sessions AS (
    SELECT
        session_id,
        student_id
    FROM silver.fct_sessions
    WHERE ingest_date > :since
),

tutor_changes AS (
    SELECT
        tutor_id,
        MIN(effective_start_ts) AS changed_from
    FROM silver.dim_tutors
    WHERE CAST(slv_ingest_ts AS DATE) > :since
    GROUP BY tutor_id
),

tutor_firsts AS (
    SELECT
        tutor_id,
        MIN(effective_start_ts) AS first_start_ts
    FROM silver.dim_tutors
    GROUP BY tutor_id
),

repriced_from AS (
    SELECT
        c.tutor_id,
        CASE
            WHEN c.changed_from <= f.first_start_ts THEN TIMESTAMP '1900-01-01 00:00:00'
            ELSE c.changed_from
        END AS from_ts
    FROM tutor_changes AS c
    INNER JOIN tutor_firsts AS f ON f.tutor_id = c.tutor_id
)

SELECT student_id FROM new_sessions
UNION
SELECT p.student_id
FROM gold.int_priced_sessions AS p
WHERE p.session_id IN (SELECT session_id FROM new_sessions)
UNION
SELECT student_id
FROM silver.dim_students
WHERE
    CAST(slv_ingest_ts AS DATE) > :since
    OR (effective_start_ts > :since_ts AND effective_start_ts <= :as_of_ts)
    OR (effective_end_ts > :since_ts AND effective_end_ts <= :as_of_ts)
UNION
SELECT s.student_id
FROM silver.fct_sessions AS s
INNER JOIN repriced_from AS r ON r.tutor_id = s.tutor_id AND s.session_ts >= r.from_ts
UNION
SELECT student_id
FROM gold.active_students
WHERE current_tutor_id IN (SELECT tutor_id FROM gold_scope_tutor_id)
