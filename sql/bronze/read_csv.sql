-- read_csv: one raw CSV file as it is, every column VARCHAR, rows in file order.
-- DuckDB adapter only (Athena reads bronze through external tables): run by lakehouse.bronze.files
-- with two DuckDB session variables, bronze_path (a local file) and bronze_columns (the
-- header the adapter validated, every column VARCHAR). Nothing is sniffed, so a file is read
-- the same way every time; a line with too few or too many fields is not dropped but
-- recorded in the bronze_rejects table, from which the adapter keeps it as a malformed row.
-- @kind view
-- @engine duckdb
SELECT *
FROM read_csv(
    getvariable('bronze_path'),
    header = true,
    auto_detect = false,
    columns = getvariable('bronze_columns'),
    delim = ',',
    quote = '"',
    escape = '"',
    store_rejects = true,
    rejects_table = 'bronze_rejects',
    rejects_scan = 'bronze_reject_scans'
)
