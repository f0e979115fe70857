-- read_csv: one raw CSV file as it is, every column VARCHAR, rows in file order.
-- DuckDB adapter only (Athena reads bronze through external tables): run by lakehouse.bronze
-- with DuckDB prepared parameters, $path (a local file) and $columns (the header the adapter
-- validated, every column typed VARCHAR). Nothing is sniffed, so a file is read the same way
-- every time; a line with too few or too many fields is not dropped but recorded in the
-- bronze_rejects table, from which the adapter keeps it as a malformed raw row.
-- @kind view
-- @engine duckdb
SELECT *
FROM read_csv(
    $path,
    header = true,
    auto_detect = false,
    columns = $columns,
    delim = ',',
    quote = '"',
    escape = '"',
    store_rejects = true,
    rejects_table = 'bronze_rejects',
    rejects_scan = 'bronze_reject_scans'
)
