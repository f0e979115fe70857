-- stg_tutors: the batch's raw tutor rows, typed, checked and de-duplicated.
-- Grain: one row per raw row of bronze.tutors (key source_file + source_row), with its
-- disposition: 'kept' (becomes a version in dim_tutors), 'superseded' (a more recent row of
-- the same student in this batch won) or 'rejected' (no usable id or validity time).
-- Rule "version validity": a row of the pre-migration history is the tutor's first
-- version, valid from `created` (so sessions before the migration find their rates); a daily
-- delta row is valid from `updated`, the time the change happened.
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
        CASE
            WHEN REGEXP_MATCHES(id_text, '^[0-9]+(\.0*)?$')
                THEN TRY_CAST(REGEXP_REPLACE(id_text, '\.0*$', '') AS BIGINT)
        END AS tutor_id,
        -- Rule "US dates": a date of birth written MM/DD/YYYY (a writer's locale) is read as
        -- such (ERR_MALFORMED_DATE, repaired); any other spelling is unusable (ERR_UNPARSEABLE)
        CASE
            WHEN REGEXP_MATCHES(date_of_birth_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
                THEN TRY_CAST(date_of_birth_text AS DATE)
            WHEN REGEXP_MATCHES(date_of_birth_text, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$')
                THEN TRY_CAST(
                    REGEXP_EXTRACT(date_of_birth_text, '([0-9]{4})$', 1) || '-'
                    || LPAD(REGEXP_EXTRACT(date_of_birth_text, '^([0-9]{1,2})/', 1), 2, '0')
                    || '-'
                    || LPAD(REGEXP_EXTRACT(date_of_birth_text, '/([0-9]{1,2})/', 1), 2, '0')
                    AS DATE
                )
        END AS date_of_birth,
        COALESCE(REGEXP_MATCHES(date_of_birth_text, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'), FALSE)
            AS is_us_date,
        CASE
            WHEN REGEXP_MATCHES(contract_rate_text, '^[0-9]+(\.[0-9]*)?$')
                THEN TRY_CAST(contract_rate_text AS DOUBLE)
        END AS contract_rate_value,
        CASE
            WHEN REGEXP_MATCHES(active_students_text, '^[0-9]+(\.0*)?$')
                THEN TRY_CAST(REGEXP_REPLACE(active_students_text, '\.0*$', '') AS INTEGER)
        END AS active_students,
        CASE LOWER(status_text)
            WHEN 'active' THEN 'Active'
            WHEN 'leaving' THEN 'Leaving'
            WHEN 'departed' THEN 'Departed'
        END AS status_value,
        CASE
            WHEN REGEXP_MATCHES(created_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$')
                THEN TRY_CAST(created_text AS TIMESTAMP)
        END AS created_ts,
        CASE
            WHEN REGEXP_MATCHES(updated_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$')
                THEN TRY_CAST(updated_text AS TIMESTAMP)
        END AS updated_ts,
        CASE
            WHEN REGEXP_MATCHES(ingest_ts_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$')
                THEN TRY_CAST(ingest_ts_text AS TIMESTAMP)
        END AS ingest_ts_value
    FROM raw
),

-- Rule "missing fields": an empty attribute of a daily row takes the value of the tutor's
-- version valid at the row's `updated` (silver before this batch): an update that left out
-- the fields it did not change (ERR_MISSING_FIELD, repaired). With no such version (a new
-- id, or a time before its first version) the field stays NULL (ERR_MISSING_FIELD, flagged).
-- Rule "update before its insert": an UPDATE of an id silver has no version of, with no
-- INSERT of it in this batch, is the id's first version: INSERT, valid from `created`
-- (ERR_UPDATE_BEFORE_INSERT, repaired). An INSERT arriving for an id silver already has a
-- version of from its time or earlier (its UPDATE came first) adds nothing: superseded by
-- that version (ERR_UPDATE_BEFORE_INSERT, superseded).
first_versions AS (
    SELECT
        tutor_id,
        MIN(effective_start_ts) AS first_start_ts
    FROM silver.dim_tutors
    GROUP BY tutor_id
),

with_previous AS (
    SELECT
        t.source_file,
        t.source_row,
        t.file_kind,
        t.parse_error,
        t.raw_id,
        t.raw_record,
        t.id_text,
        t.date_of_birth_text,
        t.contract_rate_text,
        t.active_students_text,
        t.status_text,
        t.created_text,
        t.updated_text,
        t.change_type_text,
        t.ingest_ts_text,
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
        COALESCE(
            t.file_kind = 'daily'
            AND t.change_type_text = 'UPDATE'
            AND f.first_start_ts IS NULL
            AND MAX(CASE WHEN t.change_type_text = 'INSERT' THEN 1 ELSE 0 END)
                OVER (PARTITION BY t.tutor_id) = 0,
            FALSE
        ) AS fix_update_before_insert,
        COALESCE(
            t.file_kind = 'daily'
            AND t.change_type_text = 'INSERT'
            AND f.first_start_ts <= t.updated_ts,
            FALSE
        ) AS is_late_insert
    FROM typed AS t
    LEFT JOIN first_versions AS f ON f.tutor_id = t.tutor_id
    LEFT JOIN silver.dim_tutors AS p
        ON
            t.file_kind = 'daily'
            AND p.tutor_id = t.tutor_id
            AND p.effective_start_ts <= t.updated_ts
            AND t.updated_ts < p.effective_end_ts
),

-- Rule "version validity" (above), Rule "ingest time" (as for sessions), and
-- Rule "change type": INSERT or UPDATE as written; the history is MIGRATION; a daily row
-- with another value gets INSERT when created = updated, else UPDATE (ERR_INVALID_CHANGE_TYPE).
checked AS (
    SELECT
        *,
        -- Rule "rate in cents": an hourly rate of 1,000 or more was written in cents: / 100
        -- (ERR_RATE_UNITS, repaired; the business's rates are whole dollars below 1,000)
        CASE
            WHEN contract_rate_value >= 1000 THEN contract_rate_value / 100
            ELSE contract_rate_value
        END AS contract_rate,
        CASE WHEN has_previous THEN empty_fields ELSE '' END AS missing_fields,
        CASE WHEN has_previous THEN '' ELSE empty_fields END AS unfilled_fields,
        COALESCE(contract_rate_value >= 1000, FALSE) AS fix_rate_units,
        is_us_date AND date_of_birth IS NOT NULL AS fix_date_format,
        CASE
            WHEN file_kind = 'history' THEN created_ts
            WHEN fix_update_before_insert AND created_ts < updated_ts THEN created_ts
            ELSE updated_ts
        END AS valid_from,
        file_kind = 'daily'
        AND (ingest_ts_value IS NULL OR CAST(ingest_ts_value AS DATE) <> :ingest_date)
            AS fix_ingest_ts,
        CASE
            WHEN file_kind = 'daily' AND CAST(ingest_ts_value AS DATE) = :ingest_date
                THEN ingest_ts_value
            ELSE :batch_ingest_ts
        END AS row_ingest_ts,
        file_kind = 'daily' AND COALESCE(change_type_text NOT IN ('INSERT', 'UPDATE'), TRUE)
            AS fix_change_type,
        CASE
            WHEN file_kind = 'history' THEN 'MIGRATION'
            WHEN fix_update_before_insert THEN 'INSERT'
            WHEN change_type_text IN ('INSERT', 'UPDATE') THEN change_type_text
            WHEN created_ts = updated_ts THEN 'INSERT'
            ELSE 'UPDATE'
        END AS change_type,
        -- attributes that are present but unusable are kept as NULL (ERR_UNPARSEABLE)
        CONCAT_WS(
            ', ',
            CASE WHEN date_of_birth_text IS NOT NULL AND date_of_birth IS NULL THEN 'date_of_birth' END,
            CASE WHEN contract_rate_text IS NOT NULL AND contract_rate_value IS NULL THEN 'contract_rate' END,
            CASE
                WHEN active_students_text IS NOT NULL AND active_students IS NULL
                    THEN 'active_students'
            END,
            CASE WHEN status_text IS NOT NULL AND status IS NULL THEN 'status' END,
            CASE WHEN created_text IS NOT NULL AND created_ts IS NULL THEN 'created' END,
            CASE WHEN updated_text IS NOT NULL AND updated_ts IS NULL THEN 'updated' END
        ) AS unparseable_fields,
        CASE
            WHEN parse_error IS NOT NULL THEN 'ERR_MALFORMED_ROW'
            WHEN id_text IS NULL THEN 'ERR_MISSING_KEY'
            WHEN tutor_id IS NULL THEN 'ERR_UNPARSEABLE'
            WHEN (CASE WHEN file_kind = 'history' THEN created_ts ELSE updated_ts END) IS NULL
                THEN 'ERR_MALFORMED_STAMP'
        END AS reject_code
    FROM with_previous
),

-- Rule "duplicates within a batch": of the valid rows of one tutor, keep the latest by
-- validity time, then ingest time, then file order (DUPLICATE_EMISSION for the others).
ranked AS (
    SELECT
        *,
        ROW_NUMBER() OVER (
            PARTITION BY tutor_id, reject_code IS NULL
            ORDER BY valid_from DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
        ) AS emission_rank
    FROM checked
),

final AS (
    SELECT
        'tutors' AS entity,
        source_file,
        source_row,
        raw_id,
        raw_record,
        CASE
            WHEN reject_code IS NOT NULL THEN 'rejected'
            WHEN emission_rank > 1 OR is_late_insert THEN 'superseded'
            ELSE 'kept'
        END AS disposition,
        CASE
            WHEN reject_code IS NOT NULL THEN reject_code
            WHEN emission_rank > 1 THEN 'DUPLICATE_EMISSION'
            WHEN is_late_insert THEN 'ERR_UPDATE_BEFORE_INSERT'
        END AS reason_code,
        CASE reject_code
            WHEN 'ERR_MALFORMED_ROW' THEN 'malformed line: ' || parse_error
            WHEN 'ERR_MISSING_KEY' THEN 'tutor_id is empty'
            WHEN 'ERR_UNPARSEABLE' THEN 'tutor_id ''' || id_text || ''' is not a whole number'
            WHEN 'ERR_MALFORMED_STAMP' THEN CASE
                WHEN file_kind = 'history' THEN 'created is missing or not a valid time'
                ELSE 'updated is missing or not a valid time'
            END
        END AS reject_detail,
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
        valid_from,
        change_type,
        row_ingest_ts,
        unparseable_fields,
        COALESCE(fix_change_type, FALSE) AS fix_change_type,
        COALESCE(fix_ingest_ts, FALSE) AS fix_ingest_ts,
        fix_rate_units,
        fix_date_format,
        missing_fields,
        unfilled_fields,
        fix_update_before_insert,
        change_type_text
    FROM ranked
)

SELECT * FROM final
