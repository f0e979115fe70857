-- ingest_ts_repaired: Rule "ingest time" of every delta row (sessions, students, tutors,
-- feedback, test scores): a daily row's ingest_ts; the pre-migration history has no batch
-- columns and was taken at the batch date 00:00. A daily row whose ingest_ts is missing,
-- malformed or not on the batch date gets the batch date 00:00 (ERR_INVALID_INGEST_TS):
-- this macro says whether it did, row_ingest_ts gives the time.
CREATE MACRO ingest_ts_repaired(file_kind, ingest_ts) AS
    file_kind = 'daily'
    AND (ingest_ts IS NULL OR CAST(ingest_ts AS DATE) <> :ingest_date)
