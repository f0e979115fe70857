"""The handlers called the way Lambda calls them: an EventBridge-shaped dict, settings from
LAKEHOUSE_* variables, and PutEvents to the bus named by LAKEHOUSE_EVENT_BUS (asserted with
botocore's Stubber at the API boundary)."""

import json
from datetime import date
from types import SimpleNamespace

import pytest

from lakehouse.errors import LakehouseError
from lakehouse.lake.storage import open_storage
from lakehouse.orchestration import handlers
from lakehouse.orchestration.events import EventLog
from lakehouse.orchestration.ledger import Ledger
from tests.orchestration.fakes import RecordingStages

SIMULATION_COMPLETED = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "SimulationCompleted",
    "source": "tutor.simulation",
    "account": "111122223333",
    "time": "2026-01-02T01:00:07Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {
        "business_date": "2026-01-01",
        "ingest_date": "2026-01-02",
        "run_id": "lambda-abc",
        "sessions": 18,
    },
}


@pytest.fixture
def lambda_env(monkeypatch, local_settings):
    """The environment a Lambda function gets: settings only through LAKEHOUSE_* variables."""
    for name in ("LAKEHOUSE_CONFIG", "LAKEHOUSE_PROFILE", "LAKEHOUSE_EVENT_BUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAKEHOUSE_LAKE", local_settings.lake)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.chdir(local_settings.lake.rsplit("/", 1)[0])  # no lakehouse.toml here
    open_storage(local_settings).ensure()
    return local_settings


def lambda_context(stages: RecordingStages):
    """Lambda's context object has no settings or bus; only the test's stage functions."""
    return SimpleNamespace(
        aws_request_id="req-1", function_name="tutor-ingest", stages=stages.mapping()
    )


def test_handler_takes_an_eventbridge_event_and_records_the_ledger(lambda_env):
    stages = RecordingStages()
    out = handlers.ingest_handler(SIMULATION_COMPLETED, lambda_context(stages))
    assert stages.calls == [("ingest", "2026-01-01")]
    assert out["source"] == "tutor.silver.ingestion"
    assert out["detail-type"] == "IngestionCompleted"
    assert out["region"] == "us-east-1"
    assert out["detail"] == {
        "business_date": "2026-01-01",
        "ingest_date": "2026-01-02",
        "run_id": "lambda-abc",
        "kept_rows": 10,
    }
    storage = open_storage(lambda_env)
    assert EventLog(storage).read("2026-01-01") == [out]
    entry = Ledger(storage).get(date(2026, 1, 1), "ingest")
    assert entry is not None and entry.status == "succeeded" and entry.run_id == "lambda-abc"


def test_handler_publishes_to_eventbridge_when_a_bus_is_configured(lambda_env, monkeypatch):
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "events", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    stubber = Stubber(client)
    expected_detail = {
        "business_date": "2026-01-01",
        "ingest_date": "2026-01-02",
        "run_id": "lambda-abc",
        "kept_rows": 10,
    }
    stubber.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]},
        {
            "Entries": [
                {
                    "Source": "tutor.silver.ingestion",
                    "DetailType": "IngestionCompleted",
                    "Detail": json.dumps(expected_detail, sort_keys=True),
                    "Resources": [],
                    "EventBusName": "tutor-lakehouse",
                }
            ]
        },
    )
    monkeypatch.setenv("LAKEHOUSE_EVENT_BUS", "tutor-lakehouse")
    monkeypatch.setattr(handlers, "events_client", lambda region=None: client)
    with stubber:
        handlers.ingest_handler(SIMULATION_COMPLETED, lambda_context(RecordingStages()))
        stubber.assert_no_pending_responses()


def test_rejected_put_events_entry_fails_loudly():
    class Client:
        def put_events(self, Entries):
            return {
                "FailedEntryCount": 1,
                "Entries": [{"ErrorCode": "AccessDenied", "ErrorMessage": "no"}],
            }

    event = {"source": "s", "detail-type": "T", "detail": {}, "resources": []}
    with pytest.raises(LakehouseError, match="AccessDenied"):
        handlers.put_event(event, "bus", client=Client())


