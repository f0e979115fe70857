-- silver: Iceberg tables

CREATE TABLE IF NOT EXISTS tutor_silver.fct_sessions (
  session_id BIGINT,
  student_id BIGINT,
  tutor_id BIGINT,
  subject_id INT,
  session_ts TIMESTAMP,
  duration_hours DOUBLE,
  status INT,
  is_billable BOOLEAN,
  student_sk BIGINT,
  tutor_sk BIGINT,
  is_orphan BOOLEAN,
  dq_flags STRING,
  source_batch_id STRING,
  ingest_date DATE,
  raw_ingest_ts TIMESTAMP,
  slv_ingest_ts TIMESTAMP,
  session_month STRING
)
PARTITIONED BY (
  session_month
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/fct_sessions/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.err_sessions (
  source_batch_id STRING,
  source_file STRING,
  source_row BIGINT,
  raw_session_id STRING,
  raw_student_id STRING,
  raw_tutor_id STRING,
  raw_subject_id STRING,
  raw_stamp STRING,
  raw_duration STRING,
  raw_status STRING,
  session_id BIGINT,
  reason_code STRING,
  action STRING,
  detail STRING,
  slv_ingest_ts TIMESTAMP,
  ingest_date DATE
)
PARTITIONED BY (
  ingest_date
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/err_sessions/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.dim_students (
  student_sk BIGINT,
  student_id BIGINT,
  first_name STRING,
  last_name STRING,
  sex STRING,
  date_of_birth DATE,
  grade INT,
  status STRING,
  contract_rate DOUBLE,
  created_ts TIMESTAMP,
  updated_ts TIMESTAMP,
  effective_start_ts TIMESTAMP,
  effective_end_ts TIMESTAMP,
  is_current BOOLEAN,
  change_type STRING,
  source_batch_id STRING,
  raw_ingest_ts TIMESTAMP,
  slv_ingest_ts TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/dim_students/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.dim_tutors (
  tutor_sk BIGINT,
  tutor_id BIGINT,
  first_name STRING,
  last_name STRING,
  sex STRING,
  date_of_birth DATE,
  contract_rate DOUBLE,
  active_students INT,
  status STRING,
  created_ts TIMESTAMP,
  updated_ts TIMESTAMP,
  effective_start_ts TIMESTAMP,
  effective_end_ts TIMESTAMP,
  is_current BOOLEAN,
  change_type STRING,
  source_batch_id STRING,
  raw_ingest_ts TIMESTAMP,
  slv_ingest_ts TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/dim_tutors/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.ingest_batches (
  ingest_date DATE,
  source_batch_id STRING,
  entity STRING,
  source_files STRING,
  raw_rows BIGINT,
  kept_rows BIGINT,
  repaired_rows BIGINT,
  superseded_rows BIGINT,
  rejected_rows BIGINT,
  slv_ingest_ts TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/ingest_batches/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.dim_subjects (
  subject_id INT,
  subject_name STRING,
  is_test_prep BOOLEAN
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/dim_subjects/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.dim_appt_status (
  status_id INT,
  status_name STRING,
  is_billable BOOLEAN
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/dim_appt_status/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.fct_feedback (
  session_id BIGINT,
  rating INT,
  comment STRING,
  submitted_ts TIMESTAMP,
  is_orphan BOOLEAN,
  source_batch_id STRING,
  ingest_date DATE,
  raw_ingest_ts TIMESTAMP,
  slv_ingest_ts TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/fct_feedback/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.err_feedback (
  source_batch_id STRING,
  source_file STRING,
  source_row BIGINT,
  raw_id STRING,
  raw_record STRING,
  session_id BIGINT,
  reason_code STRING,
  action STRING,
  detail STRING,
  slv_ingest_ts TIMESTAMP,
  ingest_date DATE
)
PARTITIONED BY (
  ingest_date
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/err_feedback/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.fct_test_scores (
  student_id BIGINT,
  test STRING,
  test_date DATE,
  score INT,
  is_orphan BOOLEAN,
  source_batch_id STRING,
  ingest_date DATE,
  raw_ingest_ts TIMESTAMP,
  slv_ingest_ts TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/fct_test_scores/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.err_test_scores (
  source_batch_id STRING,
  source_file STRING,
  source_row BIGINT,
  raw_id STRING,
  raw_record STRING,
  student_id BIGINT,
  reason_code STRING,
  action STRING,
  detail STRING,
  slv_ingest_ts TIMESTAMP,
  ingest_date DATE
)
PARTITIONED BY (
  ingest_date
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/err_test_scores/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_silver.err_dimensions (
  entity STRING,
  source_batch_id STRING,
  source_file STRING,
  source_row BIGINT,
  raw_id STRING,
  raw_record STRING,
  entity_id BIGINT,
  reason_code STRING,
  action STRING,
  detail STRING,
  slv_ingest_ts TIMESTAMP,
  ingest_date DATE
)
PARTITIONED BY (
  ingest_date
)
LOCATION 's3://tutor-test-lake/lake/iceberg/silver/err_dimensions/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);
