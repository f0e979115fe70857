"""The four stage handlers, `(event, context) -> dict`: the same functions are the AWS Lambda
bodies and what the local bus calls.

A handler reads the business date from the incoming event, runs its stage under the retry
policy, records every attempt in the ledger, and emits the stage's completion event: onto the
local bus when the context carries one, to EventBridge (`put_events`) when the environment
variable LAKEHOUSE_EVENT_BUS names a bus (on Lambda), and always into `_ops/events/`. It
returns the emitted event, which is also the Lambda result.

Settings come from the context when the local runner supplies them (so `--lake`/`--profile`
apply), else from `load_settings()`, i.e. `LAKEHOUSE_*` environment variables on Lambda.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from lakehouse.config import Settings, load_settings
from lakehouse.engines import engine_class
from lakehouse.errors import LakehouseError
from lakehouse.lake.retry import Backoff, RetryPolicy, retrying
from lakehouse.lake.storage import Storage, open_storage
from lakehouse.orchestration import signals
from lakehouse.orchestration.events import EventLog, completed_event
from lakehouse.orchestration.ledger import Ledger

EVENT_BUS_ENV = "LAKEHOUSE_EVENT_BUS"
"""Name of the EventBridge bus the handlers publish to on AWS (unset locally)."""
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
"""Business dates outside these are refused as typos before anything reads the lake."""
MAX_CATCH_UP_DAYS = 31
"""A simulate event may fill in at most this many days after the simulator's last day."""
BOOKKEEPING_S = 60.0
"""How long the ledger and event writes wait for the store: longer than a stage's own retries,
so a stage that gave up in an outage is still recorded as failed when the store returns."""

StageHook = Callable[[str, str, dict[str, Any]], None]


@dataclass
class LocalContext:
    """What the local runner passes as the Lambda `context` (Lambda's own object lacks these
    attributes, so every one of them is optional for a handler)."""

    settings: Settings | None = None
    stages: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    """Stage functions replacing the real ones, by stage name (tests inject failures)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    bus: Any = None
    on_stage: StageHook | None = None
    sleep: Callable[[float], None] = time.sleep
    function_name: str = "tutor-lakehouse-local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 15 * 60 * 1000


def real_stage(stage: str, engine: str = "duckdb") -> Callable[..., Any]:
    """The product's stage function, imported lazily so a handler loads only what it runs.

    An engine that commits a whole stage at once (`SUPPORTS_TRANSACTIONS`: DuckDB on DuckLake)
    runs the ingest and materialize of `lakehouse.silver` and `lakehouse.gold`; one that
    commits each write on its own (Athena on Iceberg) runs the same models statement by
    statement, idempotently (`lakehouse.aws.pipeline`). Both emit the same event detail.
    """
    if stage in ("ingest", "materialize") and not engine_class(engine).SUPPORTS_TRANSACTIONS:
        from lakehouse.aws import pipeline

        return pipeline.ingest_through if stage == "ingest" else pipeline.materialize
    if stage == "simulate":
        from sim.api import simulate_day

        return simulate_day
    if stage == "ingest":
        from lakehouse.silver.ingest import ingest_through

        return ingest_through
    if stage == "materialize":
        from lakehouse.gold.materialize import materialize

        return materialize
    if stage == "export":
        from lakehouse.export.stage import export

        return export
    raise ValueError(f"unknown stage {stage!r}")


def _call_stage(fn: Callable[..., Any], stage: str, settings: Settings, detail: dict) -> Any:
    """Call a stage with the arguments of its entry point (docs/CONTRACTS.md)."""
    day = date.fromisoformat(detail["business_date"])
    if stage == "simulate":
        return fn(settings, day, force=detail.get("force", False))
    if stage == "ingest":
        # the stage ingests the batches landed before the target and not ingested yet first,
        # and returns their results followed by the target's (or the target's alone)
        results = fn(settings, date.fromisoformat(detail["ingest_date"]))
        *earlier, last = [
            _stage_detail(r) for r in (results if isinstance(results, list) else [results])
        ]
        if earlier:
            return {**last, "caught_up": [r["ingest_date"] for r in earlier]}
        return last
    if stage == "materialize":
        return fn(settings, as_of=date.fromisoformat(detail["ingest_date"]))
    return fn(settings)


class EventError(LakehouseError):
    """An event a handler cannot act on: a field is missing or of the wrong type."""

    exit_code = 2


def _event_date(value: Any, field_name: str, event_id: str) -> date:
    if not isinstance(value, str):
        raise EventError(
            f"event {event_id}: {field_name} must be a YYYY-MM-DD string, got {value!r}"
        )
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise EventError(
            f"event {event_id}: {field_name} {value!r} is not a date (YYYY-MM-DD)"
        ) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise EventError(
            f"event {event_id}: {field_name} {day} is outside {EARLIEST_DATE}..{LATEST_DATE}"
        )
    return day


def validate_event(event: Any) -> tuple[date, dict[str, Any]]:
    """(business date, detail) of an incoming event, after checking the fields a handler
    reads: `detail` an object, `business_date` a date (or, for a scheduled event, an ISO
    `time`, whose previous day is meant), `force` a JSON boolean, `run_id` a string."""
    if not isinstance(event, Mapping):
        raise EventError(f"an event must be a JSON object, got {type(event).__name__}")
    event_id = str(event.get("id", "?"))
    detail = event.get("detail") or {}
    if not isinstance(detail, Mapping):
        raise EventError(f"event {event_id}: detail must be an object, got {detail!r}")
    if "force" in detail and not isinstance(detail["force"], bool):
        raise EventError(
            f"event {event_id}: force must be true or false (a JSON boolean), "
            f"got {detail['force']!r}"
        )
    if "run_id" in detail and not isinstance(detail["run_id"], str):
        raise EventError(f"event {event_id}: run_id must be a string, got {detail['run_id']!r}")
    if detail.get("business_date") is not None:
        day = _event_date(detail["business_date"], "business_date", event_id)
    elif event.get("time"):
        stamp = event["time"]
        try:
            parsed = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            raise EventError(f"event {event_id}: time {stamp!r} is not an ISO time") from None
        day = _event_date((parsed.date() - timedelta(days=1)).isoformat(), "time", event_id)
    else:
        raise EventError(f"event {event_id} carries no business_date and no time")
    return day, dict(detail)


def business_date_of(event: Mapping[str, Any]) -> date:
    """The business date an event is about: `detail.business_date`, or for a scheduled event
    (EventBridge Scheduler at 01:00) the day before the event's time."""
    return validate_event(event)[0]


