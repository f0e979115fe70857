"""The SQL models, one SELECT per file in a folder per layer (see docs/models.md).

This folder installs as the package `lakehouse_sql` so that an installed lakehouse reads the
same files as a checkout; `lakehouse.models` finds it through importlib.resources.
"""
