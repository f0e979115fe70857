-- batch_id: the batch's source_batch_id, the value most rows of the batch carry (the daily
-- files repeat it on every row); no row at all (the pre-migration history has no batch
-- columns, a delta may be header-only) gives no row, and the adapter decides.
-- @kind view
WITH ids AS (
    SELECT TRIM(source_batch_id) AS source_batch_id FROM bronze.sessions
    UNION ALL
    SELECT TRIM(source_batch_id) AS source_batch_id FROM bronze.students
    UNION ALL
    SELECT TRIM(source_batch_id) AS source_batch_id FROM bronze.tutors
)

SELECT source_batch_id
FROM ids
WHERE source_batch_id IS NOT NULL AND source_batch_id <> ''
GROUP BY source_batch_id
ORDER BY COUNT(*) DESC, source_batch_id
LIMIT 1
