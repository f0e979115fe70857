-- Report key figure: how many ingested session batches reconcile (raw = kept + superseded +
-- rejected), and what happened to the raw rows of the latest batch.
WITH latest AS (
    SELECT
        ingest_date,
        raw_rows,
        repaired_rows,
        superseded_rows,
        rejected_rows
    FROM gold.data_quality_daily
    ORDER BY ingest_date DESC
    LIMIT 1
),

totals AS (
    SELECT
        COUNT(*) AS batches,
        SUM(CASE WHEN is_reconciled THEN 1 ELSE 0 END) AS reconciled_batches
    FROM gold.data_quality_daily
)

SELECT
    t.batches,
    t.reconciled_batches,
    l.ingest_date AS latest_ingest_date,
    l.raw_rows AS latest_raw_rows,
    l.repaired_rows AS latest_repaired_rows,
    l.superseded_rows AS latest_superseded_rows,
    l.rejected_rows AS latest_rejected_rows
FROM totals AS t
LEFT JOIN latest AS l ON TRUE
