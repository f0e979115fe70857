"""The preset scenarios, one TOML file each (read with importlib.resources)."""
