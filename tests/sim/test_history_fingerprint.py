"""The history lands the same bytes however it is written: sha256 fingerprints of the raw files
and of the pristine sessions for fixed seeds and scales, recorded from the simulator that held
the whole history in memory before landing it, so streaming it to its files cannot have
changed a byte."""

from __future__ import annotations

import hashlib

import pytest

from sim.api import simulate_history

from .conftest import settings_for

HISTORY = "ingest_date=2025-12-31"
STATE = "sim/state/sessions/batch=history/sessions.parquet"  # the pristine sessions
FINGERPRINTS = {
    ("default", "csv", 1.0): {
        f"raw/sessions/{HISTORY}/sessions.csv": "d59a70b2239e6fc3723ea32ba3d684ed07e9ed638cd4571df4d1f6265da41548",
        f"raw/students/{HISTORY}/students.csv": "07bd12d9456548b2c1dc25b24bcf38526be6981380ddde9d08511d3b089c005a",
        f"raw/tutors/{HISTORY}/tutors.csv": "5c90b0873f89cd7189cc401fea85d7d33164ac52e1316bc71267f4d0b28d0d70",
        STATE: "69b74d5916768e87972139455b14e1c3442b8829bf4c5bd87fa3ffd66a152e79",
    },
    ("default", "parquet", 1.0): {
        f"raw/sessions/{HISTORY}/sessions.parquet": "c980bb5b48f0fcbb13f8cc0aa8d2ffed8d50097e28c5682907a1740665ab5532",
        f"raw/students/{HISTORY}/students.parquet": "2709c744a0cdd8991f6712fc1b850319c7fa629bc558321ed94cc40a9aa17a12",
        f"raw/tutors/{HISTORY}/tutors.parquet": "88b4b1616bbcdfa25ad22f7b769bbcf8ac54293d866c451c384a3cf351171b9a",
        STATE: "69b74d5916768e87972139455b14e1c3442b8829bf4c5bd87fa3ffd66a152e79",
    },
    ("original", "csv", 1.0): {
        f"raw/sessions/{HISTORY}/sessions.csv": "391f489cd53c327be0f16f457a97a188f4e304fe0f2a830b18412c0b8d94a4db",
        f"raw/students/{HISTORY}/students.csv": "393a5911fd1c4c090be4113c9dda5553ab8228f131db1cfbf71836aa9414de07",
        f"raw/tutors/{HISTORY}/tutors.csv": "980c8b36b46606bde5938939ba30908302bb4bb568d2ce58f04327104b776951",
        STATE: "00c4117f793eefce832700b8b2ae00455f58b738859c912087e798751f667b4c",
    },
}  # fmt: skip
LARGE = {  # 394,723 sessions: the Parquet file has several row groups
    ("default", "csv", 12.0): {
        f"raw/sessions/{HISTORY}/sessions.csv": "31f4690c4761bb62ae3afeba6275ea229718cf78be01e8c3083c1ebc81dd2b86",
    },
    ("default", "parquet", 12.0): {
        f"raw/sessions/{HISTORY}/sessions.parquet": "506dc492687bf1a186fe0f7a8ce91b43a6dd5f8ad0eeb2a6e2a238418483881b",
    },
}  # fmt: skip


def _fingerprints(tmp_path, scenario: str, fmt: str, scale: float, names) -> dict[str, str]:
    root = tmp_path / "lake"
    simulate_history(settings_for(root), seed=42, scale=scale, fmt=fmt, scenario=scenario)
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in names}


@pytest.mark.parametrize("case", list(FINGERPRINTS), ids=lambda c: f"{c[0]}-{c[1]}")
def test_history_files_match_their_fingerprints(tmp_path, case: tuple[str, str, float]):
    expected = FINGERPRINTS[case]
    assert _fingerprints(tmp_path, *case, expected) == expected


@pytest.mark.slow
@pytest.mark.parametrize("case", list(LARGE), ids=lambda c: f"{c[1]}-scale-{c[2]:g}")
def test_a_larger_history_matches_its_fingerprint(tmp_path, case: tuple[str, str, float]):
    expected = LARGE[case]
    assert _fingerprints(tmp_path, *case, expected) == expected
