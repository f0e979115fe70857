-- gold published as Parquet under gold/<table>/: one UNLOAD per table into the run's staging prefix (run 2026-01-15-example), then copied by `lakehouse.aws.publish`

UNLOAD (SELECT * FROM tutor_gold.active_students) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/active_students/' WITH (format = 'PARQUET', compression = 'SNAPPY');

UNLOAD (SELECT * FROM tutor_gold.contractor_utilization) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/contractor_utilization/' WITH (format = 'PARQUET', compression = 'SNAPPY');

UNLOAD (SELECT * FROM tutor_gold.data_quality_daily) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/data_quality_daily/' WITH (format = 'PARQUET', compression = 'SNAPPY');

UNLOAD (SELECT * FROM tutor_gold.monthly_revenue) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/monthly_revenue/' WITH (format = 'PARQUET', compression = 'SNAPPY');

UNLOAD (SELECT * FROM tutor_gold.student_score_improvement) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/student_score_improvement/' WITH (format = 'PARQUET', compression = 'SNAPPY');

UNLOAD (SELECT * FROM tutor_gold.subject_demand) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/subject_demand/' WITH (format = 'PARQUET', compression = 'SNAPPY');

UNLOAD (SELECT * FROM tutor_gold.tutor_ratings) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/tutor_ratings/' WITH (format = 'PARQUET', compression = 'SNAPPY');

UNLOAD (SELECT * FROM tutor_gold.tutor_score_improvement) TO 's3://tutor-test-lake/lake/_staging/unload/2026-01-15-example/tutor_score_improvement/' WITH (format = 'PARQUET', compression = 'SNAPPY');
