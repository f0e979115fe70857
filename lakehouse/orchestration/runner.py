"""The day loop behind `lakehouse run`.

For each business day in order the runner publishes one event on the local bus and lets the
chain play out (simulate -> ingest -> materialize -> export), exactly as EventBridge would on
AWS. The ledger decides where a day starts: a day whose stages all succeeded is skipped, a day
that failed resumes at its failed stage from the event the previous stage emitted (rebuilt from
the ledger), and `force` replays every stage. The run stops at the first failed day. Days that
are part of the simulated history are refused before anything runs, and Ctrl-C stops the run
with the stage recorded as interrupted (the next run resumes it). The whole run holds the lake
lock; the stages retry transient storage errors (`lakehouse.lake.retry`).

Stages are looked up by name; `stages` overrides some of them (tests inject failures that way),
the product leaves it empty and the handlers call the real stage functions.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lakehouse.chain import STAGES
from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.lake.catalog import shared_lake
from lakehouse.lake.lock import DEFAULT_TTL, LakeLock, held
from lakehouse.lake.retry import RetryPolicy, is_transient
from lakehouse.lake.scratch import clean_stale_scratch
from lakehouse.lake.storage import open_storage
from lakehouse.orchestration import handlers
from lakehouse.orchestration.events import EventLog, LocalBus, completed_event, request_event
from lakehouse.orchestration.ledger import STARTED, SUCCEEDED, Ledger

__all__ = ["RetryPolicy", "RunReport", "Runner", "is_transient"]

FIRST_BUSINESS_DAY = date(2025, 12, 31)
"""The first daily batch after the pre-migration history (docs/simulator.md)."""


def new_run_id() -> str:
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def day_range(start: date, end: date) -> list[date]:
    if end < start:
        raise LakehouseError(f"--to {end} is before --from {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass
class DayResult:
    business_date: date
    status: str
    """`succeeded`, `skipped` (all stages had succeeded before), `failed` or `interrupted`."""
    resumed_from: str | None = None
    """The stage the day started at when it resumed an earlier failure."""
    seconds: dict[str, float] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_stage: str = ""
    error: str = ""


@dataclass
class RunReport:
    run_id: str
    days: list[DayResult] = field(default_factory=list)
    taken_over_lock: str = ""

    @property
    def failed(self) -> DayResult | None:
        return next((d for d in self.days if d.status == "failed"), None)

    @property
    def ran(self) -> list[DayResult]:
        return [d for d in self.days if d.status != "skipped"]


class RunInterrupted(LakehouseError):
    """Ctrl-C (or SIGTERM) stopped a run; the stage it was in is recorded as interrupted."""

    exit_code = 130

    def __init__(self, message: str, report: RunReport) -> None:
        super().__init__(message)
        self.report = report


ProgressHook = Callable[[date, str, str], None]
"""Called with (business date, stage, phase) for phases start / retry / done / skip."""


class Runner:
    """Runs business days through the local bus against one lake, under the lake lock."""

    def __init__(
        self,
        settings: Settings,
        *,
        stages: Mapping[str, Callable[..., Any]] | None = None,
        retry: RetryPolicy | None = None,
        lock_ttl: timedelta = DEFAULT_TTL,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        unknown = set(stages or {}) - set(STAGES)
        if unknown:
            raise ValueError(f"unknown stages {sorted(unknown)}; stages are {STAGES}")
        self.settings = settings
        self.storage = open_storage(settings)
        self.ledger = Ledger(self.storage)
        self.stages = dict(stages or {})
        self.retry = retry or RetryPolicy()
        self.lock_ttl = lock_ttl
        self.sleep = sleep

    def plan(self, days: list[date], *, force: bool = False) -> list[tuple[date, str | None]]:
        """(day, first stage to run) per day; None when the day is already complete."""
        return [(d, "simulate" if force else self.ledger.pending_stage(d)) for d in days]

    def first_day(self) -> date:
        """The first daily business day: the day after the simulated history."""
        if "simulate" not in self.stages:
            from sim.api import read_state

            pointer = read_state(self.settings)
            if pointer is not None:
                return pointer.history_end_date + timedelta(days=1)
        return FIRST_BUSINESS_DAY

    def default_range(self) -> tuple[date, date]:
        """The first incomplete day in the ledger, else the day after the last one."""
        known = self.ledger.dates()
        for d in known:
            if self.ledger.pending_stage(d) is not None:
                return d, d
        nxt = known[-1] + timedelta(days=1) if known else self.first_day()
        return nxt, nxt

    def check_range(self, plan: list[tuple[date, str | None]]) -> None:
        """Refuse, before anything is written, a range the simulator cannot run: days of the
        simulated history, or days to simulate when there is no history yet."""
        if "simulate" in self.stages or not plan:
            return
        from sim.api import read_state

        pointer = read_state(self.settings)
        if pointer is None:
            if any(first == STAGES[0] for _, first in plan):
                raise LakehouseError(
                    f"no simulated history in {self.storage.uri()}: run `lakehouse simulate "
                    "history` first"
                )
            return
        start = plan[0][0]
        if start <= pointer.history_end_date:
            first = pointer.history_end_date + timedelta(days=1)
            raise LakehouseError(
                f"--from {start} is part of the simulated history (through "
                f"{pointer.history_end}, landed by `simulate history`); daily runs start at "
                f"{first}: lakehouse run --from {first}"
            )

    def _check_earlier_days(self, start: date) -> None:
        for d in self.ledger.dates():
            if d < start and self.ledger.pending_stage(d) is not None:
                raise LakehouseError(
                    f"business day {d} is incomplete ({self.ledger.pending_stage(d)} has not "
                    f"succeeded); run it first: lakehouse run --from {d} --to {start}, or "
                    f"forget it: lakehouse ledger clear --date {d}"
                )

    def _trigger(self, day: date, first: str, run_id: str, force: bool) -> dict[str, Any]:
        """The event that starts `day` at stage `first`."""
        if first == STAGES[0]:
            return request_event(day, run_id, force=force)
        previous = STAGES[STAGES.index(first) - 1]
        entry = self.ledger.get(day, previous)
        if entry is None or entry.status != SUCCEEDED:
            raise LakehouseError(f"cannot resume {day} at {first}: {previous} has not succeeded")
        return completed_event(previous, {**entry.detail, "run_id": run_id})

    def run(
        self,
        start: date,
        end: date,
        *,
        force: bool = False,
        break_lock: bool = False,
        progress: ProgressHook | None = None,
        run_id: str | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> RunReport:
        """Run the days `start`..`end`; stop at the first failure (see the module docstring)."""
        days = day_range(start, end)
        report = RunReport(run_id or new_run_id())
        self.storage.check()

        def taken_over(message: str) -> None:
            report.taken_over_lock = message
            if notify is not None:
                notify(message)

        with (
            held(
                self.storage,
                report.run_id,
                break_lock=break_lock,
                ttl=self.lock_ttl,
                notify=taken_over,
            ) as lock,
            ExitStack() as scope,
        ):
            plan = self.plan(days, force=force)
            self.check_range(plan)
            clean_stale_scratch()
            self._check_earlier_days(start)
            if self.settings.table_format == "ducklake":
                # one attached catalog for every stage of every day (lakehouse.lake.catalog)
                scope.enter_context(shared_lake(self.settings))
            self._run_days(plan, report, lock, force, progress)
        return report

    def _run_days(
        self,
        plan: list[tuple[date, str | None]],
        report: RunReport,
        lock: LakeLock,
        force: bool,
        progress: ProgressHook | None,
    ) -> None:
        bus = LocalBus(handlers.HANDLERS, log=EventLog(self.storage))
        for day, first in plan:
            if first is None:
                report.days.append(DayResult(day, "skipped"))
                if progress:
                    progress(day, "", "skip")
                continue
            result = DayResult(day, "succeeded", resumed_from=None if force else first)
            if result.resumed_from == STAGES[0]:
                result.resumed_from = None
            report.days.append(result)

            def on_stage(stage: str, phase: str, info: dict[str, Any], day=day, res=result):
                if phase == "done":
                    res.seconds[stage] = res.seconds.get(stage, 0.0) + info["seconds"]
                    res.details[stage] = info["detail"]
                if progress:
                    progress(day, stage, phase)

            context = handlers.LocalContext(
                settings=self.settings,
                stages=self.stages,
                retry=self.retry,
                bus=bus,
                on_stage=on_stage,
                sleep=self.sleep,
            )
            lock.check()
            try:
                bus.publish(self._trigger(day, first, report.run_id, force))
                bus.drain(context)
            except KeyboardInterrupt:
                result.status = "interrupted"
                result.failed_stage = self._failed_stage(day)
                self._mark_interrupted(day, result.failed_stage)
                raise RunInterrupted(
                    f"interrupted: business day {day} stopped in {result.failed_stage} (recorded "
                    f"as interrupted); `lakehouse run` resumes it there",
                    report,
                ) from None
            except Exception as exc:
                result.status = "failed"
                result.failed_stage = self._failed_stage(day)
                result.error = (
                    str(exc) if isinstance(exc, LakehouseError) else f"{type(exc).__name__}: {exc}"
                )
                break

    def _mark_interrupted(self, day: date, stage: str) -> None:
        """Record a stage left `started` as interrupted (the signal may have come between
        the handler's ledger writes, outside its own handling)."""
        with contextlib.suppress(Exception):
            entry = self.ledger.get(day, stage) if stage in STAGES else None
            if entry is not None and entry.status == STARTED:
                self.ledger.interrupt(entry)

    def _failed_stage(self, day: date) -> str:
        try:
            return self.ledger.pending_stage(day) or "?"
        except Exception:  # the store may be down: the stage is in the error message anyway
            return "?"
