"""The AWS target: Athena statements per model kind, Glue/Athena DDL, the SAM template."""
