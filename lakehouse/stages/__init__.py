"""The pipeline stages: ingest (bronze -> silver), materialize (silver -> gold), export."""
