"""Settings: `lakehouse.toml`, then `LAKEHOUSE_*` environment variables, then CLI overrides.

The file has top-level defaults and optional `[profile.NAME]` tables that override them; the
profile is chosen with `--profile` or `LAKEHOUSE_PROFILE`. Every setting has a dotted name
(`s3.endpoint`) and an environment variable (`LAKEHOUSE_S3_ENDPOINT`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from lakehouse.errors import ConfigError

CONFIG_FILE = "lakehouse.toml"
ENV_PREFIX = "LAKEHOUSE_"
OTHER_VARIABLES = (
    "LAKEHOUSE_CONFIG",
    "LAKEHOUSE_PROFILE",
    "LAKEHOUSE_EVENT_BUS",
    "LAKEHOUSE_SQL_DIR",
    "LAKEHOUSE_UPDATE_GOLDEN",
)
"""`LAKEHOUSE_*` variables that are not settings: the settings file and profile, the
EventBridge bus of the Lambda handlers, the SQL folder, the tests' golden-file switch."""
TABLE_FORMATS = {"duckdb": "ducklake", "athena": "iceberg"}
"""Engine (the `engine` setting) -> the table format it keeps silver and gold in: DuckLake, read
through `lakehouse.lake.catalog`, or Iceberg in Glue. Each engine class states the same as its
`TABLE_FORMAT` (tests/engines checks they agree); the lake reads it here, below the engines."""
ENGINES = tuple(TABLE_FORMATS)
EXPORT_TARGETS = ("local", "drive")


@dataclass(frozen=True)
class S3Settings:
    endpoint: str = ""
    """host[:port] or URL of an S3-compatible server; empty means AWS S3 itself."""
    region: str = "us-east-1"
    """Region the bucket lives in (MinIO and moto accept any)."""
    access_key_id: str = ""
    """Access key; empty falls back to the standard AWS credential chain."""
    secret_access_key: str = ""
    """Secret key (masked by `config show`)."""
    session_token: str = ""
    """Optional session token for temporary AWS credentials (masked)."""
    path_style: bool = True
    """Path-style URLs (`host/bucket/key`), as MinIO and moto expect; AWS uses virtual hosts."""
    use_ssl: bool = False
    """HTTPS to the endpoint; forced on for AWS (empty endpoint)."""


@dataclass(frozen=True)
class DuckDBSettings:
    threads: int = 2
    """Worker threads for DuckDB (the reference machine has 2 cores)."""
    memory_limit: str = "4GB"
    """DuckDB memory limit; larger queries spill to temp_directory."""
    temp_directory: str = ""
    """Spill folder for larger-than-memory queries; empty uses <system temp>/lakehouse-duckdb."""


@dataclass(frozen=True)
class AthenaSettings:
    workgroup: str = "tutor-lakehouse"
    """Athena workgroup the queries run in."""
    region: str = "us-east-1"
    """AWS region of Athena and Glue."""
    output_location: str = ""
    """s3:// URI for query results; empty uses the workgroup's setting."""
    raw_database: str = "tutor_raw"
    """Glue database of the bronze external tables."""
    silver_database: str = "tutor_silver"
    """Glue database of the silver Iceberg tables."""
    gold_database: str = "tutor_gold"
    """Glue database of the gold Iceberg tables."""


@dataclass(frozen=True)
class ExportSettings:
    targets: tuple[str, ...] = ("local",)
    """Where `export` writes gold: `local` (exports/ in the lake) and/or `drive`."""
    drive_folder_id: str = ""
    """Google Drive folder id that receives the Sheets (shared with the service account)."""
    service_account_key: str = ""
    """Path of the Google service-account JSON key file."""


@dataclass(frozen=True)
class MaintainSettings:
    expire_older_than: str = "30 days"
    """`lakehouse maintain` expires snapshots older than this (a DuckDB interval); time travel
    (`query --at-batch`, `rollback`) reaches back this far."""
    keep_batches: int = 30
    """Each ingest also expires, about once every quarter of this many batches, the snapshots
    from before the last `keep_batches` batches (0: never), so the catalog every statement
    reads stays the same size however many days a run backfills (a year of days can land in
    an hour, which a time-based expiry keeps whole)."""


@dataclass(frozen=True)
class GoldSettings:
    incremental_from_sessions: int = 500_000
    """A daily `materialize` updates gold incrementally once gold.int_priced_sessions holds
    this many sessions, and stores the gold tables that declare `@partitioned_by` partitioned
    from then on; a smaller gold is rebuilt whole, one file per table, which costs less there
    (0: always incremental; docs/gold.md, docs/benchmarks.md)."""


