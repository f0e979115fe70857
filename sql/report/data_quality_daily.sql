-- Report chart: raw session rows audited in silver.err_sessions (repaired, flagged,
-- superseded or rejected) per ingest day and reason code, from the reason columns of
-- gold.data_quality_daily turned into rows. Zero counts are left out.
WITH reasons AS (
    SELECT
        ingest_date AS day,
        UNNEST([
            {'reason_code': 'ERR_INVALID_DESCRIPTOR', 'row_count': err_invalid_descriptor},
            {'reason_code': 'ERR_UNITS_RANGE', 'row_count': err_units_range},
            {'reason_code': 'ERR_INVALID_STAMP', 'row_count': err_invalid_stamp},
            {'reason_code': 'ERR_MISSING_TUTOR', 'row_count': err_missing_tutor},
            {'reason_code': 'ERR_MISSING_STATUS', 'row_count': err_missing_status},
            {'reason_code': 'ERR_MISSING_SUBJECT', 'row_count': err_missing_subject},
            {'reason_code': 'ERR_OUT_OF_RANGE', 'row_count': err_out_of_range},
            {'reason_code': 'ERR_UNPARSEABLE', 'row_count': err_unparseable},
            {'reason_code': 'ERR_ORPHAN_STUDENT', 'row_count': err_orphan_student},
            {'reason_code': 'ERR_ORPHAN_TUTOR', 'row_count': err_orphan_tutor},
            {'reason_code': 'DUPLICATE_EMISSION', 'row_count': duplicate_emission},
            {'reason_code': 'SUPERSEDED_LATER_BATCH', 'row_count': superseded_later_batch},
            {'reason_code': 'OTHER', 'row_count': other_reasons}
        ], recursive := true)
    FROM gold.data_quality_daily
)

SELECT
    day,
    reason_code,
    row_count
FROM reasons
WHERE row_count > 0
ORDER BY day, reason_code
