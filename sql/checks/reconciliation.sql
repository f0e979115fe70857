-- reconciliation: per batch and entity, raw rows = kept + superseded + rejected, and each
-- count agrees with the tables: raw_rows with a recount of the raw files (bronze.raw_counts),
-- superseded and rejected with the batch's audit rows, and kept with the rows that went into
-- silver (for sessions: the batch's rows in fct_sessions plus those a later batch replaced,
-- audited as SUPERSEDED_LATER_BATCH; for students and tutors: the batch's versions; for
-- feedback and test scores: the batch's rows in their fact plus those a later batch
-- replaced).
-- A row of this query is a failure.
WITH recorded AS (
    SELECT * FROM silver.ingest_batches
),

session_audit AS (
    SELECT
        ingest_date,
        SUM(CASE WHEN reason_code = 'DUPLICATE_EMISSION' THEN 1 ELSE 0 END) AS superseded_rows,
        COUNT(DISTINCT CASE WHEN action = 'rejected' THEN source_file || ':' || CAST(source_row AS VARCHAR) END)
            AS rejected_rows
    FROM silver.err_sessions
    GROUP BY ingest_date
),

replaced_later AS (
    SELECT source_batch_id, COUNT(*) AS replaced_rows
    FROM silver.err_sessions
    WHERE reason_code = 'SUPERSEDED_LATER_BATCH'
    GROUP BY source_batch_id
),

sessions_now AS (
    SELECT ingest_date, COUNT(*) AS rows_now FROM silver.fct_sessions GROUP BY ingest_date
),

dimension_audit AS (
    SELECT
        ingest_date,
        entity,
        SUM(CASE WHEN action = 'superseded' THEN 1 ELSE 0 END) AS superseded_rows,
        SUM(CASE WHEN action = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
    FROM silver.err_dimensions
    GROUP BY ingest_date, entity
),

feedback_audit AS (
    SELECT
        'feedback' AS entity,
        ingest_date,
        SUM(CASE WHEN reason_code = 'DUPLICATE_EMISSION' THEN 1 ELSE 0 END) AS superseded_rows,
        SUM(CASE WHEN action = 'rejected' THEN 1 ELSE 0 END) AS rejected_rows
    FROM silver.err_feedback
    GROUP BY ingest_date
    UNION ALL
    SELECT
        'test_scores',
        ingest_date,
        SUM(CASE WHEN reason_code = 'DUPLICATE_EMISSION' THEN 1 ELSE 0 END),
        SUM(CASE WHEN action = 'rejected' THEN 1 ELSE 0 END)
    FROM silver.err_test_scores
    GROUP BY ingest_date
),

feedback_now AS (
    SELECT 'feedback' AS entity, f.ingest_date, COUNT(*) AS rows_now
    FROM silver.fct_feedback AS f GROUP BY 2
    UNION ALL
    SELECT 'feedback', b.ingest_date, COUNT(*)
    FROM silver.err_feedback AS e
    INNER JOIN silver.ingest_batches AS b
        ON b.source_batch_id = e.source_batch_id AND b.entity = 'feedback'
    WHERE e.reason_code = 'SUPERSEDED_LATER_BATCH'
    GROUP BY 2
    UNION ALL
    SELECT 'test_scores', f.ingest_date, COUNT(*) FROM silver.fct_test_scores AS f GROUP BY 2
    UNION ALL
    SELECT 'test_scores', b.ingest_date, COUNT(*)
    FROM silver.err_test_scores AS e
    INNER JOIN silver.ingest_batches AS b
        ON b.source_batch_id = e.source_batch_id AND b.entity = 'test_scores'
    WHERE e.reason_code = 'SUPERSEDED_LATER_BATCH'
    GROUP BY 2
),

versions AS (
    SELECT CAST(slv_ingest_ts AS DATE) AS ingest_date, 'students' AS entity, COUNT(*) AS rows_now
    FROM silver.dim_students GROUP BY 1
    UNION ALL
    SELECT CAST(slv_ingest_ts AS DATE) AS ingest_date, 'tutors' AS entity, COUNT(*) AS rows_now
    FROM silver.dim_tutors GROUP BY 1
),

expected AS (
    SELECT
        r.*,
        c.raw_rows AS recounted_raw_rows,
        CASE
            WHEN r.entity = 'sessions' THEN COALESCE(sa.superseded_rows, 0)
            WHEN r.entity IN ('feedback', 'test_scores') THEN COALESCE(fa.superseded_rows, 0)
            ELSE COALESCE(da.superseded_rows, 0)
        END AS audited_superseded,
        CASE
            WHEN r.entity = 'sessions' THEN COALESCE(sa.rejected_rows, 0)
            WHEN r.entity IN ('feedback', 'test_scores') THEN COALESCE(fa.rejected_rows, 0)
            ELSE COALESCE(da.rejected_rows, 0)
        END AS audited_rejected,
        CASE
            WHEN r.entity = 'sessions'
                THEN COALESCE(sn.rows_now, 0) + COALESCE(rl.replaced_rows, 0)
            WHEN r.entity IN ('feedback', 'test_scores')
                THEN (SELECT COALESCE(SUM(fn.rows_now), 0) FROM feedback_now AS fn
                      WHERE fn.ingest_date = r.ingest_date AND fn.entity = r.entity)
            ELSE COALESCE(v.rows_now, 0)
        END AS rows_in_silver
    FROM recorded AS r
    LEFT JOIN bronze.raw_counts AS c ON c.ingest_date = r.ingest_date AND c.entity = r.entity
    LEFT JOIN session_audit AS sa ON sa.ingest_date = r.ingest_date
    LEFT JOIN sessions_now AS sn ON sn.ingest_date = r.ingest_date
    LEFT JOIN replaced_later AS rl ON rl.source_batch_id = r.source_batch_id
    LEFT JOIN dimension_audit AS da ON da.ingest_date = r.ingest_date AND da.entity = r.entity
    LEFT JOIN versions AS v ON v.ingest_date = r.ingest_date AND v.entity = r.entity
    LEFT JOIN feedback_audit AS fa ON fa.ingest_date = r.ingest_date AND fa.entity = r.entity
)

SELECT
    ingest_date,
    entity,
    raw_rows,
    kept_rows,
    superseded_rows,
    rejected_rows,
    recounted_raw_rows,
    audited_superseded,
    audited_rejected,
    rows_in_silver,
    CONCAT_WS(
        '; ',
        CASE WHEN raw_rows <> kept_rows + superseded_rows + rejected_rows
            THEN 'raw <> kept + superseded + rejected' END,
        CASE WHEN recounted_raw_rows IS DISTINCT FROM raw_rows
            THEN 'raw files now hold another number of rows' END,
        CASE WHEN audited_superseded <> superseded_rows
            THEN 'superseded count differs from the audit rows' END,
        CASE WHEN audited_rejected <> rejected_rows
            THEN 'rejected count differs from the audit rows' END,
        CASE WHEN rows_in_silver <> kept_rows THEN 'kept count differs from silver' END
    ) AS problem
FROM expected
WHERE
    raw_rows <> kept_rows + superseded_rows + rejected_rows
    OR recounted_raw_rows IS DISTINCT FROM raw_rows
    OR audited_superseded <> superseded_rows
    OR audited_rejected <> rejected_rows
    OR rows_in_silver <> kept_rows
ORDER BY ingest_date, entity
