-- fact_audit: the audit trail of a fact's batch rows (err_feedback, err_test_scores), the
-- facts' twin of err_dimensions: one row per raw row and reason that was rejected,
-- superseded or repaired, with the raw row as it was in the file; plus one row per row of an
-- earlier batch that this batch replaced (SUPERSEDED_LATER_BATCH, source_batch_id = the
-- earlier batch, source_file NULL).
-- staged: the staging model; fact_key: the id the audit names (its first key column);
-- own_events: the model's own events (flags, repairs of its rules), in the columns of
-- `events`; superseded_detail, replaced_detail: how a superseded row and a replaced row are
-- described.
CREATE MACRO fact_audit(staged, fact_key, own_events, superseded_detail, replaced_detail) AS TABLE
WITH events AS (
    SELECT
        source_file, source_row, raw_id, raw_record, fact_key, reason_code,
        'rejected' AS action, reject_detail AS detail,
        CAST(NULL AS VARCHAR) AS earlier_batch_id
    FROM staged
    WHERE disposition = 'rejected'

    UNION ALL
    SELECT
        source_file, source_row, raw_id, raw_record, fact_key, reason_code, 'superseded',
        superseded_detail, NULL
    FROM staged
    WHERE disposition = 'superseded'

    UNION ALL
    SELECT * FROM own_events

    -- Rule "ingest time" (ingest_ts_repaired)
    UNION ALL
    SELECT
        source_file, source_row, raw_id, raw_record, fact_key, 'ERR_INVALID_INGEST_TS',
        'repaired',
        'ingest_ts missing, malformed or not on the batch date: the batch date 00:00 is used',
        NULL
    FROM staged
    WHERE disposition = 'kept' AND fix_ingest_ts

    UNION ALL
    SELECT
        CAST(NULL AS VARCHAR), CAST(NULL AS BIGINT), raw_id, raw_record, fact_key,
        'SUPERSEDED_LATER_BATCH', 'superseded', replaced_detail, earlier_batch_id
    FROM staged
    WHERE disposition = 'kept' AND earlier_batch_id IS NOT NULL
),

final AS (
    SELECT
        COALESCE(earlier_batch_id, :source_batch_id) AS source_batch_id,
        source_file,
        CAST(source_row AS BIGINT) AS source_row,
        raw_id,
        raw_record,
        CAST(fact_key AS BIGINT) AS fact_key,
        reason_code,
        action,
        detail,
        CAST(:slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts,
        CAST(:ingest_date AS DATE) AS ingest_date
    FROM events
)

SELECT * FROM final
