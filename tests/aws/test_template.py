"""The SAM template: it passes cfn-lint, and each EventBridge rule it deploys routes the event
the code really emits for a stage to that stage's next handler, and nothing else.

Routing is tested on moto's EventBridge: the rendered rules (pattern as deployed) get an SQS
queue each as target, the handlers run with recording stage functions and publish their
completion events through `lakehouse.orchestration.handlers.put_event`, and each queue must receive exactly
the events its rule is for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from lakehouse.aws.template import (
    BUS_NAME,
    ORCHESTRATIONS,
    STATE_MACHINE,
    logical_id,
    template,
)
from lakehouse.chain import COMPLETED, SCHEDULE
from lakehouse.orchestration.events import request_event
from lakehouse.orchestration.handlers import HANDLERS, LocalContext, run_stage

from .conftest import REGION

DATABASES = {"raw": "tutor_raw", "silver": "tutor_silver", "gold": "tutor_gold"}


@pytest.fixture(scope="module")
def rendered() -> dict:
    return template(DATABASES)


@pytest.fixture(scope="module")
def lint_output(rendered, tmp_path_factory) -> dict[str, str]:
    """cfn-lint's findings for the template rendered in each orchestration mode and for
    deliberately broken copies (an invalid memory size; a state machine type that does not
    exist), from one cfn-lint run: the lint test is shown able to fail in both modes."""
    folder = tmp_path_factory.mktemp("cfn")
    step_functions = template(DATABASES, orchestration="StepFunctions")
    broken = json.loads(json.dumps(rendered))
    broken["Resources"]["IngestFunction"]["Properties"]["MemorySize"] = 100_000
    broken_machine = json.loads(json.dumps(step_functions))
    broken_machine["Resources"][STATE_MACHINE]["Properties"]["Type"] = "FAST"
    bodies = {
        "good": rendered,
        "step_functions": step_functions,
        "broken": broken,
        "broken_machine": broken_machine,
    }
    paths = {key: folder / f"{key}.yaml" for key in bodies}
    for key, body in bodies.items():
        paths[key].write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", *map(str, paths.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert not result.stderr.strip(), result.stderr
    lines = result.stdout.splitlines()
    return {key: "\n".join(x for x in lines if x.startswith(str(p))) for key, p in paths.items()}


def test_template_passes_cfn_lint_in_both_modes(lint_output):
    assert lint_output["good"] == ""
    assert lint_output["step_functions"] == ""


def test_cfn_lint_catches_a_broken_template(lint_output):
    assert "100000 is greater than the maximum of 32768" in lint_output["broken"]
    assert "'FAST' is not one of ['STANDARD', 'EXPRESS']" in lint_output["broken_machine"]


def test_the_mode_parameter_picks_the_orchestration(rendered):
    step_functions = template(DATABASES, orchestration="StepFunctions")
    assert rendered["Parameters"]["Orchestration"]["Default"] == "EventBridge"
    assert step_functions["Parameters"]["Orchestration"]["Default"] == "StepFunctions"
    assert rendered["Parameters"]["Orchestration"]["AllowedValues"] == list(ORCHESTRATIONS)
    assert {k: v for k, v in rendered.items() if k != "Parameters"} == {
        k: v for k, v in step_functions.items() if k != "Parameters"
    }  # one template; only the parameter's default differs
    machine = rendered["Resources"][STATE_MACHINE]
    assert machine["Condition"] == "UseStepFunctions"
    schedule = machine["Properties"]["Events"]["DailySchedule"]["Properties"]
    assert schedule["Schedule"] == SCHEDULE["expression"]
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    for handler in HANDLERS:
        stage = handler.removesuffix("_handler")
        assert substitutions[f"{stage.title()}FunctionArn"] == {
            "Fn::GetAtt": [logical_id(handler), "Arn"]
        }
    invoked = {
        p["LambdaInvokePolicy"]["FunctionName"]["Ref"]
        for p in machine["Properties"]["Policies"]
        if "LambdaInvokePolicy" in p
    }
    assert invoked == {logical_id(h) for h in HANDLERS}
    # the chain's rules and the functions' schedule are off in StepFunctions mode
    for resource in rendered["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"]["Events"].values():
            assert event["Properties"]["State"] == {
                "Fn::If": ["UseEventBridge", "ENABLED", "DISABLED"]
            }
    assert rendered["Conditions"]["UseEventBridge"] == {
        "Fn::Equals": [{"Ref": "Orchestration"}, "EventBridge"]
    }


def test_one_function_per_stage_on_the_real_handlers(rendered):
    functions = {
        name: r["Properties"]
        for name, r in rendered["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert set(functions) == {logical_id(h) for h in HANDLERS}
    for handler in HANDLERS:
        props = functions[logical_id(handler)]
        assert props["PackageType"] == "Image"
        assert props["ImageConfig"]["Command"] == [f"lakehouse.orchestration.handlers.{handler}"]
        assert props["DeadLetterQueue"]["TargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
        for event in props["Events"].values():
            assert event["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] > 0
            assert "DeadLetterConfig" in event["Properties"]
    env = rendered["Globals"]["Function"]["Environment"]["Variables"]
    assert env["LAKEHOUSE_ENGINE"] == "athena"
    assert env["LAKEHOUSE_EVENT_BUS"] == {"Ref": "EventBus"}
    metadata = rendered["Resources"]["IngestFunction"]["Metadata"]
    assert metadata["DockerContext"] == "./lambda" and metadata["Dockerfile"] == "Dockerfile"
    schedule = functions[logical_id(SCHEDULE["target"])]["Events"]["DailySchedule"]
    assert schedule["Properties"]["Schedule"] == "cron(0 1 * * ? *)"


def test_iam_is_scoped_to_the_stack_resources(rendered):
    for name, resource in rendered["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"]["Policies"]:
            for statement in policy["Statement"]:
                assert "*" not in statement["Resource"], (name, statement)
                assert all(not a.endswith(":*") for a in statement["Action"]), (name, statement)
    simulate = rendered["Resources"]["SimulateFunction"]["Properties"]["Policies"]
    actions = {a for p in simulate for s in p["Statement"] for a in s["Action"]}
    assert not any(a.startswith(("athena:", "glue:")) for a in actions)


def _deployed_rules(rendered: dict) -> list[tuple[str, str, dict]]:
    """(function, event name, pattern) for every EventBridge rule on the bus."""
    rules = []
    for name, resource in rendered["Resources"].items():
        for event_name, event in resource.get("Properties", {}).get("Events", {}).items():
            if event["Type"] == "EventBridgeRule":
                rules.append((name, event_name, event["Properties"]["Pattern"]))
    return rules


def _emitted_events(tmp_path, monkeypatch) -> list[dict]:
    """The completion event each handler emits (stage functions replaced by recorders), plus
    the event that requests a day, all published through the real EventBridge client code."""
    from lakehouse.config import load_settings

    monkeypatch.setenv("LAKEHOUSE_EVENT_BUS", BUS_NAME)
    settings = load_settings(environ={}, overrides={"lake": str(tmp_path / "lake")})
    calls: list[str] = []

    def recorder(stage):
        def run(*args, **kwargs):
            calls.append(stage)
            return {"rows": 1}

        return run

    context = LocalContext(settings=settings, stages={s: recorder(s) for s in COMPLETED})
    from datetime import date

    from lakehouse.orchestration.handlers import put_event

    request = request_event(date(2026, 1, 14), "run-test")
    put_event(request, BUS_NAME)
    events = [request]
    for stage in COMPLETED:
        events.append(run_stage(stage, request, context))
    assert calls == list(COMPLETED)
    return events


def test_each_rule_matches_the_event_its_stage_emits_and_no_other(
    aws, rendered, tmp_path, monkeypatch
):
    events_api = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events_api.create_event_bus(Name=BUS_NAME)
    queues = {}
    for function, event_name, pattern in _deployed_rules(rendered):
        arn = events_api.put_rule(
            Name=event_name, EventBusName=BUS_NAME, EventPattern=json.dumps(pattern)
        )["RuleArn"]
        url = sqs.create_queue(QueueName=event_name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        events_api.put_targets(
            Rule=event_name,
            EventBusName=BUS_NAME,
            Targets=[{"Id": "1", "Arn": queue_arn["Attributes"]["QueueArn"]}],
        )
        assert arn
        queues[function] = url

    emitted = _emitted_events(tmp_path, monkeypatch)

    received = {}
    for function, url in queues.items():
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        received[function] = [json.loads(m["Body"])["detail-type"] for m in messages]
    # request -> simulate -> ingest -> materialize -> export; ExportCompleted triggers nothing
    assert received == {
        "SimulateFunction": ["SimulationRequested"],
        "IngestFunction": ["SimulationCompleted"],
        "MaterializeFunction": ["IngestionCompleted"],
        "ExportFunction": ["MaterializationCompleted"],
    }
    assert [e["detail-type"] for e in emitted] == [
        "SimulationRequested",
        "SimulationCompleted",
        "IngestionCompleted",
        "MaterializationCompleted",
        "ExportCompleted",
    ]


def test_scheduled_event_triggers_no_chain_rule(rendered):
    """The 01:00 schedule's event (source aws.events) reaches only the simulate function."""
    from moto.events.models import EventPattern
    from moto.events.utils import EventMessageType

    scheduled: EventMessageType = {
        "version": "0",
        "id": "x",
        "source": "aws.events",
        "detail-type": "Scheduled Event",
        "account": "123456789012",
        "time": "2026-01-15T01:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {},
    }
    for _, _, pattern in _deployed_rules(rendered):
        assert not EventPattern(json.dumps(pattern), pattern).matches_event(scheduled)
