-- err_feedback: the audit trail of the batch's feedback rows (sql/macros/fact_audit.sql,
-- shared with err_test_scores): one row per raw row and reason that was rejected,
-- superseded, repaired or flagged, with the raw row as it was in the file; plus one row per
-- rating of an earlier batch that this batch replaced (SUPERSEDED_LATER_BATCH,
-- source_batch_id = the earlier batch, source_file NULL). Partitioned by ingest_date.
-- @kind incremental_by_partition
-- @partitioned_by ingest_date

-- Rule "orphan feedback" (stg_feedback): kept and flagged
WITH flagged AS (
    SELECT
        source_file, source_row, raw_id, raw_record, session_id,
        'ERR_ORPHAN_SESSION' AS reason_code, 'flagged' AS action,
        'session id unknown to fct_sessions: kept' AS detail,
        CAST(NULL AS VARCHAR) AS earlier_batch_id
    FROM silver.stg_feedback
    WHERE disposition = 'kept' AND is_orphan
)

SELECT *
FROM fact_audit(
    silver.stg_feedback, session_id, flagged,
    'a later submission for the same session in this batch is kept (latest submitted, '
    || 'then ingest time, then file order)',
    'rated again in ' || :source_batch_id || ': that rating replaces this one'
)
