"""The Athena engine running stages against moto's Athena: the exact query sequence of an ingest
and of a materialize, each statement sent once, in order, in the workgroup.

moto does not execute SQL; a SELECT's answer is queued through moto's own API (its results
queue) just before the client fetches it, which is how moto lets tests give canned results.
Storage goes to the moto S3 server on 127.0.0.1 (the lake with the landed batch); Athena is
moto in process."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lakehouse.aws import pipeline
from lakehouse.aws.ddl import bronze_batch_views
from lakehouse.engines.athena import AthenaClient, AthenaEngine
from lakehouse.lake.storage import open_storage
from lakehouse.models import get_model

from .conftest import REGION, WORKGROUP

DAY = dt.date(2026, 1, 15)


def backend():
    from moto.athena.models import athena_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    return athena_backends[DEFAULT_ACCOUNT_ID][REGION]


class CannedAthena(AthenaClient):
    """The real client; before fetching a SELECT's rows it queues the canned answer in moto."""

    def __init__(self, settings, answers):
        super().__init__(settings, sleep=lambda _: None)
        self.answers = answers

    def results(self, query_id):
        from moto.athena.models import QueryResults

        query = backend().executions[query_id].query
        for needle, (names, rows) in self.answers.items():
            if needle in query:
                data = [[str(v) for v in r] for r in [names, *rows]]
                backend().query_results_queue.append(
                    QueryResults(
                        [{"Data": [{"VarCharValue": v} for v in r]} for r in data],
                        [{"Name": n, "Type": "varchar" if n != "n" else "bigint"} for n in names],
                    )
                )
                break
        return super().results(query_id)


@pytest.fixture
def lake(s3_settings, aws):
    settings = dataclasses.replace(
        s3_settings,
        engine="athena",
        athena=dataclasses.replace(
            s3_settings.athena, workgroup=WORKGROUP, region=REGION, output_location=""
        ),
    )
    storage = open_storage(settings)
    storage.ensure()
    land_batch(storage)
    return settings


def land_batch(storage) -> None:
    """Batch DAY: one session (of a student silver does not know yet), no dimension rows."""
    prefix = f"ingest_date={DAY.isoformat()}"
    storage.write_text(
        f"raw/sessions/{prefix}/new_sessions.csv",
        "session_id,student_id,tutor_id,subject_id,stamp,duration,status,source_batch_id,"
        "ingest_ts\n1,2,0,1,2026-01-14 13:00:00,1.0,0,sim_2026-01-15,2026-01-15 00:00:00.000\n",
    )
    storage.write_text(
        f"raw/students/{prefix}/students_delta.csv",
        "student_id,first_name,last_name,sex,date_of_birth,grade,status,contract_rate,created,"
        "updated,change_type,source_batch_id,ingest_ts\n",
    )


COUNTS = ["entity", "raw_rows", "kept_rows", "repaired_rows", "superseded_rows", "rejected_rows"]
INGEST_ANSWERS = {
    "FROM tutor_raw.tutors": (["source_batch_id"], [["sim_2026-01-15"]]),
    "ingest_counts:": (
        COUNTS,
        [
            ["sessions", 1, 1, 0, 0, 0],
            ["students", 0, 0, 0, 0, 0],
            ["tutors", 0, 0, 0, 0, 0],
            ["feedback", 0, 0, 0, 0, 0],
            ["test_scores", 0, 0, 0, 0, 0],
        ],
    ),
    "ingest_sessions:": (["superseded_earlier", "orphan_sessions"], [[0, 1]]),
    "months_written:": (["session_month"], [["2026-01"]]),
}
"""What moto answers the ingest's SELECTs: the batch id, and its result (one orphan session)."""


def sent() -> list[str]:
    return [e.query for e in backend().executions.values()]


def expected_queries(engine, name, params) -> list[str]:
    """What materialize sends for one model: its statements, and for a partitioned model the
    read of the stage's partition values (moto answers none: nothing is split, and a partition
    replace has no partition to delete)."""
    model = get_model(name) if isinstance(name, str) else name
    if model.kind == "view" or not model.partitioned_by:
        return engine.statements(model, params)
    statements = engine.statements(model, params, partitions=[])
    column, stage = model.partitioned_by, engine.stage_name(model)
    # drop the stale stage, CTAS the stage, read its partitions, then the DML
    read = f"SELECT DISTINCT {column} FROM {stage} ORDER BY {column}"
    return [*statements[:2], read, *statements[2:]]


