-- ingest_batches: the reconciliation record, one row per ingested batch and entity (key
-- ingest_date, entity). raw_rows = kept_rows + superseded_rows + rejected_rows holds for
-- every row: kept counts the batch's rows that went into silver (a later batch superseding
-- one of them does not rewrite this record; err_sessions audits that supersede), repaired
-- counts the kept rows that a rule changed, superseded the duplicates within the batch.
-- @kind incremental_by_unique_key
-- @unique_key ingest_date, entity

WITH sessions AS (
    SELECT
        'sessions' AS entity,
        :session_files AS source_files,
        COUNT(*) AS raw_rows,
        SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
        SUM(
            CASE
                WHEN disposition = 'kept' AND (
                    fix_ingest_ts OR fix_missing_duration OR fix_minutes OR fix_stamp
                    OR fix_missing_status OR fix_missing_subject
                    OR (fix_missing_tutor AND tutor_fill <> 'none')
                ) THEN 1
                ELSE 0
            END
        ) AS repaired_rows,
        SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
        SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
    FROM silver.stg_sessions
    WHERE origin = 'raw'
),

students AS (
    SELECT
        'students' AS entity,
        :student_files AS source_files,
        COUNT(*) AS raw_rows,
        SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
        SUM(
            CASE
                WHEN disposition = 'kept'
                    AND (
                        unparseable_fields <> '' OR fix_change_type OR fix_ingest_ts
                        OR fix_rate_units OR fix_date_format OR missing_fields <> ''
                        OR fix_update_before_insert
                    )
                    THEN 1
                ELSE 0
            END
        ) AS repaired_rows,
        SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
        SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
    FROM silver.stg_students
),

tutors AS (
    SELECT
        'tutors' AS entity,
        :tutor_files AS source_files,
        COUNT(*) AS raw_rows,
        SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
        SUM(
            CASE
                WHEN disposition = 'kept'
                    AND (
                        unparseable_fields <> '' OR fix_change_type OR fix_ingest_ts
                        OR fix_rate_units OR fix_date_format OR missing_fields <> ''
                        OR fix_update_before_insert
                    )
                    THEN 1
                ELSE 0
            END
        ) AS repaired_rows,
        SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
        SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
    FROM silver.stg_tutors
),

feedback AS (
    SELECT
        'feedback' AS entity,
        :feedback_files AS source_files,
        COUNT(*) AS raw_rows,
        SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
        SUM(CASE WHEN disposition = 'kept' AND fix_ingest_ts THEN 1 ELSE 0 END) AS repaired_rows,
        SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
        SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
    FROM silver.stg_feedback
),

test_scores AS (
    SELECT
        'test_scores' AS entity,
        :test_score_files AS source_files,
        COUNT(*) AS raw_rows,
        SUM(CASE WHEN disposition = 'kept' THEN 1 ELSE 0 END) AS kept_rows,
        SUM(CASE WHEN disposition = 'kept' AND (fix_ingest_ts OR fix_date_format) THEN 1 ELSE 0 END)
            AS repaired_rows,
        SUM(CASE WHEN disposition = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
        SUM(CASE WHEN disposition = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
    FROM silver.stg_test_scores
),

counted AS (
    SELECT * FROM sessions
    UNION ALL
    SELECT * FROM students
    UNION ALL
    SELECT * FROM tutors
    UNION ALL
    SELECT * FROM feedback
    UNION ALL
    SELECT * FROM test_scores
),

final AS (
    SELECT
        CAST(:ingest_date AS DATE) AS ingest_date,
        :source_batch_id AS source_batch_id,
        entity,
        source_files,
        CAST(raw_rows AS BIGINT) AS raw_rows,
        CAST(COALESCE(kept_rows, 0) AS BIGINT) AS kept_rows,
        CAST(COALESCE(repaired_rows, 0) AS BIGINT) AS repaired_rows,
        CAST(COALESCE(superseded_rows, 0) AS BIGINT) AS superseded_rows,
        CAST(COALESCE(rejected_rows, 0) AS BIGINT) AS rejected_rows,
        CAST(:slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts
    FROM counted
)

SELECT * FROM final
