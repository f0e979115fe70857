-- err_test_scores: the audit trail of the batch's test-score rows (sql/macros/fact_audit.sql,
-- shared with err_feedback): one row per raw row and reason that was rejected, superseded,
-- repaired or flagged, with the raw row as it was in the file; plus one row per score of an
-- earlier batch that this batch replaced (SUPERSEDED_LATER_BATCH, source_batch_id = the
-- earlier batch, source_file NULL). Partitioned by ingest_date.
-- @kind incremental_by_partition
-- @partitioned_by ingest_date

-- Rule "orphan student" and Rule "US dates" (stg_test_scores): kept, flagged or repaired
WITH flagged AS (
    SELECT
        source_file, source_row, raw_id, raw_record, student_id,
        'ERR_ORPHAN_STUDENT' AS reason_code, 'flagged' AS action,
        'student id unknown to dim_students: kept' AS detail,
        CAST(NULL AS VARCHAR) AS earlier_batch_id
    FROM silver.stg_test_scores
    WHERE disposition = 'kept' AND is_orphan

    UNION ALL
    SELECT
        source_file, source_row, raw_id, raw_record, student_id, 'ERR_MALFORMED_DATE',
        'repaired', 'test_date written MM/DD/YYYY: read as month/day/year', NULL
    FROM silver.stg_test_scores
    WHERE disposition = 'kept' AND fix_date_format
)

SELECT *
FROM fact_audit(
    silver.stg_test_scores, student_id, flagged,
    'a later row of the same student, test and date in this batch is kept (latest '
    || 'ingest time, then file order)',
    'scored again in ' || :source_batch_id || ': that score replaces this one'
)
