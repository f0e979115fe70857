-- data_quality_daily: the pipeline's health, one row per ingested sessions batch (up to the
-- as-of batch). Key: ingest_date.
-- Row accounting comes from silver.ingest_batches (raw = kept + superseded + rejected must
-- hold: is_reconciled); the reason columns count silver.err_sessions rows of the batch by
-- reason code (a row repaired for two reasons counts under both), so they explain the
-- repaired / superseded / rejected totals. kept_rows_now counts the batch's rows still in
-- silver.fct_sessions (a later batch may supersede some); unpriced_sessions counts its
-- billable sessions without a student or tutor rate at the session time (no revenue).
-- A batch adds its own row and changes the rows of the batches whose sessions it supersedes
-- or reprices: a daily build recomputes those (@scope ingest_date).
-- @kind full
-- @scope ingest_date

WITH batches AS (
    SELECT
        ingest_date,
        source_batch_id,
        source_files,
        raw_rows,
        kept_rows,
        repaired_rows,
        superseded_rows,
        rejected_rows
    FROM silver.ingest_batches
    WHERE
        entity = 'sessions' AND ingest_date <= :as_of_date
        AND (:full_build OR ingest_date IN (SELECT ingest_date FROM gold_scope_ingest_date))
),

dimension_deltas AS (
    SELECT
        ingest_date,
        CAST(SUM(CASE WHEN entity = 'students' THEN raw_rows ELSE 0 END) AS BIGINT)
            AS student_rows,
        CAST(SUM(CASE WHEN entity = 'tutors' THEN raw_rows ELSE 0 END) AS BIGINT) AS tutor_rows
    FROM silver.ingest_batches
    WHERE
        entity IN ('students', 'tutors') AND ingest_date <= :as_of_date
        AND (:full_build OR ingest_date IN (SELECT ingest_date FROM gold_scope_ingest_date))
    GROUP BY ingest_date
),

reasons AS (
    SELECT
        ingest_date,
        COUNT(CASE WHEN action = 'repaired' THEN 1 END) AS repair_actions,
        COUNT(CASE WHEN action = 'flagged' THEN 1 END) AS flag_actions,
        COUNT(CASE WHEN reason_code = 'ERR_INVALID_DESCRIPTOR' THEN 1 END)
            AS err_invalid_descriptor,
        COUNT(CASE WHEN reason_code = 'ERR_UNITS_RANGE' THEN 1 END) AS err_units_range,
        COUNT(CASE WHEN reason_code = 'ERR_INVALID_STAMP' THEN 1 END) AS err_invalid_stamp,
        COUNT(CASE WHEN reason_code = 'ERR_MISSING_TUTOR' THEN 1 END) AS err_missing_tutor,
        COUNT(CASE WHEN reason_code = 'ERR_MISSING_STATUS' THEN 1 END) AS err_missing_status,
        COUNT(CASE WHEN reason_code = 'ERR_MISSING_SUBJECT' THEN 1 END)
            AS err_missing_subject,
        COUNT(CASE WHEN reason_code = 'ERR_OUT_OF_RANGE' THEN 1 END) AS err_out_of_range,
        COUNT(CASE WHEN reason_code = 'ERR_UNPARSEABLE' THEN 1 END) AS err_unparseable,
        COUNT(CASE WHEN reason_code = 'ERR_ORPHAN_STUDENT' THEN 1 END) AS err_orphan_student,
        COUNT(CASE WHEN reason_code = 'ERR_ORPHAN_TUTOR' THEN 1 END) AS err_orphan_tutor,
        COUNT(CASE WHEN reason_code = 'DUPLICATE_EMISSION' THEN 1 END) AS duplicate_emission,
        COUNT(CASE WHEN reason_code = 'SUPERSEDED_LATER_BATCH' THEN 1 END)
            AS superseded_later_batch,
        COUNT(
            CASE
                WHEN reason_code NOT IN (
                    'ERR_INVALID_DESCRIPTOR', 'ERR_UNITS_RANGE', 'ERR_INVALID_STAMP',
                    'ERR_MISSING_TUTOR', 'ERR_MISSING_STATUS', 'ERR_MISSING_SUBJECT',
                    'ERR_OUT_OF_RANGE', 'ERR_UNPARSEABLE', 'ERR_ORPHAN_STUDENT',
                    'ERR_ORPHAN_TUTOR', 'DUPLICATE_EMISSION', 'SUPERSEDED_LATER_BATCH'
                ) THEN 1
            END
        ) AS other_reasons
    FROM silver.err_sessions
    WHERE
        ingest_date <= :as_of_date
        AND (:full_build OR ingest_date IN (SELECT ingest_date FROM gold_scope_ingest_date))
    GROUP BY ingest_date
),

-- the batch's sessions still in silver (int_priced_sessions holds every one, as of D)
kept_now AS (
    SELECT
        ingest_date,
        COUNT(*) AS kept_rows_now,
        COUNT(CASE WHEN is_orphan THEN 1 END) AS orphan_sessions,
        COUNT(CASE WHEN is_unpriced THEN 1 END) AS unpriced_sessions
    FROM gold.int_priced_sessions
    WHERE :full_build OR ingest_date IN (SELECT ingest_date FROM gold_scope_ingest_date)
    GROUP BY ingest_date
),

final AS (
    SELECT
        b.ingest_date,
        b.source_batch_id,
        b.source_files,
        b.raw_rows,
        b.kept_rows,
        b.repaired_rows,
        b.superseded_rows,
        b.rejected_rows,
        b.raw_rows = b.kept_rows + b.superseded_rows + b.rejected_rows AS is_reconciled,
        COALESCE(k.kept_rows_now, 0) AS kept_rows_now,
        COALESCE(r.repair_actions, 0) AS repair_actions,
        COALESCE(r.flag_actions, 0) AS flag_actions,
        COALESCE(r.err_invalid_descriptor, 0) AS err_invalid_descriptor,
        COALESCE(r.err_units_range, 0) AS err_units_range,
        COALESCE(r.err_invalid_stamp, 0) AS err_invalid_stamp,
        COALESCE(r.err_missing_tutor, 0) AS err_missing_tutor,
        COALESCE(r.err_missing_status, 0) AS err_missing_status,
        COALESCE(r.err_missing_subject, 0) AS err_missing_subject,
        COALESCE(r.err_out_of_range, 0) AS err_out_of_range,
        COALESCE(r.err_unparseable, 0) AS err_unparseable,
        COALESCE(r.err_orphan_student, 0) AS err_orphan_student,
        COALESCE(r.err_orphan_tutor, 0) AS err_orphan_tutor,
        COALESCE(r.duplicate_emission, 0) AS duplicate_emission,
        COALESCE(r.superseded_later_batch, 0) AS superseded_later_batch,
        COALESCE(r.other_reasons, 0) AS other_reasons,
        COALESCE(k.orphan_sessions, 0) AS orphan_sessions,
        COALESCE(k.unpriced_sessions, 0) AS unpriced_sessions,
        COALESCE(d.student_rows, 0) AS student_delta_rows,
        COALESCE(d.tutor_rows, 0) AS tutor_delta_rows,
        :as_of_ts AS as_of_ts,
        :generated_at AS generated_at
    FROM batches AS b
    LEFT JOIN reasons AS r ON r.ingest_date = b.ingest_date
    LEFT JOIN kept_now AS k ON k.ingest_date = b.ingest_date
    LEFT JOIN dimension_deltas AS d ON d.ingest_date = b.ingest_date
)

SELECT * FROM final
ORDER BY ingest_date
