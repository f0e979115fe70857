-- err_dimensions: the audit trail of the batch's student and tutor rows (err_sessions' twin
-- for the dimensions, so no delta row is ever lost either). One row per raw row and reason
-- that was repaired, flagged, superseded or rejected, with the raw row as it was in the file
-- (raw_record, comma-joined in the contract's column order). Partitioned by ingest_date.
-- @kind incremental_by_partition
-- @partitioned_by ingest_date

WITH staged AS (
    SELECT
        entity, source_file, source_row, raw_id, raw_record, student_id AS entity_id,
        disposition, reason_code, reject_detail, unparseable_fields, fix_change_type,
        fix_ingest_ts, fix_rate_units, fix_date_format, missing_fields, unfilled_fields,
        fix_update_before_insert, change_type, change_type_text
    FROM silver.stg_students
    UNION ALL
    SELECT
        entity, source_file, source_row, raw_id, raw_record, tutor_id AS entity_id,
        disposition, reason_code, reject_detail, unparseable_fields, fix_change_type,
        fix_ingest_ts, fix_rate_units, fix_date_format, missing_fields, unfilled_fields,
        fix_update_before_insert, change_type, change_type_text
    FROM silver.stg_tutors
),

events AS (
    SELECT
        s.*,
        reason_code AS event_code,
        'rejected' AS action,
        reject_detail AS detail
    FROM staged AS s
    WHERE disposition = 'rejected'

    UNION ALL
    SELECT
        s.*,
        reason_code AS event_code,
        'superseded' AS action,
        CASE reason_code
            WHEN 'ERR_UPDATE_BEFORE_INSERT'
                THEN 'INSERT of an id silver has from this time or earlier (its UPDATE came '
                || 'first): that version is kept'
            ELSE 'a later row of the same id in this batch is kept (latest validity time, '
                || 'then ingest time, then file order)'
        END AS detail
    FROM staged AS s
    WHERE disposition = 'superseded'

    UNION ALL
    SELECT
        s.*,
        'ERR_UNPARSEABLE' AS event_code,
        'repaired' AS action,
        'unusable value(s) kept as NULL: ' || unparseable_fields AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND unparseable_fields <> ''

    UNION ALL
    SELECT
        s.*,
        'ERR_INVALID_CHANGE_TYPE' AS event_code,
        'repaired' AS action,
        'change_type ''' || COALESCE(change_type_text, '') || ''' is not INSERT or UPDATE: '
        || change_type || ' from created/updated' AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND fix_change_type

    UNION ALL
    SELECT
        s.*,
        'ERR_RATE_UNITS' AS event_code,
        'repaired' AS action,
        'contract_rate of 1,000 or more read as cents: divided by 100' AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND fix_rate_units

    UNION ALL
    SELECT
        s.*,
        'ERR_MALFORMED_DATE' AS event_code,
        'repaired' AS action,
        'date_of_birth written MM/DD/YYYY: read as month/day/year' AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND fix_date_format

    UNION ALL
    SELECT
        s.*,
        'ERR_MISSING_FIELD' AS event_code,
        'repaired' AS action,
        'empty field(s) taken from the version valid at updated: ' || missing_fields AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND missing_fields <> ''

    UNION ALL
    SELECT
        s.*,
        'ERR_MISSING_FIELD' AS event_code,
        'flagged' AS action,
        'empty field(s) kept NULL, no earlier version to take them from: ' || unfilled_fields
            AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND unfilled_fields <> ''

    UNION ALL
    SELECT
        s.*,
        'ERR_UPDATE_BEFORE_INSERT' AS event_code,
        'repaired' AS action,
        'UPDATE of an id with no version and no INSERT: its first version, INSERT from created'
            AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND fix_update_before_insert

    UNION ALL
    SELECT
        s.*,
        'ERR_INVALID_INGEST_TS' AS event_code,
        'repaired' AS action,
        'ingest_ts missing, malformed or not on the batch date: the batch date 00:00 is used'
            AS detail
    FROM staged AS s
    WHERE disposition = 'kept' AND fix_ingest_ts
),

final AS (
    SELECT
        entity,
        :source_batch_id AS source_batch_id,
        source_file,
        CAST(source_row AS BIGINT) AS source_row,
        raw_id,
        raw_record,
        CAST(entity_id AS BIGINT) AS entity_id,
        event_code AS reason_code,
        action,
        detail,
        CAST(:slv_ingest_ts AS TIMESTAMP) AS slv_ingest_ts,
        CAST(:ingest_date AS DATE) AS ingest_date
    FROM events
)

SELECT * FROM final
