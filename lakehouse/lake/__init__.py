"""The lake: storage (a folder or S3), the DuckLake table format and its catalog, the lake
lock, and the maintenance that keeps the files tidy: everything that touches the lake's bytes."""
