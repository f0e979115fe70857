-- dim_students: SCD2 history of the students. Grain: one row per student version; key
-- student_sk, a surrogate that a version keeps forever (new versions take the next numbers
-- in student_id, effective_start_ts order, so a rerun assigns the same keys).
-- The rows a batch writes, and Rule "SCD2 windows" that cuts the versions' validity, are
-- sql/macros/scd2_versions.sql (shared with dim_tutors); the engine upserts them on student_sk.
-- @kind scd2
-- @unique_key student_sk
-- @business_key student_id
-- @valid_from effective_start_ts

SELECT *
FROM scd2_versions(
    silver.stg_students, silver.dim_students, student_id, student_sk,
    (first_name, last_name, sex, date_of_birth, grade, status, contract_rate)
)