def check_catch_up(settings: Settings, day: date) -> None:
    """Refuse a simulate event that would fill in more than MAX_CATCH_UP_DAYS days."""
    from sim.api import read_state

    pointer = read_state(settings)
    if pointer is None:
        return  # the simulator says what is missing
    gap = (day - pointer.last_date).days
    if gap > MAX_CATCH_UP_DAYS:
        raise EventError(
            f"business_date {day} is {gap} days after the last simulated day "
            f"{pointer.last_day}; one event simulates at most {MAX_CATCH_UP_DAYS} days: send "
            "events for the days in between first (or use `lakehouse run --from/--to`)"
        )


def _stage_detail(result: Any) -> dict[str, Any]:
    if hasattr(result, "to_detail"):
        return dict(result.to_detail())
    if isinstance(result, Mapping):
        return dict(result)
    raise LakehouseError(f"stage returned {type(result).__name__}, which has no to_detail()")


def run_stage(stage: str, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Run one stage for the event's business date; return the completion event it emitted.

    Transient errors are retried under the context's policy (the ledger records every
    attempt); the ledger writes themselves wait out a short outage of the store. Ctrl-C
    records the attempt as interrupted before it propagates."""
    day, incoming = validate_event(event)
    settings = getattr(context, "settings", None) or load_settings()
    storage = open_storage(settings)
    ledger = Ledger(storage)
    policy: RetryPolicy = getattr(context, "retry", None) or RetryPolicy()
    sleep = getattr(context, "sleep", time.sleep)
    hook: StageHook = getattr(context, "on_stage", None) or (lambda *_: None)
    fn = (getattr(context, "stages", None) or {}).get(stage) or real_stage(stage, settings.engine)
    if stage == "simulate":
        check_catch_up(settings, day)

    run_id = incoming.get("run_id") or f"lambda-{getattr(context, 'aws_request_id', 'manual')}"
    chain = {
        "business_date": day.isoformat(),
        "ingest_date": (day + timedelta(days=1)).isoformat(),
        "run_id": run_id,
    }
    args = {**incoming, **chain}
    what = f"{stage} of business day {day}"
    books = replace(
        policy,
        max_elapsed_s=max(BOOKKEEPING_S, policy.max_elapsed_s),
        max_attempts=max(policy.max_attempts, 30),
    )

    def record(action: Callable[[], None], doing: str) -> None:
        retrying(action, f"record {doing} of {what} in the ledger", books, sleep)

    hook(stage, "start", {})
    t0 = time.perf_counter()
    backoff = Backoff(policy)
    while True:
        entry = retrying(
            lambda: ledger.start(day, stage, run_id),
            f"record the start of {what} in the ledger",
            books,
            sleep,
        )
        try:
            detail = {**_stage_detail(_call_stage(fn, stage, settings, args)), **chain}
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                ledger.interrupt(entry)
            raise
        except Exception as exc:
            if signals.stop_requested():  # the interrupt surfaced as another error
                with contextlib.suppress(Exception):
                    ledger.interrupt(entry)
                raise KeyboardInterrupt from exc
            backoff.mark()
            try:
                record(functools.partial(ledger.fail, entry, exc), "the failure")
            except LakehouseError as unrecorded:
                exc.add_note(f"the failure is not in the ledger: {unrecorded}")
            delay = backoff.next_delay(exc)
            if delay is not None:
                hook(stage, "retry", {"attempt": backoff.attempt, "error": str(exc)})
                sleep(delay)
                continue
            error = backoff.gave_up(what, exc)
            if error is exc:
                raise
            raise error from exc
        record(functools.partial(ledger.succeed, entry, detail), "the success")
        break
    hook(stage, "done", {"seconds": time.perf_counter() - t0, "detail": detail})
    out = completed_event(stage, detail, region=_region(settings))
    retrying(
        lambda: emit(out, storage, context), f"publish the completion of {what}", policy, sleep
    )
    return out


def _region(settings: Settings) -> str:
    """The events' region: the Lambda's, else that of the engine's settings (an engine in
    process has none: `local`)."""
    region: str = getattr(getattr(settings, settings.engine), "region", "local")
    return os.environ.get("AWS_REGION") or region


def emit(event: dict[str, Any], storage: Storage, context: Any = None) -> None:
    """Deliver `event` to whatever runs the next stage, and log it in the lake."""
    bus = getattr(context, "bus", None)
    if bus is not None:
        bus.publish(event)  # the local bus logs it under _ops/events/
        return
    EventLog(storage).append(event)
    bus_name = os.environ.get(EVENT_BUS_ENV)
    if bus_name:
        put_event(event, bus_name)


def events_client(region: str | None = None) -> Any:
    import boto3

    return boto3.client("events", region_name=region or os.environ.get("AWS_REGION"))


def put_event(event: Mapping[str, Any], bus_name: str, client: Any = None) -> dict[str, Any]:
    """Publish `event` on EventBridge bus `bus_name`; fail if EventBridge rejects the entry."""
    client = client or events_client(
        event.get("region") if event.get("region") != "local" else None
    )
    entry = {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"], sort_keys=True),
        "Resources": list(event.get("resources", [])),
        "EventBusName": bus_name,
    }
    response = client.put_events(Entries=[entry])
    if response.get("FailedEntryCount"):
        failed = response["Entries"][0]
        raise LakehouseError(
            f"EventBridge bus {bus_name} rejected {event['detail-type']}: "
            f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
        )
    return response


def simulate_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """SimulationRequested / the daily schedule -> simulate day D -> SimulationCompleted."""
    return run_stage("simulate", event, context)


def ingest_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """SimulationCompleted -> ingest raw ingest_date=D+1 into silver -> IngestionCompleted."""
    return run_stage("ingest", event, context)


def materialize_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """IngestionCompleted -> refresh gold -> MaterializationCompleted."""
    return run_stage("materialize", event, context)


def export_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """MaterializationCompleted -> export gold artifacts -> ExportCompleted."""
    return run_stage("export", event, context)


HANDLERS: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {
    "simulate_handler": simulate_handler,
    "ingest_handler": ingest_handler,
    "materialize_handler": materialize_handler,
    "export_handler": export_handler,
}
