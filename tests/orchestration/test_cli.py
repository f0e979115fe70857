"""`lakehouse run` and `lakehouse status` through the Typer app: the messages a user sees for a
complete range, a held lock, a bad date, and the ledger table."""

from datetime import date

import pytest
from typer.testing import CliRunner

from cli.main import app
from lakehouse.lake.lock import LakeLock
from lakehouse.lake.storage import init_lake
from lakehouse.orchestration.ledger import Ledger

runner = CliRunner()


def invoke(args: list[str]):
    env = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": "", "COLUMNS": "200"}
    return runner.invoke(app, args, env=env)


def _complete(ledger: Ledger, day: date, *, fail: str | None = None) -> None:
    for stage in ("simulate", "ingest", "materialize", "export"):
        entry = ledger.start(day, stage, "run-old")
        if stage == fail:
            ledger.fail(entry, ValueError("tutor_id column missing"))
            return
        ledger.succeed(entry, {"business_date": day.isoformat(), "sessions": 17})


def test_run_over_a_complete_range_says_so(local_settings):
    storage, _ = init_lake(local_settings)
    ledger = Ledger(storage)
    _complete(ledger, date(2025, 12, 31))
    _complete(ledger, date(2026, 1, 1))
    result = invoke(
        ["--lake", local_settings.lake, "run", "--from", "2025-12-31", "--to", "2026-01-01"]
    )
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output and "--force" in result.output
    assert not storage.exists("_ops/lock.json")


def test_run_refuses_while_another_run_holds_the_lake(local_settings):
    storage, _ = init_lake(local_settings)
    LakeLock(storage, "run-other").acquire()
    result = invoke(["--lake", local_settings.lake, "run", "--from", "2025-12-31"])
    assert result.exit_code == 3
    assert "locked by run-other" in result.output and "running on this host" in result.output


def test_run_rejects_a_bad_date(local_settings):
    init_lake(local_settings)
    result = invoke(["--lake", local_settings.lake, "run", "--from", "2026-13-01"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_status_shows_the_ledger_and_the_failure(local_settings):
    storage, _ = init_lake(local_settings)
    ledger = Ledger(storage)
    _complete(ledger, date(2025, 12, 31))
    _complete(ledger, date(2026, 1, 1), fail="ingest")
    result = invoke(["--lake", local_settings.lake, "status", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert "last 2 of 2 business days" in result.output
    assert "2025-12-31" in result.output and "ok " in result.output
    assert "FAILED" in result.output and "tutor_id column missing" in result.output
    assert "resume with: lakehouse run --from 2026-01-01" in result.output
    assert "lock: free" in result.output


WRITING_COMMANDS = [
    ["simulate", "history", "--scale", "0.01"],
    ["simulate", "day"],
    ["land", "."],
    ["ingest", "--all"],
    ["materialize"],
    ["export"],
    ["ledger", "clear", "--date", "2026-01-01"],
    ["run", "--from", "2025-12-31"],
    ["rebuild"],
    ["maintain"],
]


def _foreign_lock(storage) -> None:
    import json
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    storage.write_text(
        "_ops/lock.json",
        json.dumps(
            {
                "host": "another-host",
                "pid": 4242,
                "run_id": "run-elsewhere",
                "acquired_at": now.isoformat(timespec="seconds"),
                "expires_at": (now + timedelta(minutes=2)).isoformat(timespec="seconds"),
                "token": "theirs",
            }
        ),
    )


@pytest.mark.parametrize("command", WRITING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_writing_command_takes_the_lock(local_settings, command):
    storage, _ = init_lake(local_settings)
    _foreign_lock(storage)
    result = invoke(["--lake", local_settings.lake, *command])
    assert result.exit_code == 3, result.output
    assert "locked by run-elsewhere" in result.output and "--break-lock" in result.output
    holder = LakeLock(storage, "x").read()
    assert holder is not None and holder.run_id == "run-elsewhere"
    broken = invoke(["--lake", local_settings.lake, *command, "--break-lock"])
    assert "locked by" not in broken.output
    assert "took over the lock of run-elsewhere" in broken.output
    assert not storage.exists("_ops/lock.json")  # given back, whatever the command did
