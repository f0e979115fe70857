"""Athena (serverless Trino over S3): the same models, run as Iceberg tables through boto3.

`AthenaClient` is the boto3 boundary: start a query, poll it with exponential backoff until it
ends, turn FAILED/CANCELLED into an `EngineError` carrying Athena's own reason, page through the
results, and log the bytes each query scanned with what it cost ($5 per TB). `AthenaEngine` puts
the models on top: `render` is the model transpiled to Athena SQL, and each kind's statements
come from the same builder the DuckDB engine uses (`lakehouse.models.statements`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from lakehouse.config import Settings
from lakehouse.engines.base import Engine, MaterializeResult
from lakehouse.errors import EngineError
from lakehouse.models import Model, ModelError, get_model
from lakehouse.models.statements import output_columns
from lakehouse.models.transpile import database_for, to_athena

log = logging.getLogger("lakehouse.athena")

USD_PER_TB = 5.0
"""Athena's price per TB (2**40 bytes) scanned, billed per query rounded up to the MB, 10 MB min."""
MIN_BILLED_BYTES = 10 * 2**20
_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
_THROTTLING = ("ThrottlingException", "TooManyRequestsException")


def cost_usd(scanned_bytes: int) -> float:
    """What Athena bills for one query that scanned `scanned_bytes`."""
    billed = max(MIN_BILLED_BYTES, math.ceil(scanned_bytes / 2**20) * 2**20)
    return billed / 2**40 * USD_PER_TB


@dataclass(frozen=True)
class QueryStats:
    query_id: str
    state: str
    statement_type: str
    scanned_bytes: int
    cost_usd: float
    engine_ms: int


