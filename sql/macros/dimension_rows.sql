-- dimension_rows: the rules every dimension's raw rows follow (stg_students, stg_tutors),
-- after the model has typed its columns and filled the empty ones from the version before.
-- One row per raw row with its disposition: 'kept' (becomes a version in the dimension),
-- 'superseded' (a more recent row of the same id in this batch won, or an INSERT its UPDATE
-- came before) or 'rejected' (no usable id or validity time).
-- Rule "missing fields": an empty attribute of a daily row takes the value of the entity's
-- version valid at the row's `updated` (silver before this batch): an update that left out
-- the fields it did not change (ERR_MISSING_FIELD, repaired). With no such version (a new
-- id, or a time before its first version) the field stays NULL (ERR_MISSING_FIELD, flagged).
-- The model fills the fields (its own columns) and says which were empty (empty_fields) and
-- whether a version was found (has_previous); missing_fields and unfilled_fields split them.
-- filled: the model's typed and filled rows; dimension: the table before this batch;
-- business_key: the id column; key_label: its name, for the messages; entity_name: the
-- entity ('students'); attributes: the columns between the id and created_ts, in order.
CREATE MACRO dimension_rows(
    filled, dimension, business_key, key_label, entity_name, attributes
) AS TABLE
-- Rule "update before its insert": an UPDATE of an id silver has no version of, with no
-- INSERT of it in this batch, is the id's first version: INSERT, valid from `created`
-- (ERR_UPDATE_BEFORE_INSERT, repaired). An INSERT arriving for an id silver already has a
-- version of from its time or earlier (its UPDATE came first) adds nothing: superseded by
-- that version (ERR_UPDATE_BEFORE_INSERT, superseded).
WITH first_versions AS (
    SELECT
        business_key,
        MIN(effective_start_ts) AS first_start_ts
    FROM dimension
    GROUP BY business_key
),

with_first AS (
    SELECT
        r.*,
        COALESCE(
            r.file_kind = 'daily'
            AND r.change_type_text = 'UPDATE'
            AND f.first_start_ts IS NULL
            AND MAX(CASE WHEN r.change_type_text = 'INSERT' THEN 1 ELSE 0 END)
                OVER (PARTITION BY r.business_key) = 0,
            FALSE
        ) AS fix_update_before_insert,
        COALESCE(
            r.file_kind = 'daily'
            AND r.change_type_text = 'INSERT'
            AND f.first_start_ts <= r.updated_ts,
            FALSE
        ) AS is_late_insert
    FROM filled AS r
    LEFT JOIN first_versions AS f ON f.business_key = r.business_key
),

-- Rule "version validity": a row of the pre-migration history is the entity's first
-- version, valid from `created` (so sessions before the migration find their rates); a daily
-- delta row is valid from `updated`, the time the change happened.
-- Rule "ingest time" (ingest_ts_repaired, row_ingest_ts), and
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
        ingest_ts_repaired(file_kind, ingest_ts_value) AS fix_ingest_ts,
        row_ingest_ts(file_kind, ingest_ts_value) AS row_ingest_ts,
        file_kind = 'daily' AND COALESCE(change_type_text NOT IN ('INSERT', 'UPDATE'), TRUE)
            AS fix_change_type,
        CASE
            WHEN file_kind = 'history' THEN 'MIGRATION'
            WHEN fix_update_before_insert THEN 'INSERT'
            WHEN change_type_text IN ('INSERT', 'UPDATE') THEN change_type_text
            WHEN created_ts = updated_ts THEN 'INSERT'
            ELSE 'UPDATE'
        END AS change_type,
        CASE
            WHEN parse_error IS NOT NULL THEN 'ERR_MALFORMED_ROW'
            WHEN id_text IS NULL THEN 'ERR_MISSING_KEY'
            WHEN business_key IS NULL THEN 'ERR_UNPARSEABLE'
            WHEN (CASE WHEN file_kind = 'history' THEN created_ts ELSE updated_ts END) IS NULL
                THEN 'ERR_MALFORMED_STAMP'
        END AS reject_code
    FROM with_first
),

-- Rule "duplicates within a batch": of the valid rows of one id, keep the latest by
-- validity time, then ingest time, then file order (DUPLICATE_EMISSION for the others).
ranked AS (
    SELECT
        *,
        ROW_NUMBER() OVER (
            PARTITION BY business_key, reject_code IS NULL
            ORDER BY valid_from DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
        ) AS emission_rank
    FROM checked
),

final AS (
    SELECT
        entity_name AS entity,
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
            WHEN 'ERR_MISSING_KEY' THEN key_label || ' is empty'
            WHEN 'ERR_UNPARSEABLE' THEN key_label || ' ''' || id_text || ''' is not a whole number'
            WHEN 'ERR_MALFORMED_STAMP' THEN CASE
                WHEN file_kind = 'history' THEN 'created is missing or not a valid time'
                ELSE 'updated is missing or not a valid time'
            END
        END AS reject_detail,
        business_key,
        attributes,
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
