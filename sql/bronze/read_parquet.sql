-- read_parquet: one raw Parquet file (the same columns as the CSV contract, typed or not),
-- rows in file order. DuckDB adapter only; run by lakehouse.bronze.files with the session variable
-- bronze_path (a local file). The adapter casts every column to VARCHAR, so a Parquet batch
-- goes through exactly the same silver rules as a CSV one.
-- @kind view
-- @engine duckdb
SELECT * FROM read_parquet(getvariable('bronze_path'))
