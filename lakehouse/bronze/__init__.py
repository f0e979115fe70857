"""Bronze: the raw files as landed, one folder per entity and ingest date, read as they are."""
