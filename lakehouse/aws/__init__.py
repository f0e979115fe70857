"""The AWS target: the stages on Athena, Glue/Athena DDL, gold published as Parquet, the SAM
template."""