def test_ingest_sends_the_bronze_views_batch_id_and_each_steps_statements_in_order(lake):
    from lakehouse.silver.ingest import ingest_models

    engine = AthenaEngine(lake, client=CannedAthena(lake, INGEST_ANSWERS))
    detail = pipeline.ingest(lake, DAY, engine)
    actual = sent()

    params = pipeline.ingest_params(lake, engine, DAY)
    assert params["session_files"] == f"raw/sessions/ingest_date={DAY}/new_sessions.csv"
    expected = [v.sql(dialect="athena") for v in bronze_batch_views(lake, DAY)]
    expected.append(engine.render(get_model("bronze.batch_id")))
    for model in ingest_models():
        expected += expected_queries(engine, model, params)
    # the result is read with the DuckDB ingest's queries (sql/results/)
    expected += [
        engine.render(get_model(f"results.{name}"), {"ingest_date": DAY})
        for name in ("ingest_counts", "ingest_sessions", "months_written")
    ]
    assert actual == expected
    assert all(e.workgroup.name == WORKGROUP for e in backend().executions.values())
    assert detail["source_batch_id"] == "sim_2026-01-15"
    assert detail["sessions"] == {
        "raw": 1, "kept": 1, "repaired": 0, "superseded": 0, "rejected": 0
    }  # fmt: skip
    assert (detail["kept_rows"], detail["rejected_rows"], detail["reconciled"]) == (1, 0, True)
    assert (detail["superseded_earlier"], detail["orphan_sessions"]) == (0, 1)
    assert detail["months_written"] == ["2026-01"]
    assert detail["engine"] == "athena" and detail["bytes_scanned"] >= 0
    # the steps' strategies: one MERGE per keyed model, stage/delete/insert/drop per partition
    merges = [q for q in actual if q.startswith("MERGE INTO")]
    assert [q.split()[2] for q in merges] == [
        "tutor_silver.dim_students",
        "tutor_silver.dim_tutors",
        "tutor_silver.fct_sessions",
        "tutor_silver.fct_feedback",
        "tutor_silver.fct_test_scores",
        "tutor_silver.ingest_batches",
    ]


def test_an_ingest_of_more_than_100_months_merges_fct_sessions_by_month_range(lake):
    months = [f"{y}-{m:02d}" for y in range(2017, 2026) for m in range(1, 13)]  # 108
    answers = {
        "FROM tutor_silver.fct_sessions__stage ORDER BY": (
            ["session_month"],
            [[m] for m in months],
        ),
        **INGEST_ANSWERS,
    }
    engine = AthenaEngine(lake, client=CannedAthena(lake, answers))
    pipeline.ingest(lake, DAY, engine)
    merges = [q for q in sent() if q.startswith("MERGE INTO tutor_silver.fct_sessions")]
    assert [q.split("WHERE session_month ", 1)[1].split(")")[0] for q in merges] == [
        "BETWEEN '2017-01' AND '2025-04'",
        "BETWEEN '2025-05' AND '2025-12'",
    ]


def test_ingest_is_recorded_and_not_run_twice(lake):
    engine = AthenaEngine(lake, client=CannedAthena(lake, INGEST_ANSWERS))
    first = pipeline.ingest(lake, DAY, engine)
    queries = len(sent())
    record = pipeline.ingested(open_storage(lake))[DAY]
    assert record == {"engine": "athena", "result": first}
    again = pipeline.ingest(lake, DAY, engine)
    assert again == {**first, "status": "already_ingested"}
    assert len(sent()) == queries  # nothing sent to Athena the second time


def test_ingest_without_a_landed_batch_fails_before_any_write(lake):
    engine = AthenaEngine(lake, client=CannedAthena(lake, {}))
    with pytest.raises(Exception, match="no raw batch landed at ingest_date=2026-01-14"):
        pipeline.ingest(lake, DAY - dt.timedelta(days=1), engine)
    assert not [q for q in sent() if q.startswith(("MERGE", "INSERT", "DELETE", "CREATE TABLE"))]


