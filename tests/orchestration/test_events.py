"""Event shape, rule matching and routing, the chain order, and the event log in the lake."""

from datetime import date

import pytest

from lakehouse.chain import COMPLETED, RULES, STAGES
from lakehouse.orchestration import handlers
from lakehouse.orchestration.events import (
    EventLog,
    LocalBus,
    completed_event,
    make_event,
    matches,
    next_stage,
    request_event,
    targets_for,
)


def test_event_has_the_eventbridge_shape():
    event = completed_event(
        "simulate", {"business_date": "2025-12-31", "ingest_date": "2026-01-01", "run_id": "r1"}
    )
    assert set(event) == {
        "version",
        "id",
        "source",
        "detail-type",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert event["version"] == "0"
    assert event["source"] == "tutor.simulation"
    assert event["detail-type"] == "SimulationCompleted"
    assert event["time"].endswith("Z") and event["time"][:4].isdigit()
    assert event["resources"] == []
    assert event["detail"]["business_date"] == "2025-12-31"


def test_event_details_are_made_json_safe():
    event = make_event("s", "T", {"day": date(2026, 1, 2)})
    assert event["detail"] == {"day": "2026-01-02"}
    with pytest.raises(TypeError):
        make_event("s", "T", {"bad": object()})


def test_seed_event_names():
    assert COMPLETED == {
        "simulate": ("tutor.simulation", "SimulationCompleted"),
        "ingest": ("tutor.silver.ingestion", "IngestionCompleted"),
        "materialize": ("tutor.gold.materialization", "MaterializationCompleted"),
        "export": ("tutor.gold.export", "ExportCompleted"),
    }


def test_rules_route_the_chain_in_order():
    assert targets_for(request_event(date(2026, 1, 1), "r")) == ["simulate_handler"]
    assert [next_stage(s) for s in STAGES] == ["ingest", "materialize", "export", None]


def test_every_rule_targets_a_handler_and_is_plain_data():
    for rule in RULES:
        assert rule["target"] in handlers.HANDLERS
        assert set(rule["pattern"]) == {"source", "detail-type"}
        assert all(isinstance(v, list) for v in rule["pattern"].values())


def test_pattern_matching_subset():
    event = completed_event("ingest", {"business_date": "2026-01-02", "tag": ["a", "b"]})
    assert matches({"source": ["tutor.silver.ingestion"]}, event)
    assert matches(
        {"source": ["x", "tutor.silver.ingestion"], "detail-type": ["IngestionCompleted"]}, event
    )
    assert not matches({"source": ["tutor.simulation"]}, event)
    assert not matches({"source": ["tutor.silver.ingestion"], "detail-type": ["Other"]}, event)
    assert matches({"detail": {"business_date": ["2026-01-02"]}}, event)
    assert not matches({"detail": {"business_date": ["2026-01-03"]}}, event)
    assert not matches({"detail": {"missing": ["x"]}}, event)
    assert matches({"detail": {"tag": ["b"]}}, event)
    with pytest.raises(ValueError):
        matches({"source": "tutor.silver.ingestion"}, event)


def test_bus_logs_every_event_and_delivers_in_order(local_settings):
    from lakehouse.lake.storage import open_storage

    storage = open_storage(local_settings)
    storage.ensure()
    seen: list[str] = []

    def handler_for(stage):
        def handle(event, context):
            seen.append(f"{stage}<-{event['detail-type']}")
            context.publish(completed_event(stage, event["detail"]))

        return handle

    bus = LocalBus({f"{s}_handler": handler_for(s) for s in STAGES}, log=EventLog(storage))

    class Ctx:
        publish = staticmethod(bus.publish)

    bus.publish(request_event(date(2026, 1, 1), "run-1"))
    bus.drain(Ctx())
    assert seen == [
        "simulate<-SimulationRequested",
        "ingest<-SimulationCompleted",
        "materialize<-IngestionCompleted",
        "export<-MaterializationCompleted",
    ]
    logged = EventLog(storage).read("2026-01-01")
    assert [e["detail-type"] for e in logged] == [
        "SimulationRequested",
        "SimulationCompleted",
        "IngestionCompleted",
        "MaterializationCompleted",
        "ExportCompleted",
    ]
    assert [e["id"] for e in logged] == [e["id"] for e in bus.published]
    keys = storage.list("_ops/events/business_date=2026-01-01")
    assert keys[0].endswith("000001-SimulationRequested.json")


def test_bus_stops_and_drops_the_queue_on_a_handler_error():
    def boom(event, context):
        raise RuntimeError("stage broke")

    bus = LocalBus({"simulate_handler": boom})
    bus.publish(request_event(date(2026, 1, 1), "r"))
    with pytest.raises(RuntimeError, match="stage broke"):
        bus.drain(None)
    assert not bus.queue
