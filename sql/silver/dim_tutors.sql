-- dim_tutors: SCD2 history of the tutors. Grain: one row per tutor version; key
-- tutor_sk, a surrogate that a version keeps forever (new versions take the next numbers
-- in tutor_id, effective_start_ts order, so a rerun assigns the same keys).
-- Rule "SCD2 windows": a version is valid over [effective_start_ts, effective_end_ts); its
-- end is the start of the tutor's next version, or 9999-12-31 23:59:59 for the current
-- one, so each tutor has exactly one current row and windows never overlap or leave gaps.
-- The pre-migration history is every tutor's first version (from `created`); each daily
-- delta row (INSERT or UPDATE) opens a version from its `updated` time and closes the one
-- before it. A back-dated change re-cuts the windows around it the same way.
-- The SELECT returns the versions this batch adds plus the existing versions whose window it
-- changes; the engine upserts them on tutor_sk (the other versions stay as they are).
-- @kind scd2
-- @unique_key tutor_sk
-- @business_key tutor_id
-- @valid_from effective_start_ts

WITH incoming AS (
    SELECT
        tutor_id,
        first_name,
        last_name,
        sex,
        date_of_birth,
        contract_rate,
        active_students,
        status,
        created_ts,
        updated_ts,
        valid_from AS effective_start_ts,
        change_type,
        :source_batch_id AS source_batch_id,
        row_ingest_ts AS raw_ingest_ts,
        :slv_ingest_ts AS slv_ingest_ts
    FROM silver.stg_tutors
    WHERE disposition = 'kept'
),

existing AS (
    SELECT * FROM silver.dim_tutors
),

new_versions AS (
    SELECT
        (SELECT COALESCE(MAX(e.tutor_sk), 0) FROM existing AS e)
        + ROW_NUMBER() OVER (ORDER BY tutor_id, effective_start_ts) AS tutor_sk,
        incoming.*
    FROM incoming
),

-- every version of the tutors this batch touches, the existing ones and the new ones
touched_versions AS (
    SELECT
        tutor_sk, tutor_id, first_name, last_name, sex, date_of_birth, contract_rate,
        active_students, status, created_ts, updated_ts, effective_start_ts, change_type,
        source_batch_id, raw_ingest_ts, slv_ingest_ts
    FROM existing
    WHERE tutor_id IN (SELECT i.tutor_id FROM incoming AS i)
    UNION ALL
    SELECT
        tutor_sk, tutor_id, first_name, last_name, sex, date_of_birth, contract_rate,
        active_students, status, created_ts, updated_ts, effective_start_ts, change_type,
        source_batch_id, raw_ingest_ts, slv_ingest_ts
    FROM new_versions
),

windows AS (
    SELECT
        *,
        LEAD(effective_start_ts) OVER (
            PARTITION BY tutor_id ORDER BY effective_start_ts, tutor_sk
        ) AS next_start_ts
    FROM touched_versions
),

final AS (
    SELECT
        CAST(tutor_sk AS BIGINT) AS tutor_sk,
        CAST(tutor_id AS BIGINT) AS tutor_id,
        first_name,
        last_name,
        sex,
        CAST(date_of_birth AS DATE) AS date_of_birth,
        CAST(contract_rate AS DOUBLE) AS contract_rate,
        CAST(active_students AS INTEGER) AS active_students,
        status,
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
LEFT JOIN existing AS e ON e.tutor_sk = f.tutor_sk
WHERE
    e.tutor_sk IS NULL
    OR e.effective_end_ts <> f.effective_end_ts
    OR e.is_current <> f.is_current
