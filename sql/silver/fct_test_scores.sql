-- fct_test_scores: one row per score (key student_id, test, test_date): a student's score
-- on a test (the simulator's: 'SAT practice', 400-1600) on a date. A later batch's score for
-- the same key replaces the earlier one (audited as SUPERSEDED_LATER_BATCH in
-- err_test_scores). is_orphan: the student was unknown to dim_students when it was ingested.
-- @kind incremental_by_unique_key
-- @unique_key student_id, test, test_date

WITH kept AS (
    SELECT
        student_id,
        test,
        test_date,
        score,
        is_orphan,
        row_ingest_ts
    FROM silver.stg_test_scores
    WHERE disposition = 'kept'
),

final AS (
    SELECT
        CAST(student_id AS BIGINT) AS student_id,
        test,
        CAST(test_date AS DATE) AS test_date,
        CAST(score AS INTEGER) AS score,
        is_orphan,
        :source_batch_id AS source_batch_id,
        CAST(:ingest_date AS DATE) AS ingest_date,
        CAST(row_ingest_ts AS TIMESTAMP) AS raw_ingest_ts,
        CAST(:slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts
    FROM kept
)

SELECT * FROM final
