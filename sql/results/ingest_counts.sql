-- ingest_counts: the rows of batch :ingest_date per entity, as silver.ingest_batches records
-- them (raw = kept + superseded + rejected). Read by the ingest after the batch's models ran,
-- the same query on every engine, for the ingest's result (its event detail).
SELECT entity, raw_rows, kept_rows, repaired_rows, superseded_rows, rejected_rows
FROM silver.ingest_batches
WHERE ingest_date = :ingest_date
