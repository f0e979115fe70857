"""The Step Functions orchestration: its definition run by moto's Step Functions interpreter
(which executes Task, Pass, Fail states, Retry and Catch, and the SQS integration) on the real
handlers, and each state's Retry/Catch checked against what the handlers really raise.

moto cannot run a container image, so its Lambda is given a small runtime for the test: it
calls the function's handler (`lakehouse.orchestration.handlers.<stage>_handler`, as the image command says)
in process with the payload, and reports an exception as the Python runtime does (`errorType`
= the class name, `FunctionError` set). The stages inside the handlers are recorders or raise
the failure under test; everything around them (event checks, ledger, retries, completion
events) is the product's."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import date

import boto3
import pytest
from botocore.exceptions import ClientError

from lakehouse.aws.statemachine import (
    FAILED,
    LAMBDA_ERRORS,
    NOTIFY,
    OUTAGE_ERRORS,
    QUEUE_PLACEHOLDER,
    definition,
    function_placeholder,
    state_name,
)
from lakehouse.aws.template import HANDLER_MODULE
from lakehouse.chain import STAGES
from lakehouse.config import load_settings
from lakehouse.errors import (
    ConfigError,
    EngineError,
    InputFileError,
    LakeNotFoundError,
    TransientStorageError,
)
from lakehouse.lake.retry import RetryPolicy
from lakehouse.lake.storage import open_storage
from lakehouse.orchestration.handlers import LocalContext, run_stage
from lakehouse.orchestration.ledger import Ledger

from .conftest import REGION

DAY = date(2026, 1, 14)
SCHEDULED = {
    "version": "0",
    "id": "sched-1",
    "source": "aws.events",
    "detail-type": "Scheduled Event",
    "time": "2026-01-15T01:00:00Z",
    "region": REGION,
    "resources": [],
    "detail": {},
}
"""What the 01:00 schedule starts an execution with (yesterday is 2026-01-14)."""
FAST = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=0.0, max_elapsed_s=1.0)


def retried(state: dict, error: str) -> bool:
    return any(error in r["ErrorEquals"] for r in state["Retry"])


def caught(state: dict, error: str) -> bool:
    return any(
        error in c["ErrorEquals"] or "States.ALL" in c["ErrorEquals"] for c in state["Catch"]
    )


# -- the definition --------------------------------------------------------------------------
def test_one_task_per_stage_in_order_each_retried_and_caught():
    states = definition()["States"]
    order, name = [], definition()["StartAt"]
    while name in states and states[name]["Type"] == "Task" and name != NOTIFY:
        order.append(name)
        name = states[name].get("Next")
    assert order == [state_name(s) for s in STAGES] and "End" in states[order[-1]]
    for stage in STAGES:
        task = states[state_name(stage)]
        assert task["Parameters"]["FunctionName"] == f"${{{function_placeholder(stage)}}}"
        assert task["Parameters"]["Payload.$"] == "$" and task["OutputPath"] == "$.Payload"
        for retry in task["Retry"]:
            assert 1 <= retry["MaxAttempts"] <= 5 and retry["BackoffRate"] > 1
            assert "States.ALL" not in retry["ErrorEquals"]  # never retry a logic error
        failed = states[task["Catch"][0]["Next"]]
        assert failed["Type"] == "Pass" and failed["Parameters"]["stage"] == stage
        assert failed["Next"] == NOTIFY
    assert states[NOTIFY]["Next"] == FAILED and states[FAILED]["Type"] == "Fail"


def test_retried_error_names_are_real_exception_classes():
    import lakehouse.errors

    for stage in STAGES:
        for retry in definition()["States"][state_name(stage)]["Retry"]:
            for name in retry["ErrorEquals"]:
                assert name in LAMBDA_ERRORS or isinstance(
                    getattr(lakehouse.errors, name, None), type
                ), name


# -- each stage's real failure types against its state's Retry and Catch ---------------------
def throttled(*_args, **_kwargs):
    raise ClientError({"Error": {"Code": "ThrottlingException"}}, "StartQueryExecution")


def failing_with(exc):
    def run(*_args, **_kwargs):
        raise exc

    return run


def raised_by(stage: str, fn, tmp_path, event=None) -> BaseException:
    settings = load_settings(environ={}, overrides={"lake": str(tmp_path / "lake")})
    open_storage(settings).ensure()
    context = LocalContext(settings=settings, stages={stage: fn}, retry=FAST, sleep=lambda _: None)
    request = event or {"id": "e", "detail": {"business_date": DAY.isoformat(), "run_id": "r"}}
    with pytest.raises(Exception) as info:
        run_stage(stage, request, context)
    return info.value


TRANSIENT = {
    "storage timeout": failing_with(TransientStorageError("read timed out")),
    "Athena throttling": throttled,
}
LOGIC = {
    "malformed raw file": failing_with(InputFileError("raw/sessions/x.csv: no column stamp")),
    "failing query": failing_with(EngineError("Athena query q-1 FAILED: column not found")),
    "missing lake": failing_with(LakeNotFoundError("s3://bucket/lake")),
    "bad setting": failing_with(ConfigError("setting 'engine' = 'x' is unknown")),
}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("failure", list(TRANSIENT), ids=list(TRANSIENT))
def test_an_outage_that_outlasts_the_handlers_retries_is_retried_by_its_state(
    stage, failure, tmp_path
):
    error = raised_by(stage, TRANSIENT[failure], tmp_path)
    state = definition()["States"][state_name(stage)]
    assert type(error).__name__ in OUTAGE_ERRORS
    assert retried(state, type(error).__name__)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("failure", list(LOGIC), ids=list(LOGIC))
def test_a_logic_error_is_not_retried_but_caught(stage, failure, tmp_path):
    error = raised_by(stage, LOGIC[failure], tmp_path)
    state = definition()["States"][state_name(stage)]
    assert not retried(state, type(error).__name__)
    assert caught(state, type(error).__name__)


@pytest.mark.parametrize("stage", STAGES)
def test_an_unusable_event_is_not_retried_but_caught(stage, tmp_path):
    bad = {"id": "e", "detail": {"business_date": "2026-13-01"}}
    error = raised_by(stage, failing_with(AssertionError("never called")), tmp_path, bad)
    assert type(error).__name__ == "EventError"
    state = definition()["States"][state_name(stage)]
    assert not retried(state, "EventError") and caught(state, "EventError")


# -- the definition executed by moto's Step Functions ----------------------------------------
class Runtime:
    """moto's Lambda, running the real handler of each function in process."""

    def __init__(self, settings, stages):
        self.context = LocalContext(
            settings=settings, stages=stages, retry=FAST, sleep=lambda _: None
        )
        self.invoked: list[tuple[str, dict]] = []

    def invoke(self, backend, function_name, qualifier, body, headers, response_headers):
        import importlib

        function = backend.get_function(function_name, qualifier)
        module, name = function.handler.rsplit(".", 1)
        event = json.loads(body)
        self.invoked.append((name, event))
        try:
            result = getattr(importlib.import_module(module), name)(event, self.context)
        except Exception as exc:
            response_headers["x-amz-function-error"] = "Unhandled"
            result = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        return json.dumps(result).encode()


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """Deploy the definition on moto (functions named for the stages, the dead-letter queue),
    and start executions with the schedule's event; waits shortened to a second."""
    from moto import mock_aws
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.core.config import DefaultConfig

    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "LAKEHOUSE_EVENT_BUS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    settings = load_settings(environ={}, overrides={"lake": str(tmp_path / "lake")})
    open_storage(settings).ensure()
    config: DefaultConfig = {
        "stepfunctions": {"execute_state_machine": True},
        "lambda": {"use_docker": False},
    }
    with mock_aws(config=config):
        role = boto3.client("iam").create_role(RoleName="day", AssumeRolePolicyDocument="{}")
        role_arn = role["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("placeholder.py", "")
        values = {}
        for stage in STAGES:
            created = boto3.client("lambda").create_function(
                FunctionName=f"tutor-{stage}",
                Role=role_arn,
                Runtime="python3.11",
                Handler=f"{HANDLER_MODULE}.{stage}_handler",
                Code={"ZipFile": code.getvalue()},
            )
            values[function_placeholder(stage)] = created["FunctionArn"]
        queue = boto3.client("sqs").create_queue(QueueName="dead-letters")["QueueUrl"]
        values[QUEUE_PLACEHOLDER] = queue
        text = json.dumps(definition())
        for key, value in values.items():
            text = text.replace(f"${{{key}}}", value)
        assert "${" not in text
        shortened = json.loads(text)
        for stage in STAGES:
            for retry in shortened["States"][state_name(stage)]["Retry"]:
                retry.update(IntervalSeconds=1, MaxDelaySeconds=1)
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="tutor-day", definition=json.dumps(shortened), roleArn=role_arn
        )["stateMachineArn"]

        def run(stages):
            runtime = Runtime(settings, stages)
            monkeypatch.setattr(
                LambdaSimpleBackend,
                "invoke",
                lambda backend, *args: runtime.invoke(backend, *args),
            )
            execution = sfn.start_execution(
                stateMachineArn=arn,
                name=f"day-{len(sfn.list_executions(stateMachineArn=arn)['executions'])}",
                input=json.dumps(SCHEDULED),
            )["executionArn"]
            deadline = time.monotonic() + 60
            while (found := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
                assert time.monotonic() < deadline, "execution still running after 60 s"
                time.sleep(0.1)
            messages = (
                boto3.client("sqs")
                .receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
                .get("Messages", [])
            )
            return found, runtime.invoked, [json.loads(m["Body"]) for m in messages]

        yield settings, run


def recorders(**overrides):
    def recorder(stage):
        def run(*_args, **_kwargs):
            return {"stage_ran": stage}

        return run

    return {stage: overrides.get(stage) or recorder(stage) for stage in STAGES}


def test_a_day_runs_every_stage_on_the_previous_stages_event(machine):
    settings, run = machine
    execution, invoked, dead = run(recorders())
    assert execution["status"] == "SUCCEEDED"
    assert [name for name, _ in invoked] == [f"{s}_handler" for s in STAGES]
    received = [event["detail-type"] for _, event in invoked]
    assert received == [
        "Scheduled Event",
        "SimulationCompleted",
        "IngestionCompleted",
        "MaterializationCompleted",
    ]
    output = json.loads(execution["output"])
    assert output["detail-type"] == "ExportCompleted"
    assert output["detail"]["business_date"] == DAY.isoformat()
    assert dead == []
    day = Ledger(open_storage(settings)).day(DAY)
    assert {stage: entry.status for stage, entry in day.items()} == dict.fromkeys(
        STAGES, "succeeded"
    )


def test_an_outage_is_retried_by_the_state_until_the_stage_succeeds(machine):
    _, run = machine
    attempts = []

    def flaky(*_args, **_kwargs):
        attempts.append(1)
        if len(attempts) <= 2 * FAST.max_attempts:  # two invocations' worth of retries
            raise TransientStorageError("S3 read timed out")
        return {"stage_ran": "materialize"}

    execution, invoked, dead = run(recorders(materialize=flaky))
    assert execution["status"] == "SUCCEEDED"
    assert [name for name, _ in invoked] == [
        "simulate_handler",
        "ingest_handler",
        "materialize_handler",
        "materialize_handler",
        "materialize_handler",
        "export_handler",
    ]
    assert dead == []


def test_a_failed_day_stops_at_its_stage_and_lands_in_the_dead_letter_queue(machine):
    settings, run = machine
    broken = failing_with(InputFileError("raw/sessions/ingest_date=2026-01-15: no column stamp"))
    execution, invoked, dead = run(recorders(ingest=broken))
    assert execution["status"] == "FAILED"
    assert execution["error"] == "InputFileError"  # the stage's own error, not retried
    assert "no column stamp" in json.loads(execution["cause"])["errorMessage"]
    assert [name for name, _ in invoked] == ["simulate_handler", "ingest_handler"]
    (message,) = dead
    assert message["stage"] == "ingest" and message["error"] == "InputFileError"
    assert message["execution"].startswith("arn:aws:states:")
    assert message["event"]["detail-type"] == "SimulationCompleted"  # what ingest was given
    entry = Ledger(open_storage(settings)).day(DAY)["ingest"]
    assert entry.status == "failed" and entry.error_type == "InputFileError"