def test_materialize_runs_every_gold_model_then_counts_rows_and_copies_nothing(lake):
    from lakehouse.gold.materialize import gold_models, model_params

    answers = {
        "COUNT(*) AS n": (["n"], [[3]]),
        "gold_totals:": (["total_revenue", "total_contractor_pay"], [["1234.5", "987.25"]]),
    }
    engine = AthenaEngine(lake, client=CannedAthena(lake, answers))
    detail = pipeline.materialize(lake, DAY, engine)
    expected = []
    for model in gold_models():
        expected += expected_queries(engine, model, model_params(DAY))
    stored = [m.table for m in gold_models() if m.kind != "view"]
    expected += [f"SELECT COUNT(*) AS n FROM tutor_gold.{t}" for t in stored]
    expected.append(engine.render(get_model("results.gold_totals")))
    assert sent() == expected  # no UNLOAD: readers open the Iceberg tables themselves
    assert detail["row_counts"] == {f"gold.{t}": 3 for t in stored}
    assert (detail["total_revenue"], detail["total_contractor_pay"]) == (1234.5, 987.25)
    assert (detail["as_of"], detail["generated_at"]) == ("2026-01-15", "2026-01-15 02:00:00")
    assert detail["mode"] == "full" and detail["changed"] == [f"gold.{t}" for t in stored]
    assert "published" not in detail
    storage = open_storage(lake)
    assert storage.list("gold") == [] and storage.list("_staging") == []


def _event(source: str, detail_type: str) -> dict:
    business = (DAY - dt.timedelta(days=1)).isoformat()
    detail = {"business_date": business, "ingest_date": DAY.isoformat(), "run_id": "parity"}
    return {"version": "0", "id": "e-1", "source": source, "detail-type": detail_type,
            "time": f"{DAY}T01:00:00Z", "region": REGION, "resources": [], "detail": detail}  # fmt: skip


ATHENA_ONLY = {"engine", "bytes_scanned", "cost_usd"}
"""Detail keys only the Athena stages add: what the queries scanned and cost."""


def test_the_handlers_emit_the_same_detail_on_duckdb_and_athena(lake, local_settings, monkeypatch):
    """`lakehouse run` reads the same keys whichever engine ran the day (it showed "-" for the
    Athena ingest, whose detail had other keys)."""
    from lakehouse.lake.storage import init_lake
    from lakehouse.orchestration import handlers

    monkeypatch.delenv("LAKEHOUSE_EVENT_BUS", raising=False)
    simulated = _event("tutor.simulation", "SimulationCompleted")
    ingested = _event("tutor.silver.ingestion", "IngestionCompleted")

    init_lake(local_settings)
    land_batch(open_storage(local_settings))
    duck = handlers.LocalContext(settings=local_settings)
    duck_ingest = handlers.ingest_handler(simulated, duck)["detail"]
    duck_gold = handlers.materialize_handler(ingested, duck)["detail"]

    answers = {**INGEST_ANSWERS, "COUNT(*) AS n": (["n"], [[1]]),
               "gold_totals:": (["total_revenue", "total_contractor_pay"], [["60.0", "25.0"]])}  # fmt: skip
    engine = AthenaEngine(lake, client=CannedAthena(lake, answers))
    stages = {
        "ingest": lambda settings, day: pipeline.ingest_through(settings, day, engine),
        "materialize": lambda settings, as_of: pipeline.materialize(settings, as_of, engine),
    }
    athena = handlers.LocalContext(settings=lake, stages=stages)
    athena_ingest = handlers.ingest_handler(simulated, athena)["detail"]
    athena_gold = handlers.materialize_handler(ingested, athena)["detail"]

    assert set(athena_ingest) - set(duck_ingest) == ATHENA_ONLY
    assert set(duck_ingest) <= set(athena_ingest)
    assert set(athena_gold) - set(duck_gold) == ATHENA_ONLY
    assert set(duck_gold) <= set(athena_gold)
    # the same batch gives the same counts (moto answers what the DuckDB lake holds)
    for key in ("sessions", "kept_rows", "rejected_rows", "orphan_sessions", "months_written"):
        assert athena_ingest[key] == duck_ingest[key], key
    for key, value in duck_ingest.items():
        assert type(athena_ingest[key]) is type(value), key
