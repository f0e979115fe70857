-- mixed_batch_ids: the raw files whose rows carry more than one source_batch_id. A file is
-- one export of one batch, so such a file is refused as a whole (the adapter raises a
-- file-level error naming it) rather than labelled with its majority id.
-- Grain: one row per offending file, with its distinct ids (at most 5) and their count.
-- @kind view
WITH ids AS (
    SELECT source_file, TRIM(source_batch_id) AS source_batch_id FROM bronze.sessions
    UNION ALL
    SELECT source_file, TRIM(source_batch_id) AS source_batch_id FROM bronze.students
    UNION ALL
    SELECT source_file, TRIM(source_batch_id) AS source_batch_id FROM bronze.tutors
),

per_file AS (
    SELECT
        source_file,
        COUNT(DISTINCT source_batch_id) AS batch_ids,
        LIST(DISTINCT source_batch_id ORDER BY source_batch_id)[1:5] AS examples
    FROM ids
    WHERE source_batch_id IS NOT NULL AND source_batch_id <> ''
    GROUP BY source_file
),

final AS (
    SELECT source_file, batch_ids, examples
    FROM per_file
    WHERE batch_ids > 1
    ORDER BY source_file
)

SELECT * FROM final
