"""Pipeline events shaped like EventBridge entries, the rules that route them, and a local bus.

The names are the seed's (`tutor.simulation`/`SimulationCompleted` and so on) so the AWS rules
stay the same. Rules are plain data (`lakehouse.chain.RULES`): the local bus matches them here,
and the AWS template renders EventBridge rules from the same dicts. Only the subset of the
EventBridge pattern language the rules use is implemented: exact-match value lists, nested for
`detail`.

Every event published is also written to the lake under `_ops/events/` (one object per event,
since object stores cannot append), so a run can be audited after the fact on S3 too.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from lakehouse.chain import COMPLETED, HANDLER_STAGE, REQUEST_DETAIL_TYPE, REQUEST_SOURCE, RULES
from lakehouse.lake.storage import Storage

EVENTS_PREFIX = "_ops/events"


def make_event(
    source: str,
    detail_type: str,
    detail: Mapping[str, Any],
    *,
    time: datetime | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """An event in the shape EventBridge delivers to a Lambda target."""
    stamp = (time or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "source": source,
        "detail-type": detail_type,
        "time": stamp,
        "region": region or os.environ.get("AWS_REGION", "local"),
        "resources": [],
        "detail": json.loads(json.dumps(dict(detail), default=_json_default)),
    }


def completed_event(stage: str, detail: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The event `stage` emits when it succeeds."""
    source, detail_type = COMPLETED[stage]
    return make_event(source, detail_type, detail, **kwargs)


def request_event(business_date: date, run_id: str, *, force: bool = False) -> dict[str, Any]:
    """The event that asks for business day `business_date` to be simulated."""
    detail = {"business_date": business_date.isoformat(), "run_id": run_id, "force": force}
    return make_event(REQUEST_SOURCE, REQUEST_DETAIL_TYPE, detail)


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """EventBridge matching for exact-value lists (and nested dicts such as `detail`).

    Every key of the pattern must be present in the event; a list matches when the event's
    value is one of its items (or, for a list value, shares an item with it).
    """
    for key, expected in pattern.items():
        if key not in event:
            return False
        actual = event[key]
        if isinstance(expected, Mapping):
            if not isinstance(actual, Mapping) or not matches(expected, actual):
                return False
        elif isinstance(expected, list):
            values = actual if isinstance(actual, list) else [actual]
            if not any(v in expected for v in values):
                return False
        else:
            raise ValueError(f"event pattern value for {key!r} must be a list or a dict")
    return True


def targets_for(event: Mapping[str, Any], rules: list[dict[str, Any]] | None = None) -> list[str]:
    """Names of the handlers whose rule matches `event`, in rule order."""
    return [
        r["target"] for r in (RULES if rules is None else rules) if matches(r["pattern"], event)
    ]


def next_stage(stage: str) -> str | None:
    """The stage the completion event of `stage` triggers (None after export)."""
    event = completed_event(stage, {})
    targets = targets_for(event)
    return HANDLER_STAGE[targets[0]] if targets else None


class EventLog:
    """Appends events to `_ops/events/business_date=D/<seq>-<detail-type>.json`."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._next: dict[str, int] = {}
        """Next sequence number per date prefix: listed once, then counted here (one writer
        per lake at a time, under the lake lock)."""

    def _prefix(self, event: Mapping[str, Any]) -> str:
        day = event.get("detail", {}).get("business_date") or "unknown"
        return f"{EVENTS_PREFIX}/business_date={day}"

    def append(self, event: Mapping[str, Any]) -> str:
        prefix = self._prefix(event)
        if prefix not in self._next:
            self._next[prefix] = len(self.storage.list(prefix)) + 1
        seq = self._next[prefix]
        self._next[prefix] = seq + 1
        key = f"{prefix}/{seq:06d}-{event['detail-type']}.json"
        self.storage.write_text(key, json.dumps(event, indent=2, sort_keys=True) + "\n")
        return key

    def read(self, business_date: date | str) -> list[dict[str, Any]]:
        """The events logged for one business day, in publication order."""
        prefix = f"{EVENTS_PREFIX}/business_date={business_date}"
        return [json.loads(self.storage.read_text(k)) for k in self.storage.list(prefix)]


Handler = Callable[[dict[str, Any], Any], Any]


class LocalBus:
    """Delivers events in process, in publication order, the way EventBridge would.

    `publish` logs the event and queues one delivery per matching rule; `drain` calls the
    target handlers, which publish their own completion events onto the same bus. A handler
    exception stops the drain and propagates (the handler has already recorded the failure in
    the ledger); undelivered events are dropped, as a failed chain does not go on.
    """

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        log: EventLog | None = None,
        rules: list[dict[str, Any]] | None = None,
    ) -> None:
        self.handlers = dict(handlers)
        self.log = log
        self.rules = RULES if rules is None else rules
        self.queue: deque[tuple[str, dict[str, Any]]] = deque()
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)
        if self.log is not None:
            self.log.append(event)
        for target in targets_for(event, self.rules):
            self.queue.append((target, event))

    def drain(self, context: Any) -> None:
        try:
            while self.queue:
                target, event = self.queue.popleft()
                self.handlers[target](event, context)
        finally:
            self.queue.clear()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable in an event detail: {type(value).__name__}")
