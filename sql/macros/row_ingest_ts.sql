-- row_ingest_ts: Rule "ingest time" (see ingest_ts_repaired): a daily row's own ingest_ts
-- when it is on the batch date, else the batch date 00:00 (:batch_ingest_ts).
CREATE MACRO row_ingest_ts(file_kind, ingest_ts) AS
    CASE
        WHEN file_kind = 'daily' AND CAST(ingest_ts AS DATE) = :ingest_date THEN ingest_ts
        ELSE :batch_ingest_ts
    END
