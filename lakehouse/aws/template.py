"""The AWS SAM template, built as data from the same rules the local bus runs.

One Lambda function per stage, each pointing at the stage's `handler(event, context)` in
`lakehouse.orchestration.handlers`; the EventBridge rules of the chain come from
`lakehouse.chain.RULES` (pattern and target), the 01:00 schedule from `lakehouse.chain.SCHEDULE`.
So renaming an event or adding a stage changes the local run and the deployed chain together.

Two orchestrations, chosen by the `Orchestration` parameter (`ORCHESTRATIONS`, the EventBridge
chain by default): `EventBridge` chains the functions with the rules; `StepFunctions` runs the
day as one state machine (`lakehouse.aws.statemachine`) that the schedule starts, and the chain's
rules stay deployed but DISABLED, so nothing runs a stage twice. The functions are the same.

Failure handling of the chain: EventBridge retries delivery (`RetryPolicy`) and parks
undeliverable events in the dead-letter queue; Lambda retries a failed asynchronous invocation
once and then sends the event to the same queue (the handlers already retry transient errors
inside one invocation). The state machine's own retries and failure state are described in
`lakehouse.aws.statemachine`.
IAM is per function and scoped to this stack's resources: the lake bucket, the three Glue
databases, the Athena workgroup and the event bus. The simulator gets no Athena or Glue.
"""

from __future__ import annotations

from typing import Any

from lakehouse.aws.cfn import RESULTS_PREFIX, getatt, ref, sub
from lakehouse.aws.iam import function_policies
from lakehouse.chain import RULES, SCHEDULE

PYTHON = "3.11"
BASE_IMAGE = f"public.ecr.aws/lambda/python:{PYTHON}"
"""AWS's Lambda base image. The functions ship as a container image because the dependencies
(DuckDB, pyarrow, polars, numpy, the Google client) exceed the 250 MB limit of a zip package."""
HANDLER_MODULE = "lakehouse.orchestration.handlers"
BUS_NAME = "tutor-lakehouse"
ORCHESTRATIONS = ("EventBridge", "StepFunctions")
"""Values of the template's `Orchestration` parameter; the first is the default."""
STAGE_SETTINGS: dict[str, dict[str, Any]] = {
    "simulate_handler": {"memory": 1024, "athena": False},
    "ingest_handler": {"memory": 2048, "athena": True},
    "materialize_handler": {"memory": 2048, "athena": True},
    "export_handler": {"memory": 1024, "athena": True},
}
"""Per handler: Lambda memory (MB) and whether it queries Athena/Glue."""


STATE_MACHINE = "DailyStateMachine"
USE_EVENTBRIDGE = "UseEventBridge"
USE_STEP_FUNCTIONS = "UseStepFunctions"


def logical_id(handler: str) -> str:
    """`materialize_handler` -> `MaterializeFunction`."""
    return handler.removesuffix("_handler").title().replace("_", "") + "Function"


