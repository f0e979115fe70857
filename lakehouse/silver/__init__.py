"""Silver: the ingest stage, which turns each landed batch into typed, deduplicated tables
under their contract, and the data-quality report over them."""
