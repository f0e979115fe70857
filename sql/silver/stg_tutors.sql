-- stg_tutors: the batch's raw tutor rows, typed, checked and de-duplicated.
-- Grain: one row per raw row of bronze.tutors (key source_file + source_row), with its
-- disposition: 'kept' (becomes a version in dim_tutors), 'superseded' (a more recent row of
-- the same student in this batch won) or 'rejected' (no usable id or validity time).
-- The rules after typing and filling ("version validity", "update before its insert",
-- "change type", "rate in cents", "duplicates within a batch") are
-- sql/macros/dimension_rows.sql, shared with stg_students.
-- Ephemeral (@kind view): read by dim_tutors, err_dimensions and ingest_batches; it
-- runs before dim_tutors, so silver.dim_tutors is the table before this batch.
-- @kind view
-- @reads_previous silver.dim_tutors

WITH raw AS (
    SELECT
        source_file,
        source_row,
        file_kind,
        parse_error,
        tutor_id AS raw_id,
        -- the raw row as in the file, for the audit
        CONCAT_WS(
            ',',
            COALESCE(tutor_id, ''), COALESCE(first_name, ''), COALESCE(last_name, ''),
            COALESCE(sex, ''), COALESCE(date_of_birth, ''), COALESCE(contract_rate, ''),
            COALESCE(active_students, ''), COALESCE(created, ''),
            COALESCE(updated, ''), COALESCE(change_type, ''), COALESCE(source_batch_id, ''),
            COALESCE(ingest_ts, ''),
            status  -- optional: left out when the file has none
        ) AS raw_record,
        NULLIF(TRIM(tutor_id), '') AS id_text,
        NULLIF(TRIM(first_name), '') AS first_name,
        NULLIF(TRIM(last_name), '') AS last_name,
        NULLIF(TRIM(sex), '') AS sex,
        NULLIF(TRIM(date_of_birth), '') AS date_of_birth_text,
        NULLIF(TRIM(contract_rate), '') AS contract_rate_text,
        NULLIF(TRIM(active_students), '') AS active_students_text,
        NULLIF(TRIM(status), '') AS status_text,
        NULLIF(TRIM(created), '') AS created_text,
        NULLIF(TRIM(updated), '') AS updated_text,
        UPPER(NULLIF(TRIM(change_type), '')) AS change_type_text,
        NULLIF(TRIM(ingest_ts), '') AS ingest_ts_text
    FROM bronze.tutors
),

-- Typing, as for sessions: whole numbers possibly written as floats, ISO dates and times.
typed AS (
    SELECT
        *,
        whole_number(id_text) AS tutor_id,
        -- Rule "US dates" (sql/macros/is_us_date.sql): a date of birth written MM/DD/YYYY is
        -- read as such (ERR_MALFORMED_DATE, repaired); another spelling is ERR_UNPARSEABLE
        calendar_date(date_of_birth_text) AS date_of_birth,
        is_us_date(date_of_birth_text) AS is_us_date,
        unsigned_decimal(contract_rate_text) AS contract_rate_value,
        TRY_CAST(whole_number(active_students_text) AS INTEGER) AS active_students,
        CASE LOWER(status_text)
            WHEN 'active' THEN 'Active'
            WHEN 'leaving' THEN 'Leaving'
            WHEN 'departed' THEN 'Departed'
        END AS status_value,
        iso_timestamp(created_text) AS created_ts,
        iso_timestamp(updated_text) AS updated_ts,
        iso_timestamp(ingest_ts_text) AS ingest_ts_value
    FROM raw
),

-- The versions before this batch of the ids the batch names: the rules below look those up
-- and no others. Read once (DuckDB materializes a CTE read twice), and only those ids'
-- versions: each read of a lake table costs its catalog look-ups again, and the whole
-- dimension grows with the business (over a million students at scale 1000).
previous AS (
    SELECT *
    FROM silver.dim_tutors
    WHERE tutor_id IN (SELECT t.tutor_id FROM typed AS t)
),