def _parameters(orchestration: str) -> dict[str, Any]:
    return {
        "Orchestration": {
            "Type": "String",
            "Default": orchestration,
            "AllowedValues": list(ORCHESTRATIONS),
            "Description": "EventBridge: the stages chained by event rules; StepFunctions: one "
            "state machine per day, with retries and a failure state",
        },
        "BucketName": {
            "Type": "String",
            "Description": "Name of the new S3 bucket holding the lake and Athena results",
            "AllowedPattern": "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        },
        "LakePrefix": {"Type": "String", "Default": "lake", "Description": "Lake root in it"},
        "BytesScannedCutoff": {
            "Type": "Number",
            "Default": 10737418240,
            "MinValue": 10000000,
            "Description": "Athena cancels any query scanning more bytes (10 GB = $0.05)",
        },
        "ExportTargets": {
            "Type": "String",
            "Default": "local",
            "AllowedValues": ["local", "drive", "local,drive"],
        },
        "DriveFolderId": {"Type": "String", "Default": "", "Description": "Drive folder id"},
    }


def _storage(settings_db: dict[str, str]) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "LakeBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": ref("BucketName"),
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "expire-athena-results",
                            "Status": "Enabled",
                            "Prefix": f"{RESULTS_PREFIX}/",
                            "ExpirationInDays": 7,
                        },
                        {
                            "Id": "expire-old-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                        },
                    ]
                },
            },
        },
        "LakeBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": ref("LakeBucket"),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                getatt("LakeBucket", "Arn"),
                                sub("${LakeBucket.Arn}/*"),
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
    }
    for layer, name in settings_db.items():
        resources[f"{layer.title()}Database"] = {
            "Type": "AWS::Glue::Database",
            "Properties": {
                "CatalogId": ref("AWS::AccountId"),
                "DatabaseInput": {"Name": name, "Description": f"Tutor lakehouse {layer} layer"},
            },
        }
    resources["AthenaWorkGroup"] = {
        "Type": "AWS::Athena::WorkGroup",
        "Properties": {
            "Name": sub("${AWS::StackName}"),
            "RecursiveDeleteOption": True,
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "BytesScannedCutoffPerQuery": ref("BytesScannedCutoff"),
                "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                "ResultConfiguration": {
                    "OutputLocation": sub(f"s3://${{LakeBucket}}/{RESULTS_PREFIX}/"),
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                },
            },
        },
    }
    resources["EventBus"] = {"Type": "AWS::Events::EventBus", "Properties": {"Name": BUS_NAME}}
    resources["DeadLetterQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True},
    }
    resources["DeadLetterQueuePolicy"] = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [ref("DeadLetterQueue")],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "EventBridgeDeadLetters",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": getatt("DeadLetterQueue", "Arn"),
                        "Condition": {
                            "ArnLike": {
                                "aws:SourceArn": sub(
                                    "arn:${AWS::Partition}:events:${AWS::Region}:"
                                    "${AWS::AccountId}:rule/*"
                                )
                            }
                        },
                    }
                ],
            },
        },
    }
    return resources


def template(
    databases: dict[str, str],
    docker_context: str = "./lambda",
    orchestration: str = ORCHESTRATIONS[0],
) -> dict[str, Any]:
    """The SAM template as a dict; `databases` maps raw/silver/gold to Glue database names,
    `orchestration` is the default of the `Orchestration` parameter."""
    if orchestration not in ORCHESTRATIONS:
        raise ValueError(f"orchestration {orchestration!r} is not one of {ORCHESTRATIONS}")
    resources = _storage(databases)
    for handler, options in STAGE_SETTINGS.items():
        function = _function(handler, options, databases, function_policies)
        function["Metadata"] = {
            "Dockerfile": "Dockerfile",
            "DockerContext": docker_context,
            "DockerTag": f"python{PYTHON}",
        }
        resources[logical_id(handler)] = function
    resources[STATE_MACHINE] = _state_machine()
    outputs = {
        "LakeUri": {"Value": sub("s3://${LakeBucket}/${LakePrefix}")},
        "AthenaWorkGroupName": {"Value": ref("AthenaWorkGroup")},
        "EventBusName": {"Value": ref("EventBus")},
        "DeadLetterQueueUrl": {"Value": ref("DeadLetterQueue")},
        "StateMachineArn": {"Condition": USE_STEP_FUNCTIONS, "Value": ref(STATE_MACHINE)},
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": "Tutor Lakehouse: S3 lake, Glue + Athena (Iceberg), one Lambda per stage "
        "chained by EventBridge or run by a Step Functions state machine "
        "(rendered by `lakehouse deploy render`)",
        "Parameters": _parameters(orchestration),
        "Conditions": {
            USE_EVENTBRIDGE: {"Fn::Equals": [ref("Orchestration"), "EventBridge"]},
            USE_STEP_FUNCTIONS: {"Fn::Equals": [ref("Orchestration"), "StepFunctions"]},
        },
        "Globals": {
            "Function": {
                "Timeout": 900,
                "Architectures": ["x86_64"],
                "Environment": {"Variables": _environment(databases)},
            }
        },
        "Resources": resources,
        "Outputs": outputs,
    }


