"""The daily chain as data: its stages in order, the event each emits, and the rules that route
one stage's event to the next stage's handler.

Plain data with no imports, so the local bus (`lakehouse.orchestration.events`) and the AWS
template (`lakehouse.aws.template`) read the same rules: renaming an event or adding a stage
changes the local run and the deployed chain together.
"""

from __future__ import annotations

from typing import Any

STAGES = ("simulate", "ingest", "materialize", "export")
"""The stages of one business day, in chain order."""

REQUEST_SOURCE = "tutor.orchestrator"
REQUEST_DETAIL_TYPE = "SimulationRequested"
"""The event that starts a day: published by `lakehouse run` (or a manual backfill on AWS)."""

COMPLETED: dict[str, tuple[str, str]] = {
    "simulate": ("tutor.simulation", "SimulationCompleted"),
    "ingest": ("tutor.silver.ingestion", "IngestionCompleted"),
    "materialize": ("tutor.gold.materialization", "MaterializationCompleted"),
    "export": ("tutor.gold.export", "ExportCompleted"),
}
"""(source, detail-type) of the event each stage emits when it succeeds."""

RULES: list[dict[str, Any]] = [
    {
        "name": "tutor-simulate-on-request",
        "description": "Simulate a business day when one is requested (the scheduler does "
        "the same at 01:00 on AWS)",
        "pattern": {"source": [REQUEST_SOURCE], "detail-type": [REQUEST_DETAIL_TYPE]},
        "target": "simulate_handler",
    },
    {
        "name": "tutor-ingest-on-simulation",
        "description": "Ingest the raw batch a simulation landed into silver",
        "pattern": {"source": ["tutor.simulation"], "detail-type": ["SimulationCompleted"]},
        "target": "ingest_handler",
    },
    {
        "name": "tutor-materialize-on-ingestion",
        "description": "Refresh the gold tables after a silver ingest",
        "pattern": {"source": ["tutor.silver.ingestion"], "detail-type": ["IngestionCompleted"]},
        "target": "materialize_handler",
    },
    {
        "name": "tutor-export-on-materialization",
        "description": "Export the gold artifacts after they are materialized",
        "pattern": {
            "source": ["tutor.gold.materialization"],
            "detail-type": ["MaterializationCompleted"],
        },
        "target": "export_handler",
    },
]
"""Event rules: an EventBridge pattern and the name of the handler in
`lakehouse.orchestration.handlers`."""

SCHEDULE = {
    "name": "tutor-daily-simulation",
    "expression": "cron(0 1 * * ? *)",
    "target": "simulate_handler",
}
"""The AWS scheduler entry that starts yesterday's business day at 01:00 (as in the seed)."""

HANDLER_STAGE = {
    "simulate_handler": "simulate",
    "ingest_handler": "ingest",
    "materialize_handler": "materialize",
    "export_handler": "export",
}
