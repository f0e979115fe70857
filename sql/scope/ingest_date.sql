-- scope.ingest_date: the batches whose gold.data_quality_daily rows change, for an incremental
-- gold build (gold_scope_ingest_date): the batches after :since, and the batches of the priced
-- sessions that changed (a superseded session leaves its batch's kept_rows_now).

SELECT ingest_date FROM gold_changed_sessions
UNION
SELECT ingest_date FROM silver.ingest_batches WHERE ingest_date > :since