@dataclass(frozen=True)
class Settings:
    lake: str = "./lake"
    """Lake root: a folder path, or s3://bucket/prefix."""
    engine: str = "duckdb"
    """Query engine: duckdb (in process) or athena (AWS)."""
    catalog: str = ""
    """DuckLake catalog of the silver and gold tables: a SQLite file path, or a
    postgresql://user:password@host:port/db URL. Empty: <lake>/_catalog/lake.sqlite for a
    folder lake (an S3 lake must set it)."""
    s3: S3Settings = field(default_factory=S3Settings)
    duckdb: DuckDBSettings = field(default_factory=DuckDBSettings)
    athena: AthenaSettings = field(default_factory=AthenaSettings)
    export: ExportSettings = field(default_factory=ExportSettings)
    maintain: MaintainSettings = field(default_factory=MaintainSettings)
    gold: GoldSettings = field(default_factory=GoldSettings)
    source: str = "defaults"
    """Where the settings came from (file and profile), for messages."""
    origins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Where each setting that is not at its default came from: the file and profile, an
    environment variable, or the command line."""

    @property
    def storage(self) -> str:
        """`s3` when the lake is an s3:// URI, else `local`."""
        return "s3" if self.lake.startswith("s3://") else "local"

    @property
    def table_format(self) -> str:
        """`ducklake` or `iceberg`: what the selected engine keeps the lake's tables in."""
        return TABLE_FORMATS[self.engine]

    def bucket_and_prefix(self) -> tuple[str, str]:
        """Split an s3:// lake into (bucket, prefix without slashes)."""
        if self.storage != "s3":
            raise ConfigError(f"setting 'lake' = {self.lake!r} is not an s3:// URI")
        rest = self.lake.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        return bucket, prefix.strip("/")


_SECTIONS: dict[str, type] = {
    "s3": S3Settings,
    "duckdb": DuckDBSettings,
    "athena": AthenaSettings,
    "export": ExportSettings,
    "maintain": MaintainSettings,
    "gold": GoldSettings,
}
_TOP_LEVEL = ("lake", "engine", "catalog")
SECRET_SETTINGS = ("s3.secret_access_key", "s3.session_token")


def setting_names() -> list[str]:
    """Every dotted setting name, in declaration order."""
    names = list(_TOP_LEVEL)
    for section, cls in _SECTIONS.items():
        names += [f"{section}.{f.name}" for f in fields(cls)]
    return names


def env_var(name: str) -> str:
    return ENV_PREFIX + name.replace(".", "_").upper()


def _coerce(name: str, value: Any, default: Any, origin: str) -> Any:
    """Convert a TOML or environment value to the type of the setting's default."""
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if isinstance(default, int):
            if isinstance(value, bool):
                raise ValueError("expected an integer")
            return int(value)
        if isinstance(default, tuple):
            items = value if isinstance(value, list) else str(value).split(",")
            return tuple(str(v).strip() for v in items if str(v).strip())
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    except ValueError as exc:
        got = f"a {type(value).__name__}, value hidden" if name in SECRET_SETTINGS else repr(value)
        raise ConfigError(f"setting '{name}' in {origin}: {exc} (got {got})") from None


def _flatten(table: dict[str, Any], origin: str) -> dict[str, Any]:
    """Turn a parsed TOML table into {dotted name: value}, rejecting unknown settings."""
    known = set(setting_names())
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SECTIONS and isinstance(value, dict):
            for sub, subvalue in value.items():
                flat[f"{key}.{sub}"] = subvalue
        else:
            flat[key] = value
    for name in flat:
        if name not in known:
            raise ConfigError(
                f"unknown setting '{name}' in {origin}; known settings: {', '.join(sorted(known))}"
            )
    return flat


def _read_file(path: Path, profile: str | None) -> tuple[dict[str, Any], dict[str, str], str]:
    """The file's values, where each came from (top level or the profile), and the source."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    profiles = data.pop("profile", {})
    values = _flatten(data, str(path))
    origins = dict.fromkeys(values, str(path))
    origin = str(path)
    if profile:
        if profile not in profiles:
            available = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"profile '{profile}' not found in {path} (profiles: {available})")
        origin = f"{path} [profile.{profile}]"
        chosen = _flatten(profiles[profile], origin)
        values.update(chosen)
        origins.update(dict.fromkeys(chosen, origin))
    return values, origins, origin


def load_settings(
    config_path: str | Path | None = None,
    *,
    profile: str | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Resolve the effective settings.

    Precedence, lowest first: defaults, the config file (and its profile), `LAKEHOUSE_*`
    environment variables, explicit overrides (CLI options).
    """
    env = os.environ if environ is None else environ
    path = Path(config_path or env.get(ENV_PREFIX + "CONFIG") or CONFIG_FILE)
    profile = profile or env.get(ENV_PREFIX + "PROFILE") or None
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    source = "defaults"
    if path.exists():
        values, origins, source = _read_file(path, profile)
    elif config_path is not None or (env.get(ENV_PREFIX + "CONFIG")):
        raise ConfigError(f"config file {path} does not exist")
    elif profile:
        raise ConfigError(f"profile '{profile}' requested but no {CONFIG_FILE} was found")
    _check_variables(env)
    for name in setting_names():
        var = env_var(name)
        if var in env:
            values[name] = env[var]
            origins[name] = f"environment variable {var}"
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
            origins[name] = "command line"
    return _build(values, origins, source)