def _environment(databases: dict[str, str]) -> dict[str, Any]:
    return {
        "LAKEHOUSE_LAKE": sub("s3://${LakeBucket}/${LakePrefix}"),
        "LAKEHOUSE_ENGINE": "athena",
        "LAKEHOUSE_EVENT_BUS": ref("EventBus"),
        "LAKEHOUSE_S3_REGION": ref("AWS::Region"),
        "LAKEHOUSE_S3_PATH_STYLE": "false",
        "LAKEHOUSE_S3_USE_SSL": "true",
        "LAKEHOUSE_ATHENA_WORKGROUP": ref("AthenaWorkGroup"),
        "LAKEHOUSE_ATHENA_REGION": ref("AWS::Region"),
        "LAKEHOUSE_ATHENA_OUTPUT_LOCATION": sub(f"s3://${{LakeBucket}}/{RESULTS_PREFIX}/"),
        "LAKEHOUSE_ATHENA_RAW_DATABASE": databases["raw"],
        "LAKEHOUSE_ATHENA_SILVER_DATABASE": databases["silver"],
        "LAKEHOUSE_ATHENA_GOLD_DATABASE": databases["gold"],
        "LAKEHOUSE_EXPORT_TARGETS": ref("ExportTargets"),
        "LAKEHOUSE_EXPORT_DRIVE_FOLDER_ID": ref("DriveFolderId"),
    }


def _events(handler: str) -> dict[str, Any]:
    """The SAM events that invoke `handler`: its EventBridge rules (and the schedule)."""
    retry = {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}
    dead_letters = {"Arn": getatt("DeadLetterQueue", "Arn")}
    chained = {"Fn::If": [USE_EVENTBRIDGE, "ENABLED", "DISABLED"]}
    events: dict[str, Any] = {}
    for rule in RULES:
        if rule["target"] != handler:
            continue
        name = "".join(part.title() for part in rule["name"].split("-"))
        events[name] = {
            "Type": "EventBridgeRule",
            "Properties": {
                "EventBusName": ref("EventBus"),
                "Pattern": rule["pattern"],
                "State": chained,
                "RetryPolicy": retry,
                "DeadLetterConfig": dead_letters,
            },
        }
    if SCHEDULE["target"] == handler:
        events["DailySchedule"] = {
            "Type": "Schedule",
            "Properties": {
                "Schedule": SCHEDULE["expression"],
                "Description": "Simulate yesterday's business day at 01:00 UTC",
                "State": chained,
                "RetryPolicy": retry,
                "DeadLetterConfig": dead_letters,
            },
        }
    return events


def _state_machine() -> dict[str, Any]:
    """The day's stages as one state machine (deployed with `Orchestration = StepFunctions`),
    started by the schedule with the same event the simulate function gets in the chain."""
    from lakehouse.aws import statemachine

    functions = {handler: logical_id(handler) for handler in STAGE_SETTINGS}
    policies: list[Any] = [
        {"LambdaInvokePolicy": {"FunctionName": ref(logical)}} for logical in functions.values()
    ]
    policies.append({"SQSSendMessagePolicy": {"QueueName": getatt("DeadLetterQueue", "QueueName")}})
    return {
        "Type": "AWS::Serverless::StateMachine",
        "Condition": USE_STEP_FUNCTIONS,
        "Properties": {
            "Type": "STANDARD",
            "Definition": statemachine.definition(),
            "DefinitionSubstitutions": statemachine.substitutions(functions),
            "Policies": policies,
            "Events": {
                "DailySchedule": {
                    "Type": "Schedule",
                    "Properties": {
                        "Schedule": SCHEDULE["expression"],
                        "Description": "Run yesterday's business day at 01:00 UTC",
                        "RetryPolicy": {
                            "MaximumRetryAttempts": 4,
                            "MaximumEventAgeInSeconds": 3600,
                        },
                        "DeadLetterConfig": {"Arn": getatt("DeadLetterQueue", "Arn")},
                    },
                }
            },
        },
    }


def _function(
    handler: str, options: dict[str, Any], databases: dict[str, str], policies: Any
) -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "PackageType": "Image",
            "ImageConfig": {"Command": [f"{HANDLER_MODULE}.{handler}"]},
            "Description": f"Tutor lakehouse stage: {handler.removesuffix('_handler')}",
            "MemorySize": options["memory"],
            "EphemeralStorage": {"Size": 2048},
            "DeadLetterQueue": {"Type": "SQS", "TargetArn": getatt("DeadLetterQueue", "Arn")},
            "EventInvokeConfig": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600},
            "Policies": policies(handler, options["athena"], databases),
            "Events": _events(handler),
        },
    }
