-- bronze: raw CSV as landed, partitions projected on ingest_date

CREATE EXTERNAL TABLE IF NOT EXISTS tutor_raw.sessions_csv (
  session_id STRING,
  student_id STRING,
  tutor_id STRING,
  subject_id STRING,
  stamp STRING,
  duration STRING,
  status STRING,
  source_batch_id STRING,
  ingest_ts STRING
)
PARTITIONED BY (
  ingest_date DATE
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='"')
STORED AS TEXTFILE
LOCATION 's3://tutor-test-lake/lake/raw/sessions/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.ingest_date.type'='date',
  'projection.ingest_date.format'='yyyy-MM-dd',
  'projection.ingest_date.range'='2021-01-01,NOW',
  'projection.ingest_date.interval'='1',
  'projection.ingest_date.interval.unit'='DAYS',
  'storage.location.template'='s3://tutor-test-lake/lake/raw/sessions/ingest_date=${ingest_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tutor_raw.students_csv (
  student_id STRING,
  first_name STRING,
  last_name STRING,
  sex STRING,
  date_of_birth STRING,
  grade STRING,
  status STRING,
  contract_rate STRING,
  created STRING,
  updated STRING,
  change_type STRING,
  source_batch_id STRING,
  ingest_ts STRING
)
PARTITIONED BY (
  ingest_date DATE
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='"')
STORED AS TEXTFILE
LOCATION 's3://tutor-test-lake/lake/raw/students/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.ingest_date.type'='date',
  'projection.ingest_date.format'='yyyy-MM-dd',
  'projection.ingest_date.range'='2021-01-01,NOW',
  'projection.ingest_date.interval'='1',
  'projection.ingest_date.interval.unit'='DAYS',
  'storage.location.template'='s3://tutor-test-lake/lake/raw/students/ingest_date=${ingest_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tutor_raw.tutors_csv (
  tutor_id STRING,
  first_name STRING,
  last_name STRING,
  sex STRING,
  date_of_birth STRING,
  contract_rate STRING,
  active_students STRING,
  created STRING,
  updated STRING,
  change_type STRING,
  source_batch_id STRING,
  ingest_ts STRING,
  status STRING
)
PARTITIONED BY (
  ingest_date DATE
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='"')
STORED AS TEXTFILE
LOCATION 's3://tutor-test-lake/lake/raw/tutors/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.ingest_date.type'='date',
  'projection.ingest_date.format'='yyyy-MM-dd',
  'projection.ingest_date.range'='2021-01-01,NOW',
  'projection.ingest_date.interval'='1',
  'projection.ingest_date.interval.unit'='DAYS',
  'storage.location.template'='s3://tutor-test-lake/lake/raw/tutors/ingest_date=${ingest_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tutor_raw.feedback_csv (
  session_id STRING,
  rating STRING,
  comment STRING,
  submitted STRING,
  source_batch_id STRING,
  ingest_ts STRING
)
PARTITIONED BY (
  ingest_date DATE
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='"')
STORED AS TEXTFILE
LOCATION 's3://tutor-test-lake/lake/raw/feedback/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.ingest_date.type'='date',
  'projection.ingest_date.format'='yyyy-MM-dd',
  'projection.ingest_date.range'='2021-01-01,NOW',
  'projection.ingest_date.interval'='1',
  'projection.ingest_date.interval.unit'='DAYS',
  'storage.location.template'='s3://tutor-test-lake/lake/raw/feedback/ingest_date=${ingest_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tutor_raw.test_scores_csv (
  student_id STRING,
  test STRING,
  test_date STRING,
  score STRING,
  source_batch_id STRING,
  ingest_ts STRING
)
PARTITIONED BY (
  ingest_date DATE
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='"')
STORED AS TEXTFILE
LOCATION 's3://tutor-test-lake/lake/raw/test_scores/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.ingest_date.type'='date',
  'projection.ingest_date.format'='yyyy-MM-dd',
  'projection.ingest_date.range'='2021-01-01,NOW',
  'projection.ingest_date.interval'='1',
  'projection.ingest_date.interval.unit'='DAYS',
  'storage.location.template'='s3://tutor-test-lake/lake/raw/test_scores/ingest_date=${ingest_date}/'
);