def _check_variables(env: Mapping[str, str]) -> None:
    """Fail on a `LAKEHOUSE_*` variable that is neither a setting nor one of OTHER_VARIABLES
    (a typo would otherwise be ignored silently), naming the closest known variable."""
    import difflib

    known = [env_var(n) for n in setting_names()] + list(OTHER_VARIABLES)
    unknown = sorted(v for v in env if v.startswith(ENV_PREFIX) and v not in known)
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(sorted(known))}"
        raise ConfigError(
            f"unknown environment variable {unknown[0]}: {hint} (unset it if it is not meant "
            "for Tutor Lakehouse)"
        )


def _build(values: dict[str, Any], origins: dict[str, str], source: str) -> Settings:
    defaults = Settings()
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {s: {} for s in _SECTIONS}
    for name, value in values.items():
        section, _, key = name.rpartition(".")
        origin = origins.get(name, source)
        if section:
            default = getattr(getattr(defaults, section), key)
            sections[section][key] = _coerce(name, value, default, origin)
        else:
            top[key] = _coerce(name, value, getattr(defaults, key), origin)
    settings = replace(
        defaults,
        **top,
        **{s: replace(getattr(defaults, s), **kv) for s, kv in sections.items()},
        source=source,
        origins=dict(origins),
    )
    _validate(settings, origins)
    return settings


def _validate(settings: Settings, origins: dict[str, str]) -> None:
    def where(name: str) -> str:
        return origins.get(name, "defaults")

    if not settings.lake.strip():
        raise ConfigError(f"setting 'lake' is empty ({where('lake')})")
    if settings.lake.startswith("s3://"):
        bucket, _ = settings.bucket_and_prefix()
        if not bucket:
            raise ConfigError(
                f"setting 'lake' = {settings.lake!r} names no bucket ({where('lake')})"
            )
    elif "://" in settings.lake:
        raise ConfigError(
            f"setting 'lake' = {settings.lake!r} ({where('lake')}): use a folder path or s3://bucket/prefix"
        )
    if settings.engine not in ENGINES:
        raise ConfigError(
            f"setting 'engine' = {settings.engine!r} ({where('engine')}): "
            f"choose one of {', '.join(ENGINES)}"
        )
    if settings.engine == "athena" and settings.storage != "s3":
        raise ConfigError("engine 'athena' needs an s3:// lake (setting 'lake')")
    for target in settings.export.targets:
        if target not in EXPORT_TARGETS:
            raise ConfigError(
                f"setting 'export.targets' has {target!r} ({where('export.targets')}): "
                f"choose from {', '.join(EXPORT_TARGETS)}"
            )
    if settings.duckdb.threads < 1:
        raise ConfigError(
            f"setting 'duckdb.threads' must be at least 1 ({where('duckdb.threads')})"
        )
    if settings.maintain.keep_batches < 0:
        raise ConfigError(
            f"setting 'maintain.keep_batches' must be 0 (never) or more "
            f"({where('maintain.keep_batches')})"
        )


def mask_url_password(url: str) -> str:
    """`postgresql://user:secret@host/db` -> `postgresql://user:********@host/db`."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not (sep and at and ":" in credentials):
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:{'*' * 8}@{host}"


def origin_of(settings: Settings, name: str) -> str:
    """Where setting `name` came from (`default` when nothing set it)."""
    if name == "storage":
        return "follows lake"
    return settings.origins.get(name, "default")


def effective_items(settings: Settings) -> list[tuple[str, str]]:
    """(dotted name, printable value) for every setting, with secrets masked."""
    rows: list[tuple[str, str]] = [("storage", settings.storage)]
    for name in setting_names():
        section, _, key = name.rpartition(".")
        value = getattr(getattr(settings, section), key) if section else getattr(settings, key)
        if isinstance(value, tuple):
            text = ", ".join(value)
        elif isinstance(value, bool):
            text = str(value).lower()
        else:
            text = str(value)
        if name in SECRET_SETTINGS and text:
            text = "******** (set)"
        elif name == "catalog":
            text = mask_url_password(text)
        rows.append((name, text))
    return rows
