-- dim_tutors: SCD2 history of the tutors. Grain: one row per tutor version; key
-- tutor_sk, a surrogate that a version keeps forever (new versions take the next numbers
-- in tutor_id, effective_start_ts order, so a rerun assigns the same keys).
-- The rows a batch writes, and Rule "SCD2 windows" that cuts the versions' validity, are
-- sql/macros/scd2_versions.sql (shared with dim_students); the engine upserts them on tutor_sk.
-- @kind scd2
-- @unique_key tutor_sk
-- @business_key tutor_id
-- @valid_from effective_start_ts

SELECT *
FROM scd2_versions(
    silver.stg_tutors, silver.dim_tutors, tutor_id, tutor_sk,
    (first_name, last_name, sex, date_of_birth, contract_rate, active_students, status)
)
