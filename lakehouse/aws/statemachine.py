"""The Step Functions orchestration: the day's stages as one state machine, on the same handlers.

The template's second orchestration (parameter `Orchestration = StepFunctions`; the EventBridge
chain is the default). The schedule starts one execution a day with its scheduled event, and
one Task state per stage (`lakehouse.events.STAGES`, in order) invokes the stage's function
with the event the state before returned: each handler returns the completion event it emitted,
which is exactly what the EventBridge chain would deliver to the next handler. So a handler
cannot tell the two apart, and its completion event still goes onto the bus and into the lake.

Failure handling, per state:

- `Retry` Lambda's own transient failures (`LAMBDA_ERRORS`: the service throttling or failing
  to run the function) within seconds;
- `Retry` `RetriesExhaustedError`, what a handler raises when a storage or Athena timeout or
  throttling outlasted its in-process retries (`lakehouse.retry`): a longer outage, tried
  again minutes later. Step Functions matches the exception's class name, which is what the
  Python runtime reports as `errorType`;
- anything else (a bad event, a malformed raw file, a failing query, a missing lake, the
  function timing out) is not worth repeating: `Catch` records which stage failed
  (`<Stage>Failed`), `NotifyFailure` sends that record to the dead-letter queue (the queue the
  EventBridge chain parks its failures in) and `DayFailed` ends the execution with the stage's
  own error name and cause. Every attempt is also in the lake's ledger, as in either mode.

The definition is plain data with `${...}` placeholders (the functions' ARNs and the queue's
URL) that the template fills in through `DefinitionSubstitutions`.
"""

from __future__ import annotations

from typing import Any

from lakehouse.chain import HANDLER_STAGE, STAGES
from lakehouse.errors import RetriesExhaustedError

LAMBDA_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
"""Errors of the Lambda service itself (not of the handler), which AWS advises retrying."""
OUTAGE_ERRORS = (RetriesExhaustedError.__name__,)
"""Handler errors that mean an outage longer than the in-process retries."""

LAMBDA_RETRY = {
    "ErrorEquals": list(LAMBDA_ERRORS),
    "IntervalSeconds": 2,
    "BackoffRate": 2.0,
    "MaxAttempts": 5,
    "MaxDelaySeconds": 30,
    "JitterStrategy": "FULL",
}
OUTAGE_RETRY = {
    "ErrorEquals": list(OUTAGE_ERRORS),
    "IntervalSeconds": 60,
    "BackoffRate": 2.0,
    "MaxAttempts": 3,
    "MaxDelaySeconds": 300,
    "JitterStrategy": "FULL",
}
"""Three more attempts, about 1, 2 and 4 minutes apart (at most 15 minutes of waiting)."""

NOTIFY = "NotifyFailure"
FAILED = "DayFailed"


def state_name(stage: str) -> str:
    return stage.title()


def function_placeholder(stage: str) -> str:
    """The substitution key of the stage function's ARN (`IngestFunctionArn`)."""
    return f"{state_name(stage)}FunctionArn"


QUEUE_PLACEHOLDER = "DeadLetterQueueUrl"


def _task(stage: str, next_state: str | None) -> dict[str, Any]:
    task: dict[str, Any] = {
        "Type": "Task",
        "Comment": f"Run the {stage} handler on the event the previous stage emitted",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {
            "FunctionName": f"${{{function_placeholder(stage)}}}",
            "Payload.$": "$",
        },
        "OutputPath": "$.Payload",
        "Retry": [dict(LAMBDA_RETRY), dict(OUTAGE_RETRY)],
        "Catch": [
            {
                "ErrorEquals": ["States.ALL"],
                "ResultPath": "$.error",
                "Next": f"{state_name(stage)}Failed",
            }
        ],
    }
    if next_state:
        task["Next"] = next_state
    else:
        task["End"] = True
    return task


def _failed(stage: str) -> dict[str, Any]:
    """What the dead-letter queue receives about a failed stage."""
    return {
        "Type": "Pass",
        "Parameters": {
            "stage": stage,
            "execution.$": "$$.Execution.Id",
            "error.$": "$.error.Error",
            "cause.$": "$.error.Cause",
            "event.$": "$",
        },
        "Next": NOTIFY,
    }


def definition() -> dict[str, Any]:
    """The Amazon States Language definition (placeholders unresolved)."""
    states: dict[str, Any] = {}
    for i, stage in enumerate(STAGES):
        following = state_name(STAGES[i + 1]) if i + 1 < len(STAGES) else None
        states[state_name(stage)] = _task(stage, following)
    for stage in STAGES:
        states[f"{state_name(stage)}Failed"] = _failed(stage)
    states[NOTIFY] = {
        "Type": "Task",
        "Comment": "Park the failure record in the dead-letter queue, like the chain's failures",
        "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": f"${{{QUEUE_PLACEHOLDER}}}", "MessageBody.$": "$"},
        "ResultPath": None,
        "Retry": [
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": 2,
                "BackoffRate": 2.0,
                "MaxAttempts": 3,
            }
        ],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notify_error", "Next": FAILED}],
        "Next": FAILED,
    }
    states[FAILED] = {"Type": "Fail", "ErrorPath": "$.error", "CausePath": "$.cause"}
    return {
        "Comment": "One business day of the tutor lakehouse: simulate, ingest, materialize, export",
        "StartAt": state_name(STAGES[0]),
        "States": states,
    }


def substitutions(function_ids: dict[str, str]) -> dict[str, Any]:
    """`DefinitionSubstitutions`: `function_ids` maps handler names to their logical ids."""
    values: dict[str, Any] = {
        function_placeholder(HANDLER_STAGE[handler]): {"Fn::GetAtt": [logical, "Arn"]}
        for handler, logical in function_ids.items()
    }
    values[QUEUE_PLACEHOLDER] = {"Ref": "DeadLetterQueue"}
    return values
