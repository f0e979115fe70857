-- stg_test_scores: the batch's raw test-score rows (a student's score on a test on a date),
-- typed, checked and de-duplicated. Grain: one row per raw row of bronze.test_scores (key
-- source_file + source_row), with its disposition: 'kept' (goes into fct_test_scores),
-- 'superseded' (a later row with the same student, test and date in this batch won) or
-- 'rejected'.
-- Ephemeral (@kind view): read by fct_test_scores, err_test_scores and ingest_batches; it
-- runs after dim_students, so the batch's own students are known.
-- @kind view
-- @reads_previous silver.fct_test_scores

WITH raw AS (
    SELECT
        source_file,
        source_row,
        file_kind,
        parse_error,
        student_id AS raw_id,
        -- the raw row as in the file, for the audit
        CONCAT_WS(
            ',',
            COALESCE(student_id, ''), COALESCE(test, ''), COALESCE(test_date, ''),
            COALESCE(score, ''), COALESCE(source_batch_id, ''), COALESCE(ingest_ts, '')
        ) AS raw_record,
        NULLIF(TRIM(student_id), '') AS id_text,
        NULLIF(TRIM(test), '') AS test,
        NULLIF(TRIM(test_date), '') AS test_date_text,
        NULLIF(TRIM(score), '') AS score_text,
        NULLIF(TRIM(ingest_ts), '') AS ingest_ts_text
    FROM bronze.test_scores
),

-- Typing, as for sessions and dimensions; Rule "US dates": a test date written M/D/YYYY is
-- read as month/day/year (ERR_MALFORMED_DATE, repaired).
typed AS (
    SELECT
        *,
        whole_number(id_text) AS student_id,
        TRY_CAST(whole_number(score_text) AS INTEGER) AS score,
        calendar_date(test_date_text) AS test_date,
        is_us_date(test_date_text) AS is_us_date,
        iso_timestamp(ingest_ts_text) AS ingest_ts_value
    FROM raw
),

-- Rule "ingest time" (sql/macros/ingest_ts_repaired.sql); Rule "score range": an SAT score
-- is 400-1600, else the row is rejected (ERR_OUT_OF_RANGE); Rule "orphan student": a student
-- id unknown to dim_students is kept and flagged (ERR_ORPHAN_STUDENT).
checked AS (
    SELECT
        t.*,
        row_ingest_ts(t.file_kind, t.ingest_ts_value) AS row_ingest_ts,
        ingest_ts_repaired(t.file_kind, t.ingest_ts_value) AS fix_ingest_ts,
        t.is_us_date AND t.test_date IS NOT NULL AS fix_date_format,
        d.student_id IS NULL AS is_orphan,
        CASE
            WHEN t.parse_error IS NOT NULL THEN 'ERR_MALFORMED_ROW'
            WHEN t.id_text IS NULL OR t.test IS NULL OR t.score_text IS NULL
                THEN 'ERR_MISSING_KEY'
            WHEN t.student_id IS NULL OR t.score IS NULL THEN 'ERR_UNPARSEABLE'
            WHEN t.test_date IS NULL THEN 'ERR_MALFORMED_STAMP'
            WHEN t.score NOT BETWEEN 400 AND 1600 THEN 'ERR_OUT_OF_RANGE'
        END AS reject_code
    FROM typed AS t
    LEFT JOIN (SELECT DISTINCT student_id FROM silver.dim_students) AS d
        ON d.student_id = t.student_id
),

-- Rule "duplicates within a batch": of the valid rows of one student, test and date, keep
-- the latest by ingest time, then file order (DUPLICATE_EMISSION for the others).
ranked AS (
    SELECT
        *,
        ROW_NUMBER() OVER (
            PARTITION BY student_id, test, test_date, reject_code IS NULL
            ORDER BY row_ingest_ts DESC, source_file DESC, source_row DESC
        ) AS emission_rank
    FROM checked
),

-- a score already in silver from an earlier batch: this batch's replaces it
earlier AS (
    SELECT
        student_id,
        test,
        test_date,
        source_batch_id AS earlier_batch_id
    FROM silver.fct_test_scores
),

final AS (
    SELECT
        'test_scores' AS entity,
        r.source_file,
        r.source_row,
        r.raw_id,
        r.raw_record,
        CASE
            WHEN r.reject_code IS NOT NULL THEN 'rejected'
            WHEN r.emission_rank > 1 THEN 'superseded'
            ELSE 'kept'
        END AS disposition,
        CASE
            WHEN r.reject_code IS NOT NULL THEN r.reject_code
            WHEN r.emission_rank > 1 THEN 'DUPLICATE_EMISSION'
        END AS reason_code,
        CASE r.reject_code
            WHEN 'ERR_MALFORMED_ROW' THEN 'malformed line: ' || r.parse_error
            WHEN 'ERR_MISSING_KEY' THEN 'student_id, test or score is empty'
            WHEN 'ERR_UNPARSEABLE' THEN 'student_id or score is not a whole number'
            WHEN 'ERR_MALFORMED_STAMP' THEN 'test_date is missing or not a valid date'
            WHEN 'ERR_OUT_OF_RANGE' THEN 'score ' || CAST(r.score AS VARCHAR) || ' is not 400-1600'
        END AS reject_detail,
        r.student_id,
        r.test,
        r.test_date,
        r.score,
        r.row_ingest_ts,
        r.fix_ingest_ts,
        r.fix_date_format,
        r.is_orphan,
        e.earlier_batch_id
    FROM ranked AS r
    LEFT JOIN earlier AS e
        ON e.student_id = r.student_id AND e.test = r.test AND e.test_date = r.test_date
)

SELECT * FROM final
