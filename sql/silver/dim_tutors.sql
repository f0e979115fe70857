-- dim_tutors: SCD2 history of the tutors. Grain: one row per tutor version; key
-- tutor_sk, a surrogate that a version keeps forever (new versions take the next numbers
-- in tutor_id, effective_start_ts order, so a rerun assigns the same keys).
-- The rows a batch writes, and Rule "SCD2 windows" that cuts the versions' validity, are
-- sql/macros/scd2_versions.sql (shared with dim_students); the engine upserts them on tutor_sk.
-- @kind scd2
-- @unique_key tutor_sk
-- @business_key tutor_id
-- @valid_from effective_start_ts
-- @depends_on silver.stg_tutors, silver.dim_tutors

-- the versions this batch's kept rows open, typed as the contract says
WITH incoming AS (
    SELECT
        tutor_id,
        first_name,
        last_name,
        sex,
        CAST(date_of_birth AS DATE) AS date_of_birth,
        CAST(contract_rate AS DOUBLE) AS contract_rate,
        CAST(active_students AS INTEGER) AS active_students,
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
)

SELECT *
FROM scd2_versions(
    incoming, silver.dim_tutors, tutor_id, tutor_sk,
    (first_name, last_name, sex, date_of_birth, contract_rate, active_students, status)
)
