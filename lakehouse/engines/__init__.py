"""Query engines: DuckDB in process (local folder or S3) and Athena (AWS)."""
