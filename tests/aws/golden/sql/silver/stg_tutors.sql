-- silver.stg_tutors (@kind view): the statements `materialize` runs, in order; parameters bound to the example batch: as_of_date = 2026-01-15, as_of_ts = 2026-01-15 00:00:00, batch_ingest_ts = 2026-01-15 00:00:00, feedback_files = raw/feedback/ingest_date=2026-01-15/feedback_delta.csv, full_build = True, generated_at = 2026-01-15 02:00:00, ingest_date = 2026-01-15, session_files = raw/sessions/ingest_date=2026-01-15/new_sessions.csv, slv_ingest_ts = 2026-01-15 01:00:00, source_batch_id = sim_2026-01-15, student_files = raw/students/ingest_date=2026-01-15/students_delta.csv, test_score_files = raw/test_scores/ingest_date=2026-01-15/test_scores_delta.csv, tutor_files = raw/tutors/ingest_date=2026-01-15/tutors_delta.csv

DROP TABLE IF EXISTS tutor_silver.stg_tutors;

CREATE TABLE tutor_silver.stg_tutors
WITH (
  format='PARQUET'
) AS
WITH raw AS (
  SELECT
    source_file,
    source_row,
    file_kind,
    parse_error,
    tutor_id AS raw_id,
    CONCAT_WS(
      ',',
      CAST(COALESCE(tutor_id, '') AS VARCHAR),
      CAST(COALESCE(first_name, '') AS VARCHAR),
      CAST(COALESCE(last_name, '') AS VARCHAR),
      CAST(COALESCE(sex, '') AS VARCHAR),
      CAST(COALESCE(date_of_birth, '') AS VARCHAR),
      CAST(COALESCE(contract_rate, '') AS VARCHAR),
      CAST(COALESCE(active_students, '') AS VARCHAR),
      CAST(COALESCE(created, '') AS VARCHAR),
      CAST(COALESCE(updated, '') AS VARCHAR),
      CAST(COALESCE(change_type, '') AS VARCHAR),
      CAST(COALESCE(source_batch_id, '') AS VARCHAR),
      CAST(COALESCE(ingest_ts, '') AS VARCHAR),
      CAST(status /* optional: left out when the file has none */ AS VARCHAR)
    ) AS raw_record, /* the raw row as in the file, for the audit */
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
  FROM tutor_raw.tutors
), typed /* Typing, as for sessions: whole numbers possibly written as floats, ISO dates and times. */ AS (
  SELECT
    *,
    CASE
      WHEN REGEXP_LIKE(id_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(id_text, '\.0*$', '') AS BIGINT)
    END AS tutor_id,
    CASE
      WHEN REGEXP_LIKE(date_of_birth_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
      THEN TRY_CAST(date_of_birth_text AS DATE)
      WHEN COALESCE(REGEXP_LIKE(date_of_birth_text, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'), FALSE)
      THEN TRY_CAST(CONCAT(
        CAST(REGEXP_EXTRACT(date_of_birth_text, '([0-9]{4})$', 1) AS VARCHAR),
        CAST('-' AS VARCHAR),
        CAST(LPAD(REGEXP_EXTRACT(date_of_birth_text, '^([0-9]{1,2})/', 1), 2, '0') AS VARCHAR),
        CAST('-' AS VARCHAR),
        CAST(LPAD(REGEXP_EXTRACT(date_of_birth_text, '/([0-9]{1,2})/', 1), 2, '0') AS VARCHAR)
      ) AS DATE)
    END AS date_of_birth, /* Rule "US dates" (sql/macros/is_us_date.sql): a date of birth written MM/DD/YYYY is */ /* read as such (ERR_MALFORMED_DATE, repaired); another spelling is ERR_UNPARSEABLE */
    COALESCE(REGEXP_LIKE(date_of_birth_text, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'), FALSE) AS is_us_date,
    CASE
      WHEN REGEXP_LIKE(contract_rate_text, '^[0-9]+(\.[0-9]*)?$')
      THEN TRY_CAST(contract_rate_text AS DOUBLE)
    END AS contract_rate_value,
    TRY_CAST(CASE
      WHEN REGEXP_LIKE(active_students_text, '^[0-9]+(\.0*)?$')
      THEN TRY_CAST(REGEXP_REPLACE(active_students_text, '\.0*$', '') AS BIGINT)
    END AS INTEGER) AS active_students,
    CASE LOWER(status_text)
      WHEN 'active'
      THEN 'Active'
      WHEN 'leaving'
      THEN 'Leaving'
      WHEN 'departed'
      THEN 'Departed'
    END AS status_value,
    CASE
      WHEN REGEXP_LIKE(
        created_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(created_text AS TIMESTAMP)
    END AS created_ts,
    CASE
      WHEN REGEXP_LIKE(
        updated_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(updated_text AS TIMESTAMP)
    END AS updated_ts,
    CASE
      WHEN REGEXP_LIKE(
        ingest_ts_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$'
      )
      THEN TRY_CAST(ingest_ts_text AS TIMESTAMP)
    END AS ingest_ts_value
  FROM raw
), previous /* The versions before this batch of the ids the batch names: the rules below look those up */ /* and no others. Read once (DuckDB materializes a CTE read twice), and only those ids' */ /* versions: each read of a lake table costs its catalog look-ups again, and the whole */ /* dimension grows with the business (over a million students at scale 1000). */ AS (
  SELECT
    *
  FROM tutor_silver.dim_tutors
  WHERE
    tutor_id IN (
      SELECT
        t.tutor_id
      FROM typed AS t
    )
), with_previous /* Rule "missing fields" (sql/macros/dimension_rows.sql): an empty attribute of a daily */ /* row takes the value of the tutor's version valid at the row's `updated`, if there is one. */ AS (
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
    CASE WHEN t.date_of_birth_text IS NULL THEN p.date_of_birth ELSE t.date_of_birth END AS date_of_birth,
    CASE
      WHEN t.contract_rate_text IS NULL
      THEN p.contract_rate
      ELSE t.contract_rate_value
    END AS contract_rate_value,
    CASE
      WHEN t.active_students_text IS NULL
      THEN p.active_students
      ELSE t.active_students
    END AS active_students,
    CASE
      WHEN t.status_text IS NULL
      THEN COALESCE(p.status, 'Active')
      ELSE t.status_value
    END AS status, /* Rule "tutor status": optional (the original's files have no status column); empty */ /* or absent, the tutor's status is unchanged: the version before's, Active for a new one */
    CASE WHEN t.created_text IS NULL THEN p.created_ts ELSE t.created_ts END AS created_ts,
    CASE
      WHEN t.file_kind = 'daily'
      THEN CONCAT_WS(
        ', ',
        CAST(CASE WHEN t.first_name IS NULL THEN 'first_name' END AS VARCHAR),
        CAST(CASE WHEN t.last_name IS NULL THEN 'last_name' END AS VARCHAR),
        CAST(CASE WHEN t.sex IS NULL THEN 'sex' END AS VARCHAR),
        CAST(CASE WHEN t.date_of_birth_text IS NULL THEN 'date_of_birth' END AS VARCHAR),
        CAST(CASE WHEN t.contract_rate_text IS NULL THEN 'contract_rate' END AS VARCHAR),
        CAST(CASE WHEN t.active_students_text IS NULL THEN 'active_students' END AS VARCHAR),
        CAST(CASE WHEN t.created_text IS NULL THEN 'created' END AS VARCHAR)
      )
      ELSE ''
    END AS empty_fields,
    NOT p.tutor_id IS NULL AS has_previous,
    CONCAT_WS(
      ', ',
      CAST(CASE
        WHEN NOT t.date_of_birth_text IS NULL AND t.date_of_birth IS NULL
        THEN 'date_of_birth'
      END AS VARCHAR),
      CAST(CASE
        WHEN NOT t.contract_rate_text IS NULL AND t.contract_rate_value IS NULL
        THEN 'contract_rate'
      END AS VARCHAR),
      CAST(CASE
        WHEN NOT t.active_students_text IS NULL AND t.active_students IS NULL
        THEN 'active_students'
      END AS VARCHAR),
      CAST(CASE WHEN NOT t.status_text IS NULL AND t.status_value IS NULL THEN 'status' END AS VARCHAR),
      CAST(CASE WHEN NOT t.created_text IS NULL AND t.created_ts IS NULL THEN 'created' END AS VARCHAR),
      CAST(CASE WHEN NOT t.updated_text IS NULL AND t.updated_ts IS NULL THEN 'updated' END AS VARCHAR)
    ) AS unparseable_fields /* attributes that are present but unusable are kept as NULL (ERR_UNPARSEABLE) */
  FROM typed AS t /* the version valid at the update, for daily rows only: a condition on the batch's side */ /* alone would turn this join into a nested loop over the whole dimension (11 s for the */ /* 36,558 grade changes of New Year's Day at scale 100), so the key it joins on is NULL */ /* for the other rows instead */
  LEFT JOIN previous AS p
    ON p.tutor_id = CASE WHEN t.file_kind = 'daily' THEN t.tutor_id END
    AND p.effective_start_ts <= t.updated_ts
    AND t.updated_ts < p.effective_end_ts
)
SELECT
  *
FROM (
  WITH first_versions AS (
    SELECT
      tutor_id,
      MIN(effective_start_ts) AS first_start_ts
    FROM previous
    GROUP BY
      tutor_id
  ), with_first AS (
    SELECT
      r.*,
      COALESCE(
        r.file_kind = 'daily'
        AND r.change_type_text = 'UPDATE'
        AND f.first_start_ts IS NULL
        AND MAX(CASE WHEN r.change_type_text = 'INSERT' THEN 1 ELSE 0 END) OVER (PARTITION BY r.tutor_id) = 0,
        FALSE
      ) AS fix_update_before_insert,
      COALESCE(
        r.file_kind = 'daily'
        AND r.change_type_text = 'INSERT'
        AND f.first_start_ts <= r.updated_ts,
        FALSE
      ) AS is_late_insert
    FROM with_previous AS r
    LEFT JOIN first_versions AS f
      ON f.tutor_id = r.tutor_id
  ), checked /* Rule "version validity": a row of the pre-migration history is the entity's first */ /* version, valid from `created` (so sessions before the migration find their rates); a daily */ /* delta row is valid from `updated`, the time the change happened. */ /* Rule "ingest time" (ingest_ts_repaired, row_ingest_ts), and */ /* Rule "change type": INSERT or UPDATE as written; the history is MIGRATION; a daily row */ /* with another value gets INSERT when created = updated, else UPDATE (ERR_INVALID_CHANGE_TYPE). */ AS (
    SELECT
      *,
      CASE
        WHEN contract_rate_value >= 1000
        THEN CAST(contract_rate_value AS DOUBLE) / 100
        ELSE contract_rate_value
      END AS contract_rate, /* Rule "rate in cents": an hourly rate of 1,000 or more was written in cents: / 100 */ /* (ERR_RATE_UNITS, repaired; the business's rates are whole dollars below 1,000) */
      CASE WHEN has_previous THEN empty_fields ELSE '' END AS missing_fields,
      CASE WHEN has_previous THEN '' ELSE empty_fields END AS unfilled_fields,
      COALESCE(contract_rate_value >= 1000, FALSE) AS fix_rate_units,
      is_us_date AND NOT date_of_birth IS NULL AS fix_date_format,
      CASE
        WHEN file_kind = 'history'
        THEN created_ts
        WHEN fix_update_before_insert AND created_ts < updated_ts
        THEN created_ts
        ELSE updated_ts
      END AS valid_from,
      (
        file_kind = 'daily'
        AND (
          ingest_ts_value IS NULL
          OR CAST(ingest_ts_value AS DATE) <> CAST('2026-01-15' AS DATE)
        )
      ) AS fix_ingest_ts,
      CASE
        WHEN file_kind = 'daily'
        AND CAST(ingest_ts_value AS DATE) = CAST('2026-01-15' AS DATE)
        THEN ingest_ts_value
        ELSE CAST('2026-01-15 00:00:00' AS TIMESTAMP)
      END AS row_ingest_ts,
      file_kind = 'daily'
      AND COALESCE(NOT change_type_text IN ('INSERT', 'UPDATE'), TRUE) AS fix_change_type,
      CASE
        WHEN file_kind = 'history'
        THEN 'MIGRATION'
        WHEN fix_update_before_insert
        THEN 'INSERT'
        WHEN change_type_text IN ('INSERT', 'UPDATE')
        THEN change_type_text
        WHEN created_ts = updated_ts
        THEN 'INSERT'
        ELSE 'UPDATE'
      END AS change_type,
      CASE
        WHEN NOT parse_error IS NULL
        THEN 'ERR_MALFORMED_ROW'
        WHEN id_text IS NULL
        THEN 'ERR_MISSING_KEY'
        WHEN tutor_id IS NULL
        THEN 'ERR_UNPARSEABLE'
        WHEN (
          CASE WHEN file_kind = 'history' THEN created_ts ELSE updated_ts END
        ) IS NULL
        THEN 'ERR_MALFORMED_STAMP'
      END AS reject_code
    FROM with_first
  ), ranked /* Rule "duplicates within a batch": of the valid rows of one id, keep the latest by */ /* validity time, then ingest time, then file order (DUPLICATE_EMISSION for the others). */ AS (
    SELECT
      *,
      ROW_NUMBER() OVER (
        PARTITION BY tutor_id, reject_code IS NULL
        ORDER BY valid_from DESC, row_ingest_ts DESC, source_file DESC, source_row DESC
      ) AS emission_rank
    FROM checked
  ), final AS (
    SELECT
      'tutors' AS entity,
      source_file,
      source_row,
      raw_id,
      raw_record,
      CASE
        WHEN NOT reject_code IS NULL
        THEN 'rejected'
        WHEN emission_rank > 1 OR is_late_insert
        THEN 'superseded'
        ELSE 'kept'
      END AS disposition,
      CASE
        WHEN NOT reject_code IS NULL
        THEN reject_code
        WHEN emission_rank > 1
        THEN 'DUPLICATE_EMISSION'
        WHEN is_late_insert
        THEN 'ERR_UPDATE_BEFORE_INSERT'
      END AS reason_code,
      CASE reject_code
        WHEN 'ERR_MALFORMED_ROW'
        THEN CONCAT(CAST('malformed line: ' AS VARCHAR), CAST(parse_error AS VARCHAR))
        WHEN 'ERR_MISSING_KEY'
        THEN CONCAT(CAST('tutor_id' AS VARCHAR), CAST(' is empty' AS VARCHAR))
        WHEN 'ERR_UNPARSEABLE'
        THEN CONCAT(
          CAST('tutor_id' AS VARCHAR),
          CAST(' ''' AS VARCHAR),
          CAST(id_text AS VARCHAR),
          CAST(''' is not a whole number' AS VARCHAR)
        )
        WHEN 'ERR_MALFORMED_STAMP'
        THEN CASE
          WHEN file_kind = 'history'
          THEN 'created is missing or not a valid time'
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
  SELECT
    *
  FROM final
);
