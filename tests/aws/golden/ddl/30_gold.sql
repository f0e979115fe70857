-- gold: Iceberg tables

CREATE TABLE IF NOT EXISTS tutor_gold.int_priced_sessions (
  session_id BIGINT,
  student_id BIGINT,
  tutor_id BIGINT,
  subject_id INT,
  session_ts TIMESTAMP,
  month_start DATE,
  duration_hours DOUBLE,
  status INT,
  is_billable BOOLEAN,
  is_cancelled BOOLEAN,
  billable_hours DOUBLE,
  student_rate DOUBLE,
  tutor_rate DOUBLE,
  is_orphan BOOLEAN,
  is_unpriced BOOLEAN,
  is_before_student_start BOOLEAN,
  previous_session_ts TIMESTAMP,
  revenue DECIMAL(18, 2),
  contractor_pay DECIMAL(18, 2),
  ingest_date DATE
)
PARTITIONED BY (
  month_start
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/int_priced_sessions/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.active_students (
  student_id BIGINT,
  first_name STRING,
  last_name STRING,
  sex STRING,
  date_of_birth DATE,
  grade INT,
  contract_rate DOUBLE,
  created_ts TIMESTAMP,
  updated_ts TIMESTAMP,
  current_subject_id INT,
  current_subject_name STRING,
  current_tutor_id BIGINT,
  current_tutor_name STRING,
  first_billable_session_ts TIMESTAMP,
  last_billable_session_ts TIMESTAMP,
  lifetime_scheduled_sessions BIGINT,
  lifetime_completed_sessions BIGINT,
  lifetime_no_show_sessions BIGINT,
  lifetime_billable_sessions BIGINT,
  lifetime_cancelled_sessions BIGINT,
  lifetime_billable_hours DOUBLE,
  lifetime_revenue DECIMAL(18, 2),
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/active_students/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.contractor_utilization (
  tutor_id BIGINT,
  tutor_name STRING,
  tutor_status STRING,
  departed_ts TIMESTAMP,
  month_start DATE,
  month_end_ts TIMESTAMP,
  active_students BIGINT,
  student_cap INT,
  utilization_pct DOUBLE,
  scheduled_sessions BIGINT,
  billable_sessions BIGINT,
  scheduled_hours DOUBLE,
  billable_hours DOUBLE,
  revenue DECIMAL(18, 2),
  contractor_pay DECIMAL(18, 2),
  margin DECIMAL(18, 2),
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/contractor_utilization/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.data_quality_daily (
  ingest_date DATE,
  source_batch_id STRING,
  source_files STRING,
  raw_rows BIGINT,
  kept_rows BIGINT,
  repaired_rows BIGINT,
  superseded_rows BIGINT,
  rejected_rows BIGINT,
  is_reconciled BOOLEAN,
  kept_rows_now BIGINT,
  repair_actions BIGINT,
  flag_actions BIGINT,
  err_invalid_descriptor BIGINT,
  err_units_range BIGINT,
  err_invalid_stamp BIGINT,
  err_missing_tutor BIGINT,
  err_missing_status BIGINT,
  err_missing_subject BIGINT,
  err_out_of_range BIGINT,
  err_unparseable BIGINT,
  err_orphan_student BIGINT,
  err_orphan_tutor BIGINT,
  duplicate_emission BIGINT,
  superseded_later_batch BIGINT,
  other_reasons BIGINT,
  orphan_sessions BIGINT,
  unpriced_sessions BIGINT,
  student_delta_rows BIGINT,
  tutor_delta_rows BIGINT,
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/data_quality_daily/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.monthly_revenue (
  month_start DATE,
  tutor_id BIGINT,
  tutor_name STRING,
  subject_id INT,
  subject_name STRING,
  status INT,
  status_name STRING,
  is_billable BOOLEAN,
  scheduled_sessions BIGINT,
  scheduled_hours DOUBLE,
  billable_hours DOUBLE,
  revenue DECIMAL(18, 2),
  contractor_pay DECIMAL(18, 2),
  margin DECIMAL(18, 2),
  unpriced_sessions BIGINT,
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
PARTITIONED BY (
  month_start
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/monthly_revenue/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.student_score_improvement (
  student_id BIGINT,
  test STRING,
  tutor_id BIGINT,
  tutor_name STRING,
  baseline_date DATE,
  baseline_score INT,
  latest_date DATE,
  latest_score INT,
  score_change INT,
  tests_taken BIGINT,
  sessions_between BIGINT,
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/student_score_improvement/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.subject_demand (
  month_start DATE,
  subject_id INT,
  subject_name STRING,
  is_test_prep BOOLEAN,
  scheduled_sessions BIGINT,
  billable_sessions BIGINT,
  scheduled_hours DOUBLE,
  distinct_students BIGINT,
  new_enrollments BIGINT,
  new_students BIGINT,
  returning_students BIGINT,
  scheduled_sessions_share_pct DOUBLE,
  scheduled_sessions_previous_month BIGINT,
  scheduled_sessions_change BIGINT,
  scheduled_sessions_change_pct DOUBLE,
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/subject_demand/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.tutor_ratings (
  tutor_id BIGINT,
  tutor_name STRING,
  month_start DATE,
  ratings BIGINT,
  average_rating DOUBLE,
  good_ratings BIGINT,
  poor_ratings BIGINT,
  completed_sessions BIGINT,
  rated_sessions_pct DOUBLE,
  previous_month_average_rating DOUBLE,
  running_ratings DECIMAL(38, 0),
  running_average_rating DOUBLE,
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/tutor_ratings/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);

CREATE TABLE IF NOT EXISTS tutor_gold.tutor_score_improvement (
  tutor_id BIGINT,
  tutor_name STRING,
  test STRING,
  students BIGINT,
  average_baseline_score DOUBLE,
  average_latest_score DOUBLE,
  average_score_change DOUBLE,
  average_sessions_between DOUBLE,
  score_change_per_session DOUBLE,
  as_of_ts TIMESTAMP,
  generated_at TIMESTAMP
)
LOCATION 's3://tutor-test-lake/lake/iceberg/gold/tutor_score_improvement/'
TBLPROPERTIES (
  'table_type'='ICEBERG',
  'format'='parquet',
  'write_compression'='zstd'
);