class AthenaClient:
    """start -> poll with backoff -> results, for one workgroup; keeps a history of queries."""

    def __init__(
        self,
        settings: Settings,
        client: Any = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        first_poll: float = 0.25,
        max_poll: float = 5.0,
        timeout: float = 30 * 60,
    ) -> None:
        self.athena = settings.athena
        if client is None:
            import boto3

            client = boto3.client("athena", region_name=self.athena.region)
        self.client = client
        self.sleep = sleep
        self.first_poll, self.max_poll, self.timeout = first_poll, max_poll, timeout
        self.history: list[QueryStats] = []

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _THROTTLING:
                raise  # the stage retry policy treats throttling as transient
            raise EngineError(f"Athena {operation} failed: {exc}") from None
        except BotoCoreError as exc:
            raise EngineError(f"Athena {operation} failed: {exc}") from None

    def start(self, sql: str, database: str | None = None) -> str:
        kwargs: dict[str, Any] = {"QueryString": sql, "WorkGroup": self.athena.workgroup}
        if database:
            kwargs["QueryExecutionContext"] = {"Database": database}
        if self.athena.output_location:
            kwargs["ResultConfiguration"] = {"OutputLocation": self.athena.output_location}
        return self._call("start_query_execution", **kwargs)["QueryExecutionId"]

    def wait(self, query_id: str, sql: str = "") -> QueryStats:
        """Poll until the query ends (backoff doubling up to `max_poll`); raise unless SUCCEEDED."""
        delay, waited = self.first_poll, 0.0
        while True:
            execution = self._call("get_query_execution", QueryExecutionId=query_id)
            execution = execution["QueryExecution"]
            state = execution["Status"]["State"]
            if state in _DONE:
                break
            if waited >= self.timeout:
                self._call("stop_query_execution", QueryExecutionId=query_id)
                raise EngineError(
                    f"Athena query {query_id} still {state} after {waited:.0f} s; stopped it"
                )
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, self.max_poll)
        stats = _stats(query_id, execution)
        self.history.append(stats)
        log.info(
            "athena query %s %s: %s scanned, $%.6f",
            query_id,
            state,
            _human_bytes(stats.scanned_bytes),
            stats.cost_usd,
        )
        if state != "SUCCEEDED":
            status = execution["Status"]
            reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get(
                "ErrorMessage", "no reason given"
            )
            first_line = " ".join(sql.split())[:160]
            raise EngineError(f"Athena query {query_id} {state}: {reason} (query: {first_line})")
        return stats

    def execute(self, sql: str, database: str | None = None) -> QueryStats:
        return self.wait(self.start(sql, database), sql)

    def results(self, query_id: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and typed rows of a finished query, across every result page."""
        columns: list[str] = []
        types: list[str] = []
        rows: list[tuple[Any, ...]] = []
        token: str | None = None
        first = True
        while True:
            kwargs: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": 1000}
            if token:
                kwargs["NextToken"] = token
            page = self._call("get_query_results", **kwargs)
            result = page["ResultSet"]
            if first:
                info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
                columns = [c["Name"] for c in info]
                types = [c.get("Type", "varchar") for c in info]
            raw = [[d.get("VarCharValue") for d in r.get("Data", [])] for r in result["Rows"]]
            if first and raw and raw[0] == columns:
                raw = raw[1:]  # a SELECT's first row repeats the column names
            rows += [tuple(_convert(v, t) for v, t in zip(r, types, strict=False)) for r in raw]
            token, first = page.get("NextToken"), False
            if not token:
                return columns, rows

    def fetch(self, sql: str, database: str | None = None) -> list[tuple[Any, ...]]:
        query_id = self.start(sql, database)
        self.wait(query_id, sql)
        return self.results(query_id)[1]


def _stats(query_id: str, execution: dict[str, Any]) -> QueryStats:
    statistics = execution.get("Statistics", {})
    scanned = int(statistics.get("DataScannedInBytes", 0) or 0)
    state = execution["Status"]["State"]
    kind = execution.get("StatementType", "")
    # Athena bills neither failed queries nor DDL that reads nothing (a CTAS does read)
    free = state == "FAILED" or (kind == "DDL" and scanned == 0)
    return QueryStats(
        query_id=query_id,
        state=state,
        statement_type=kind,
        scanned_bytes=scanned,
        cost_usd=0.0 if free else cost_usd(scanned),
        engine_ms=int(statistics.get("EngineExecutionTimeInMillis", 0) or 0),
    )


def _human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _convert(value: str | None, athena_type: str) -> Any:
    """Athena returns every value as text; give it the column's Python type, exactly: DECIMAL
    as `Decimal` (money must not pass through a float), timestamps with their zone, a missing
    value (NULL) as None and an empty string as ''."""
    if value is None:
        return None
    kind = athena_type.lower().split("(")[0].strip()
    if kind in ("tinyint", "smallint", "integer", "int", "bigint"):
        return int(value)
    if kind == "decimal":
        return Decimal(value)
    if kind in ("double", "float", "real"):
        return float(value)
    if kind == "boolean":
        return value.lower() == "true"
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "timestamp with time zone":
        stamp, _, zone = value.rpartition(" ")
        return datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(zone))
    if kind.startswith("timestamp"):
        return datetime.fromisoformat(value)
    return value


class AthenaEngine(Engine):
    """Models as Iceberg tables in the Glue databases of `settings.athena`."""

    name = "athena"
    dialect = "athena"

    TABLE_FORMAT = "iceberg"
    SUPPORTS_MERGE = True  # Iceberg tables take MERGE INTO / UPDATE / DELETE
    SUPPORTS_TRANSACTIONS = False  # one statement per query; each is its own Iceberg commit
    SUPPORTS_TEMP_TABLES = False  # stages are Parquet CTAS tables in the result location
    CREATES_TARGETS = False  # the Iceberg tables come from the deploy DDL
    READS_LAKE_FILES_DIRECTLY = False  # only catalog tables: bronze is an external CSV table
    MAX_QUERY_BYTES: ClassVar[int] = 262_144  # Athena rejects query strings above 256 KB
    MAX_PARTITIONS_PER_WRITE = 100  # Athena fails a CTAS/INSERT INTO writing more partitions

    def __init__(self, settings: Settings, client: AthenaClient | None = None, **kwargs: Any):
        super().__init__(settings)
        self._client = client
        self._client_options = kwargs

    @property
    def client(self) -> AthenaClient:
        """Created on first use, so rendering SQL needs neither boto3 nor credentials."""
        if self._client is None:
            self._client = AthenaClient(self.settings, **self._client_options)
        return self._client

    def relation(self, model: Model) -> str:
        return f"{database_for(model.layer, self.settings.athena)}.{model.table}"

    def exists(self, model: Model) -> bool:
        """Athena's tables are created ahead, by the deploy DDL (`lakehouse deploy setup`)."""
        return True

    def stage_columns(self, model: Model, stage: str, select: str) -> list[str]:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(select, read="athena")
        if not isinstance(tree, exp.Query):
            raise ModelError(f"{model.path}: the stage of {stage} is not a query: {select[:80]}")
        return output_columns(tree, model)

    def render(self, model: Model | str, params: dict[str, Any] | None = None) -> str:
        return to_athena(model, params, self.settings.athena)

    def statements(
        self,
        model: Model | str,
        params: dict[str, Any] | None = None,
        *,
        pretty: bool = False,
        partitions: Sequence[Any] | None = None,
    ) -> list[str]:
        """The statements `materialize` sends, in order (printable without an AWS account);
        `pretty` lays them out on several lines for people. `partitions` are the values the
        stage would hold: `materialize` reads them from the stage and splits a write of more
        than MAX_PARTITIONS_PER_WRITE; without them the writes are shown unsplit."""
        import sqlglot

        model = get_model(model) if isinstance(model, str) else model
        given = None if partitions is None else (lambda _model, _stage: partitions)
        sent = list(self.plan(model, params, given))
        if not pretty:
            return sent
        return [
            sqlglot.parse_one(q, read="athena").sql(dialect="athena", pretty=True) for q in sent
        ]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.client.fetch(sql)

    def execute(self, sql: str) -> int:
        if len(sql.encode()) > self.MAX_QUERY_BYTES:
            raise EngineError(f"Athena SQL exceeds 256 KB ({len(sql)} chars): {sql[:80]}...")
        return self.client.execute(sql).scanned_bytes

    def materialize(
        self, model: Model | str, params: dict[str, Any] | None = None
    ) -> MaterializeResult:
        result = super().materialize(model, params)
        log.info(
            "materialized %s (%s): %d statements", result.model, result.kind, result.statements
        )
        return result
