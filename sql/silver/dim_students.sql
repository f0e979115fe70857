-- dim_students: SCD2 history of the students. Grain: one row per student version; key
-- student_sk, a surrogate that a version keeps forever (new versions take the next numbers
-- in student_id, effective_start_ts order, so a rerun assigns the same keys).
-- The rows a batch writes, and Rule "SCD2 windows" that cuts the versions' validity, are
-- sql/macros/scd2_versions.sql (shared with dim_tutors); the engine upserts them on student_sk.
-- @kind scd2
-- @unique_key student_sk
-- @business_key student_id
-- @valid_from effective_start_ts
-- @depends_on silver.stg_students, silver.dim_students

-- the versions this batch's kept rows open, typed as the contract says
WITH incoming AS (
    SELECT
        student_id,
        first_name,
        last_name,
        sex,
        CAST(date_of_birth AS DATE) AS date_of_birth,
        CAST(grade AS INTEGER) AS grade,
        status,
        CAST(contract_rate AS DOUBLE) AS contract_rate,
        created_ts,
        updated_ts,
        valid_from AS effective_start_ts,
        change_type,
        :source_batch_id AS source_batch_id,
        row_ingest_ts AS raw_ingest_ts,
        :slv_ingest_ts AS slv_ingest_ts
    FROM silver.stg_students
    WHERE disposition = 'kept'
)

SELECT *
FROM scd2_versions(
    incoming, silver.dim_students, student_id, student_sk,
    (first_name, last_name, sex, date_of_birth, grade, status, contract_rate)
)
