"""The `lakehouse` command line: thin commands over `lakehouse` and `sim`."""
