-- scd2_versions: the rows a batch writes into an SCD2 dimension (dim_students, dim_tutors):
-- the versions it adds plus the existing versions whose window it changes; the engine
-- upserts them on surrogate_key (the other versions stay as they are).
-- Rule "SCD2 windows": a version is valid over [effective_start_ts, effective_end_ts); its
-- end is the start of the entity's next version, or 9999-12-31 23:59:59 for the current
-- one, so each entity has exactly one current row and windows never overlap or leave gaps.
-- The pre-migration history is every entity's first version (from `created`); each daily
-- delta row (INSERT or UPDATE) opens a version from its `updated` time and closes the one
-- before it. A back-dated change re-cuts the windows around it the same way.
-- Rule "surrogate keys": a version keeps its key forever; new versions take the next
-- numbers in business_key, effective_start_ts order, so a rerun assigns the same keys.
-- staged: the staging model (stg_students, stg_tutors), whose 'kept' rows open versions;
-- dimension: the table before this batch; attributes: the columns between business_key
-- and created_ts, in the contract's order, typed by the staging model as the contract says.
CREATE MACRO scd2_versions(staged, dimension, business_key, surrogate_key, attributes) AS TABLE
WITH incoming AS (
    SELECT
        business_key,
        attributes,
        created_ts,
        updated_ts,
        valid_from AS effective_start_ts,
        change_type,
        :source_batch_id AS source_batch_id,
        row_ingest_ts AS raw_ingest_ts,
        :slv_ingest_ts AS slv_ingest_ts
    FROM staged
    WHERE disposition = 'kept'
),

existing AS (
    SELECT * FROM dimension
),

new_versions AS (
    SELECT
        (SELECT COALESCE(MAX(e.surrogate_key), 0) FROM existing AS e)
        + ROW_NUMBER() OVER (ORDER BY business_key, effective_start_ts) AS surrogate_key,
        incoming.*
    FROM incoming
),

-- every version of the entities this batch touches, the existing ones and the new ones
touched_versions AS (
    SELECT
        surrogate_key, business_key, attributes,
        created_ts, updated_ts, effective_start_ts, change_type,
        source_batch_id, raw_ingest_ts, slv_ingest_ts
    FROM existing
    WHERE business_key IN (SELECT i.business_key FROM incoming AS i)
    UNION ALL
    SELECT
        surrogate_key, business_key, attributes,
        created_ts, updated_ts, effective_start_ts, change_type,
        source_batch_id, raw_ingest_ts, slv_ingest_ts
    FROM new_versions
),

windows AS (
    SELECT
        *,
        LEAD(effective_start_ts) OVER (
            PARTITION BY business_key ORDER BY effective_start_ts, surrogate_key
        ) AS next_start_ts
    FROM touched_versions
),

final AS (
    SELECT
        CAST(surrogate_key AS BIGINT) AS surrogate_key,
        CAST(business_key AS BIGINT) AS business_key,
        attributes,
        CAST(created_ts AS TIMESTAMP) AS created_ts,
        CAST(updated_ts AS TIMESTAMP) AS updated_ts,
        CAST(effective_start_ts AS TIMESTAMP) AS effective_start_ts,
        COALESCE(next_start_ts, TIMESTAMP '9999-12-31 23:59:59') AS effective_end_ts,
        next_start_ts IS NULL AS is_current,
        change_type,
        source_batch_id,
        CAST(raw_ingest_ts AS TIMESTAMP) AS raw_ingest_ts,
        CAST(slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts
    FROM windows
)

SELECT f.*
FROM final AS f
LEFT JOIN existing AS e ON e.surrogate_key = f.surrogate_key
WHERE
    e.surrogate_key IS NULL
    OR e.effective_end_ts <> f.effective_end_ts
    OR e.is_current <> f.is_current
