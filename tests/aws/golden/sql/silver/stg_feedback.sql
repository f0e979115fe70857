-- silver.stg_feedback (@kind view): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.stg_feedback;

CREATE TABLE tutor_silver.stg_feedback
WITH (
  format='PARQUET'
) AS
WITH raw AS (
  SELECT
    source_file,
    source_row,
    file_kind,
    parse_error,
    session_id AS raw_id,
    CONCAT_WS(
      ',',
      CAST(COALESCE(session_id, '') AS VARCHAR),
      CAST(COALESCE(rating, '') AS VARCHAR),
      CAST(COALESCE(comment, '') AS VARCHAR),
      CAST(COALESCE(submitted, '') AS VARCHAR),
      CAST(COALESCE(source_batch_id, '') AS VARCHAR),
      CAST(COALESCE(ingest_ts, '') AS VARCHAR)
    ) AS raw_record, /* the raw row as in the file, for the audit */
    NULLIF(TRIM(session_id), '') AS id_text,
    NULLIF(TRIM(rating), '') AS rating_text,
    NULLIF(TRIM(comment), '') AS comment,
    NULLIF(TRIM(submitted), '') AS submitted_text,
    NULLIF(TRIM(ingest_ts), '') AS ingest_ts_text
  FROM tutor_raw.feedback
), typed /* Typing, as for sessions: whole numbers possibly written as floats, exact ISO times. */ AS (
  SELECT
    *,
    CASE
      WHEN REGEXP_LIKE(id_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(id_text, '\.0*$', '') AS BIGINT)
    END AS session_id,
    TRY_CAST(CASE
      WHEN REGEXP_LIKE(rating_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(rating_text, '\.0*$', '') AS BIGINT)
    END AS INTEGER) AS rating,
    CASE
      WHEN REGEXP_LIKE(
        submitted_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(submitted_text AS TIMESTAMP)
    END AS submitted_ts,
    CASE
      WHEN REGEXP_LIKE(
        ingest_ts_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(ingest_ts_text AS TIMESTAMP)
    END AS ingest_ts_value
  FROM raw
), checked /* Rule "ingest time" (sql/macros/ingest_ts_repaired.sql); Rule "rating range": 1..5 or the */ /* row is rejected (ERR_OUT_OF_RANGE: a writer that emits 0 or 6 is broken, and no rating is */ /* invented); */ /* Rule "orphan feedback": a session id unknown to fct_sessions is kept and flagged */ /* (ERR_ORPHAN_SESSION), as sessions of unknown students are. */ AS (
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
    f.session_id IS NULL AS is_orphan,
    CASE
      WHEN NOT t.parse_error IS NULL
      THEN 'ERR_MALFORMED_ROW'
      WHEN t.id_text IS NULL
      THEN 'ERR_MISSING_KEY'
      WHEN t.session_id IS NULL
      THEN 'ERR_UNPARSEABLE'
      WHEN t.rating_text IS NULL
      THEN 'ERR_MISSING_KEY'
      WHEN t.rating IS NULL
      THEN 'ERR_UNPARSEABLE'
      WHEN NOT t.rating BETWEEN 1 AND 5
      THEN 'ERR_OUT_OF_RANGE'
      WHEN t.submitted_ts IS NULL
      THEN 'ERR_MALFORMED_STAMP'
    END AS reject_code
  FROM typed AS t /* session_id is the fact's key: at most one match, so no DISTINCT over the whole fact */ /* (580 ms against 98 for a day's feedback at scale 100) */
  LEFT JOIN tutor_silver.fct_sessions AS f
    ON f.session_id = t.session_id
), ranked /* Rule "resubmissions": of the valid rows of one session, keep the latest submission, then */ /* ingest time, then file order (DUPLICATE_EMISSION for the others). */ AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY session_id, reject_code IS NULL
      ORDER BY submitted_ts DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
    ) AS emission_rank
  FROM checked
), earlier /* a session rated in an earlier batch: this batch's rating replaces it (SUPERSEDED_LATER_BATCH) */ AS (
  SELECT
    session_id,
    source_batch_id AS earlier_batch_id
  FROM tutor_silver.fct_feedback
), final AS (
  SELECT
    'feedback' AS entity,
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
      THEN 'session_id or rating is empty'
      WHEN 'ERR_UNPARSEABLE'
      THEN 'session_id or rating is not a whole number'
      WHEN 'ERR_OUT_OF_RANGE'
      THEN CONCAT(
        CAST('rating ' AS VARCHAR),
        CAST(r.rating AS VARCHAR),
        CAST(' is not 1-5' AS VARCHAR)
      )
      WHEN 'ERR_MALFORMED_STAMP'
      THEN 'submitted is missing or not a valid time'
    END AS reject_detail,
    r.session_id,
    r.rating,
    r.comment,
    r.submitted_ts,
    r.row_ingest_ts,
    r.fix_ingest_ts,
    r.is_orphan,
    e.earlier_batch_id
  FROM ranked AS r
  LEFT JOIN earlier AS e
    ON e.session_id = r.session_id
)
SELECT
  *
FROM final;
