"""Small gold tables loaded as DuckLake tables into a temporary lake (local or S3)."""

from __future__ import annotations

import pytest

from lakehouse.config import Settings
from lakehouse.lake.catalog import write_tables

# Two generic gold tables: one plain, one hive-partitioned with awkward values (a comma, a
# quote, a NULL, a timestamp) so the CSV quoting and the partition column are exercised.
GOLD_TABLES = {
    "monthly_things": (
        """SELECT * FROM (VALUES
            ('2026-01', 3, 'Math', 120.5),
            ('2026-01', 1, 'SAT/ACT', 80.0),
            ('2026-02', 2, 'Science, "lab"', NULL)
        ) AS t(month, tutor_id, subject, revenue)""",
        "month",
    ),
    "people": (
        """SELECT * FROM (VALUES
            (2, 'Bo', TIMESTAMP '2026-01-02 13:00:00', true),
            (1, 'Al', TIMESTAMP '2026-01-01 09:30:00', false)
        ) AS t(student_id, first_name, last_seen_ts, is_active)""",
        None,
    ),
}


def write_gold(settings: Settings, tables: dict[str, tuple[str, str | None]] = GOLD_TABLES) -> None:
    write_tables(
        settings,
        {f"gold.{name}": query for name, (query, _) in tables.items()},
        partitioned_by={f"gold.{n}": p for n, (_, p) in tables.items() if p},
    )


@pytest.fixture
def gold_lake(lake_settings: Settings) -> Settings:
    """An initialised lake (local and S3) holding the two gold tables above."""
    write_gold(lake_settings)
    return lake_settings


SERVICE_ACCOUNT = "exporter@tutor-test.iam.gserviceaccount.com"
TOKEN_URI = "https://oauth2.googleapis.com/token"


@pytest.fixture(scope="session")
def service_account_info() -> dict:
    """A syntactically valid service-account key with a throwaway RSA key (signs real JWTs)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "tutor-test",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": SERVICE_ACCOUNT,
        "client_id": "1234567890",
        "token_uri": TOKEN_URI,
    }


@pytest.fixture
def key_file(tmp_path, service_account_info) -> str:
    import json

    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(service_account_info), encoding="utf-8")
    return str(path)


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any socket connection that is not to 127.0.0.1 (the Drive tests need none)."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to open a network connection to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded)
