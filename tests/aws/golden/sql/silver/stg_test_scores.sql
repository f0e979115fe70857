-- silver.stg_test_scores (@kind view): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.stg_test_scores;

CREATE TABLE tutor_silver.stg_test_scores
WITH (
  format='PARQUET'
) AS
WITH raw AS (
  SELECT
    source_file,
    source_row,
    file_kind,
    parse_error,
    student_id AS raw_id,
    CONCAT_WS(
      ',',
      CAST(COALESCE(student_id, '') AS VARCHAR),
      CAST(COALESCE(test, '') AS VARCHAR),
      CAST(COALESCE(test_date, '') AS VARCHAR),
      CAST(COALESCE(score, '') AS VARCHAR),
      CAST(COALESCE(source_batch_id, '') AS VARCHAR),
      CAST(COALESCE(ingest_ts, '') AS VARCHAR)
    ) AS raw_record, /* the raw row as in the file, for the audit */
    NULLIF(TRIM(student_id), '') AS id_text,
    NULLIF(TRIM(test), '') AS test,
    NULLIF(TRIM(test_date), '') AS test_date_text,
    NULLIF(TRIM(score), '') AS score_text,
    NULLIF(TRIM(ingest_ts), '') AS ingest_ts_text
  FROM tutor_raw.test_scores
), typed /* Typing, as for sessions and dimensions; Rule "US dates": a test date written M/D/YYYY is */ /* read as month/day/year (ERR_MALFORMED_DATE, repaired). */ AS (
  SELECT
    *,
    CASE
      WHEN REGEXP_LIKE(id_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(id_text, '\.0*$', '') AS BIGINT)
    END AS student_id,
    TRY_CAST(CASE
      WHEN REGEXP_LIKE(score_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(score_text, '\.0*$', '') AS BIGINT)
    END AS INTEGER) AS score,
    CASE
      WHEN REGEXP_LIKE(test_date_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
      THEN TRY_CAST(test_date_text AS DATE)
      WHEN COALESCE(REGEXP_LIKE(test_date_text, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'), FALSE)
      THEN TRY_CAST(CONCAT(
        CAST(REGEXP_EXTRACT(test_date_text, '([0-9]{4})$', 1) AS VARCHAR),
        CAST('-' AS VARCHAR),
        CAST(LPAD(REGEXP_EXTRACT(test_date_text, '^([0-9]{1,2})/', 1), 2, '0') AS VARCHAR),
        CAST('-' AS VARCHAR),
        CAST(LPAD(REGEXP_EXTRACT(test_date_text, '/([0-9]{1,2})/', 1), 2, '0') AS VARCHAR)
      ) AS DATE)
    END AS test_date,
    COALESCE(REGEXP_LIKE(test_date_text, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'), FALSE) AS is_us_date,
    CASE
      WHEN REGEXP_LIKE(
        ingest_ts_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(ingest_ts_text AS TIMESTAMP)
    END AS ingest_ts_value
  FROM raw
), checked /* Rule "ingest time" (sql/macros/ingest_ts_repaired.sql); Rule "score range": an SAT score */ /* is 400-1600, else the row is rejected (ERR_OUT_OF_RANGE); Rule "orphan student": a student */ /* id unknown to dim_students is kept and flagged (ERR_ORPHAN_STUDENT). */ AS (
  SELECT
    t.*,
    CASE
      WHEN t.file_kind = 'daily'
      AND CAST(t.ingest_ts_value AS DATE) = CAST('2026-01-15' AS DATE)
      THEN t.ingest_ts_value
      ELSE CAST('2026-01-15 00:00:00' AS TIMESTAMP)
    END AS row_ingest_ts,
    (
      t.file_kind = 'daily'
      AND (
        t.ingest_ts_value IS NULL
        OR CAST(t.ingest_ts_value AS DATE) <> CAST('2026-01-15' AS DATE)
      )
    ) AS fix_ingest_ts,
    t.is_us_date AND NOT t.test_date IS NULL AS fix_date_format,
    d.student_id IS NULL AS is_orphan,
    CASE
      WHEN NOT t.parse_error IS NULL
      THEN 'ERR_MALFORMED_ROW'
      WHEN t.id_text IS NULL OR t.test IS NULL OR t.score_text IS NULL
      THEN 'ERR_MISSING_KEY'
      WHEN t.student_id IS NULL OR t.score IS NULL
      THEN 'ERR_UNPARSEABLE'
      WHEN t.test_date IS NULL
      THEN 'ERR_MALFORMED_STAMP'
      WHEN NOT t.score BETWEEN 400 AND 1600
      THEN 'ERR_OUT_OF_RANGE'
    END AS reject_code
  FROM typed AS t
  LEFT JOIN (
    SELECT DISTINCT
      student_id
    FROM tutor_silver.dim_students
  ) AS d
    ON d.student_id = t.student_id
), ranked /* Rule "duplicates within a batch": of the valid rows of one student, test and date, keep */ /* the latest by ingest time, then file order (DUPLICATE_EMISSION for the others). */ AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY student_id, test, test_date, reject_code IS NULL
      ORDER BY row_ingest_ts DESC, source_file DESC, source_row DESC
    ) AS emission_rank
  FROM checked
), earlier /* a score already in silver from an earlier batch: this batch's replaces it */ AS (
  SELECT
    student_id,
    test,
    test_date,
    source_batch_id AS earlier_batch_id
  FROM tutor_silver.fct_test_scores
), final AS (
  SELECT
    'test_scores' AS entity,
    r.source_file,
    r.source_row,
    r.raw_id,
    r.raw_record,
    CASE
      WHEN NOT r.reject_code IS NULL
      THEN 'rejected'
      WHEN r.emission_rank > 1
      THEN 'superseded'
      ELSE 'kept'
    END AS disposition,
    CASE
      WHEN NOT r.reject_code IS NULL
      THEN r.reject_code
      WHEN r.emission_rank > 1
      THEN 'DUPLICATE_EMISSION'
    END AS reason_code,
    CASE r.reject_code
      WHEN 'ERR_MALFORMED_ROW'
      THEN CONCAT(CAST('malformed line: ' AS VARCHAR), CAST(r.parse_error AS VARCHAR))
      WHEN 'ERR_MISSING_KEY'
      THEN 'student_id, test or score is empty'
      WHEN 'ERR_UNPARSEABLE'
      THEN 'student_id or score is not a whole number'
      WHEN 'ERR_MALFORMED_STAMP'
      THEN 'test_date is missing or not a valid date'
      WHEN 'ERR_OUT_OF_RANGE'
      THEN CONCAT(
        CAST('score ' AS VARCHAR),
        CAST(r.score AS VARCHAR),
        CAST(' is not 400-1600' AS VARCHAR)
      )
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
SELECT
  *
FROM final;