def test_scheduled_event_means_yesterday(lambda_env):
    scheduled = {
        "version": "0",
        "id": "x",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": "2026-01-05T01:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:scheduler:us-east-1:1:schedule/default/tutor-daily-simulation"],
        "detail": {},
    }
    stages = RecordingStages()
    out = handlers.simulate_handler(scheduled, lambda_context(stages))
    assert stages.calls == [("simulate", "2026-01-04")]
    assert out["detail"]["business_date"] == "2026-01-04"
    assert out["detail"]["ingest_date"] == "2026-01-05"
    assert out["detail"]["run_id"] == "lambda-req-1"


def test_failure_is_recorded_and_raised(lambda_env):
    stages = RecordingStages(fail={("ingest", "2026-01-01"): ValueError("bad column")})
    with pytest.raises(ValueError, match="bad column"):
        handlers.ingest_handler(SIMULATION_COMPLETED, lambda_context(stages))
    entry = Ledger(open_storage(lambda_env)).get(date(2026, 1, 1), "ingest")
    assert entry is not None and entry.status == "failed" and "bad column" in entry.error


def test_event_without_a_date_is_rejected():
    with pytest.raises(LakehouseError, match="no business_date"):
        handlers.business_date_of({"id": "x", "detail": {}})


def test_engine_setting_picks_the_stage_implementation():
    from lakehouse.aws import pipeline
    from lakehouse.gold.materialize import materialize
    from lakehouse.silver.ingest import ingest_through

    assert handlers.real_stage("ingest") is ingest_through
    assert handlers.real_stage("materialize", "duckdb") is materialize
    assert handlers.real_stage("ingest", "athena") is pipeline.ingest_through
    assert handlers.real_stage("materialize", "athena") is pipeline.materialize
    # Simulation and export do not depend on the query engine.
    assert handlers.real_stage("simulate", "athena") is handlers.real_stage("simulate")


def _request(detail: dict) -> dict:
    return {**SIMULATION_COMPLETED, "detail-type": "SimulationRequested", "detail": detail}


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        ({"business_date": "2026-01-01", "force": "false"}, "force must be true or false"),
        ({"business_date": "2026-01-01", "force": 1}, "force must be true or false"),
        ({"business_date": 20260101}, "business_date must be a YYYY-MM-DD string"),
        ({"business_date": "2026-02-30"}, "is not a date"),
        ({"business_date": "2999-01-01"}, "is outside 2000-01-01..2099-12-31"),
        ({"business_date": "2026-01-01", "run_id": 7}, "run_id must be a string"),
    ],
)
def test_malformed_events_are_refused_before_anything_runs(lambda_env, detail, message):
    stages = RecordingStages()
    with pytest.raises(handlers.EventError, match=message):
        handlers.simulate_handler(_request(detail), lambda_context(stages))
    assert stages.calls == [] and Ledger(open_storage(lambda_env)).dates() == []


def test_a_string_force_does_not_force(lambda_env):
    """`"force": "false"` used to be truthy and re-simulated the day."""
    with pytest.raises(handlers.EventError):
        handlers.validate_event(_request({"business_date": "2026-01-01", "force": "false"}))
    day, detail = handlers.validate_event(_request({"business_date": "2026-01-01", "force": False}))
    assert day == date(2026, 1, 1) and detail["force"] is False


def test_a_far_future_date_is_refused_instead_of_simulating_every_day(lambda_env):
    from sim import state
    from sim.scenario import load_scenario

    storage = open_storage(lambda_env)
    pointer = state.Pointer(7, 1.0, "csv", "2025-12-30", "2026-01-03", load_scenario("default"))
    state.write_pointer(storage, pointer)
    stages = RecordingStages()
    far = _request({"business_date": "2027-06-01"})
    with pytest.raises(handlers.EventError, match=r"514 days after the last simulated day"):
        handlers.simulate_handler(far, lambda_context(stages))
    assert stages.calls == []
    near = _request({"business_date": "2026-01-04"})
    assert handlers.simulate_handler(near, lambda_context(stages))["detail-type"] == (
        "SimulationCompleted"
    )
    assert stages.calls == [("simulate", "2026-01-04")]
