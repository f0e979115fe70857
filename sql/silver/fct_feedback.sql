-- fct_feedback: one row per rated session (key session_id): the client's latest rating
-- (1-5), the optional comment and when it was submitted. A later batch's rating of the same
-- session replaces the earlier one (audited as SUPERSEDED_LATER_BATCH in err_feedback).
-- is_orphan: the session id was unknown to fct_sessions when the rating was ingested.
-- @kind incremental_by_unique_key
-- @unique_key session_id

WITH kept AS (
    SELECT
        session_id,
        rating,
        comment,
        submitted_ts,
        is_orphan,
        row_ingest_ts
    FROM silver.stg_feedback
    WHERE disposition = 'kept'
),

final AS (
    SELECT
        CAST(session_id AS BIGINT) AS session_id,
        CAST(rating AS INTEGER) AS rating,
        comment,
        CAST(submitted_ts AS TIMESTAMP) AS submitted_ts,
        is_orphan,
        :source_batch_id AS source_batch_id,
        CAST(:ingest_date AS DATE) AS ingest_date,
        CAST(row_ingest_ts AS TIMESTAMP) AS raw_ingest_ts,
        CAST(:slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts
    FROM kept
)

SELECT * FROM final
