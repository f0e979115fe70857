-- err_test_scores: the audit trail of the batch's test-score rows, err_feedback's twin: one row
-- per raw row and reason that was rejected, superseded, repaired or flagged, with the raw row
-- as it was in the file; plus one row per score of an earlier batch that this batch replaced
-- (SUPERSEDED_LATER_BATCH, source_batch_id = the earlier batch, source_file NULL).
-- Partitioned by ingest_date.
-- @kind incremental_by_partition
-- @partitioned_by ingest_date

WITH events AS (
    SELECT
        source_file, source_row, raw_id, raw_record, student_id, reason_code,
        'rejected' AS action, reject_detail AS detail,
        CAST(NULL AS VARCHAR) AS earlier_batch_id
    FROM silver.stg_test_scores
    WHERE disposition = 'rejected'

    UNION ALL
    SELECT
        source_file, source_row, raw_id, raw_record, student_id, reason_code, 'superseded',
        'a later row of the same student, test and date in this batch is kept (latest '
        || 'ingest time, then file order)',
        NULL
    FROM silver.stg_test_scores
    WHERE disposition = 'superseded'

    UNION ALL
    SELECT
        source_file, source_row, raw_id, raw_record, student_id, 'ERR_ORPHAN_STUDENT',
        'flagged', 'student id unknown to dim_students: kept', NULL
    FROM silver.stg_test_scores
    WHERE disposition = 'kept' AND is_orphan

    UNION ALL
    SELECT
        source_file, source_row, raw_id, raw_record, student_id, 'ERR_INVALID_INGEST_TS',
        'repaired',
        'ingest_ts missing, malformed or not on the batch date: the batch date 00:00 is used',
        NULL
    FROM silver.stg_test_scores
    WHERE disposition = 'kept' AND fix_ingest_ts

    UNION ALL
    SELECT
        source_file, source_row, raw_id, raw_record, student_id, 'ERR_MALFORMED_DATE',
        'repaired', 'test_date written MM/DD/YYYY: read as month/day/year', NULL
    FROM silver.stg_test_scores
    WHERE disposition = 'kept' AND fix_date_format

    UNION ALL
    SELECT
        CAST(NULL AS VARCHAR), CAST(NULL AS BIGINT), raw_id, raw_record, student_id,
        'SUPERSEDED_LATER_BATCH', 'superseded',
        'scored again in ' || :source_batch_id || ': that score replaces this one',
        earlier_batch_id
    FROM silver.stg_test_scores
    WHERE disposition = 'kept' AND earlier_batch_id IS NOT NULL
),

final AS (
    SELECT
        COALESCE(earlier_batch_id, :source_batch_id) AS source_batch_id,
        source_file,
        CAST(source_row AS BIGINT) AS source_row,
        raw_id,
        raw_record,
        CAST(student_id AS BIGINT) AS student_id,
        reason_code,
        action,
        detail,
        CAST(:slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts,
        CAST(:ingest_date AS DATE) AS ingest_date
    FROM events
)

SELECT * FROM final