-- Rule "missing fields" (sql/macros/dimension_rows.sql): an empty attribute of a daily
-- row takes the value of the tutor's version valid at the row's `updated`, if there is one.
with_previous AS (
    SELECT
        t.source_file,
        t.source_row,
        t.file_kind,
        t.parse_error,
        t.raw_id,
        t.raw_record,
        t.id_text,
        t.change_type_text,
        t.tutor_id,
        t.is_us_date,
        t.updated_ts,
        t.ingest_ts_value,
        COALESCE(t.first_name, p.first_name) AS first_name,
        COALESCE(t.last_name, p.last_name) AS last_name,
        COALESCE(t.sex, p.sex) AS sex,
        CASE WHEN t.date_of_birth_text IS NULL THEN p.date_of_birth ELSE t.date_of_birth END
            AS date_of_birth,
        CASE WHEN t.contract_rate_text IS NULL THEN p.contract_rate ELSE t.contract_rate_value END
            AS contract_rate_value,
        CASE WHEN t.active_students_text IS NULL THEN p.active_students ELSE t.active_students END
            AS active_students,
        -- Rule "tutor status": optional (the original's files have no status column); empty
        -- or absent, the tutor's status is unchanged: the version before's, Active for a new one
        CASE
            WHEN t.status_text IS NULL THEN COALESCE(p.status, 'Active')
            ELSE t.status_value
        END AS status,
        CASE WHEN t.created_text IS NULL THEN p.created_ts ELSE t.created_ts END
            AS created_ts,
        CASE WHEN t.file_kind = 'daily' THEN CONCAT_WS(
            ', ',
            CASE WHEN t.first_name IS NULL THEN 'first_name' END,
            CASE WHEN t.last_name IS NULL THEN 'last_name' END,
            CASE WHEN t.sex IS NULL THEN 'sex' END,
            CASE WHEN t.date_of_birth_text IS NULL THEN 'date_of_birth' END,
            CASE WHEN t.contract_rate_text IS NULL THEN 'contract_rate' END,
            CASE WHEN t.active_students_text IS NULL THEN 'active_students' END,
            CASE WHEN t.created_text IS NULL THEN 'created' END
        ) ELSE '' END AS empty_fields,
        p.tutor_id IS NOT NULL AS has_previous,
        -- attributes that are present but unusable are kept as NULL (ERR_UNPARSEABLE)
        CONCAT_WS(
            ', ',
            CASE WHEN t.date_of_birth_text IS NOT NULL AND t.date_of_birth IS NULL THEN 'date_of_birth' END,
            CASE
                WHEN t.contract_rate_text IS NOT NULL AND t.contract_rate_value IS NULL
                    THEN 'contract_rate'
            END,
            CASE
                WHEN t.active_students_text IS NOT NULL AND t.active_students IS NULL
                    THEN 'active_students'
            END,
            CASE WHEN t.status_text IS NOT NULL AND t.status_value IS NULL THEN 'status' END,
            CASE WHEN t.created_text IS NOT NULL AND t.created_ts IS NULL THEN 'created' END,
            CASE WHEN t.updated_text IS NOT NULL AND t.updated_ts IS NULL THEN 'updated' END
        ) AS unparseable_fields
    FROM typed AS t
    -- the version valid at the update, for daily rows only: a condition on the batch's side
    -- alone would turn this join into a nested loop over the whole dimension (11 s for the
    -- 36,558 grade changes of New Year's Day at scale 100), so the key it joins on is NULL
    -- for the other rows instead
    LEFT JOIN previous AS p
        ON
            p.tutor_id = CASE WHEN t.file_kind = 'daily' THEN t.tutor_id END
            AND p.effective_start_ts <= t.updated_ts
            AND t.updated_ts < p.effective_end_ts
)

SELECT *
FROM dimension_rows(
    with_previous, previous, tutor_id, 'tutor_id', 'tutors',
    (first_name, last_name, sex, date_of_birth, contract_rate, active_students, status)
)
