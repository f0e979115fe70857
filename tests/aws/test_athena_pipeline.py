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
from lakehouse.models import get_model
from lakehouse.storage import open_storage

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
    return settings


def sent() -> list[str]:
    return [e.query for e in backend().executions.values()]


def expected_queries(engine, name, params) -> list[str]:
    """What materialize sends for one model: its statements, and for a partitioned model the
    read of the stage's partition values (moto answers none, so nothing is split)."""
    model = get_model(name) if isinstance(name, str) else name
    statements = engine.statements(model, params)
    if model.kind == "view" or not model.partitioned_by:
        return statements
    column, stage = model.partitioned_by, engine.stage_name(model)
    # drop the stale stage, CTAS the stage, read its partitions, then the DML
    read = f"SELECT DISTINCT {column} FROM {stage} ORDER BY {column}"
    return [*statements[:2], read, *statements[2:]]


def test_ingest_sends_the_bronze_views_batch_id_and_each_steps_statements_in_order(lake):
    from lakehouse.stages.ingest import STEPS

    answers = {
        "FROM tutor_raw.tutors": (["source_batch_id"], [["sim_2026-01-15"]]),
        "COUNT(*) AS n": (["n"], [[1]]),
    }
    engine = AthenaEngine(lake, client=CannedAthena(lake, answers))
    detail = pipeline.ingest(lake, DAY, engine)
    actual = sent()

    params = pipeline.ingest_params(lake, engine, DAY)
    assert params["session_files"] == f"raw/sessions/ingest_date={DAY}/new_sessions.csv"
    expected = [v.sql(dialect="athena") for v in bronze_batch_views(lake, DAY)]
    expected.append(engine.render(get_model("bronze.batch_id")))
    for name in STEPS:
        expected += expected_queries(engine, name, params)
    expected += [
        "SELECT COUNT(*) AS n FROM tutor_silver.fct_sessions",
        "SELECT COUNT(*) AS n FROM tutor_silver.err_sessions "
        "WHERE ingest_date = CAST('2026-01-15' AS DATE)",
    ]
    assert actual == expected
    assert all(e.workgroup.name == WORKGROUP for e in backend().executions.values())
    assert detail["source_batch_id"] == "sim_2026-01-15"
    assert detail["fct_sessions_rows"] == 1
    # the steps' strategies: one MERGE per keyed model, stage/delete/insert/drop per partition
    merges = [q for q in actual if q.startswith("MERGE INTO")]
    assert [q.split()[2] for q in merges] == [
        "tutor_silver.dim_students",
        "tutor_silver.dim_tutors",
        "tutor_silver.fct_sessions",
        "tutor_silver.ingest_batches",
    ]


def test_an_ingest_of_more_than_100_months_merges_fct_sessions_by_month_range(lake):
    months = [f"{y}-{m:02d}" for y in range(2017, 2026) for m in range(1, 13)]  # 108
    answers = {
        "FROM tutor_raw.tutors": (["source_batch_id"], [["sim_2026-01-15"]]),
        "SELECT DISTINCT session_month": (["session_month"], [[m] for m in months]),
        "COUNT(*) AS n": (["n"], [[1]]),
    }
    engine = AthenaEngine(lake, client=CannedAthena(lake, answers))
    pipeline.ingest(lake, DAY, engine)
    merges = [q for q in sent() if q.startswith("MERGE INTO tutor_silver.fct_sessions")]
    assert [q.split("WHERE session_month ", 1)[1].split(")")[0] for q in merges] == [
        "BETWEEN '2017-01' AND '2025-04'",
        "BETWEEN '2025-05' AND '2025-12'",
    ]


def test_ingest_is_recorded_and_not_run_twice(lake):
    answers = {
        "FROM tutor_raw.tutors": (["source_batch_id"], [["sim_2026-01-15"]]),
        "COUNT(*) AS n": (["n"], [[1]]),
    }
    engine = AthenaEngine(lake, client=CannedAthena(lake, answers))
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
    from lakehouse.stages.materialize import gold_models, model_params

    engine = AthenaEngine(lake, client=CannedAthena(lake, {"COUNT(*) AS n": (["n"], [[3]])}))
    detail = pipeline.materialize(lake, DAY, engine)
    expected = []
    for model in gold_models():
        expected += expected_queries(engine, model, model_params(DAY))
    stored = [m.table for m in gold_models() if m.kind != "view"]
    expected += [f"SELECT COUNT(*) AS n FROM tutor_gold.{t}" for t in stored]
    assert sent() == expected  # no UNLOAD: readers open the Iceberg tables themselves
    assert detail["row_counts"] == {f"gold.{t}": 3 for t in stored}
    assert "published" not in detail
    storage = open_storage(lake)
    assert storage.list("gold") == [] and storage.list("_staging") == []
