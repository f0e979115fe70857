"""Least-privilege inline policies for the stage functions, scoped to this stack's resources.

Athena runs a query with the caller's permissions, so a function that queries needs S3 on the
data it reads and writes plus the workgroup's result prefix, and Glue on the tables involved
(Iceberg commits update the Glue table; CTAS stages and views create and delete tables).
"""

from __future__ import annotations

from typing import Any

from lakehouse.aws.cfn import RESULTS_PREFIX, getatt, sub

_CATALOG = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}"
GLUE_ACTIONS = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
]
ATHENA_ACTIONS = [
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "athena:GetWorkGroup",
]


def _statement(sid: str, actions: list[str], resources: list[Any]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def function_policies(
    handler: str, queries_athena: bool, databases: dict[str, str]
) -> list[dict[str, Any]]:
    """The inline policy documents of one stage function."""
    objects = [sub("${LakeBucket.Arn}/${LakePrefix}/*")]
    if queries_athena:
        objects.append(sub(f"${{LakeBucket.Arn}}/{RESULTS_PREFIX}/*"))
    statements = [
        _statement(
            "ListLakeBucket",
            ["s3:ListBucket", "s3:GetBucketLocation"],
            [getatt("LakeBucket", "Arn")],
        ),
        _statement(
            "ReadWriteLakeObjects",
            [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            objects,
        ),
        _statement("PublishStageEvents", ["events:PutEvents"], [getatt("EventBus", "Arn")]),
    ]
    if queries_athena:
        names = sorted(set(databases.values()))
        glue = [sub(f"{_CATALOG}:catalog")]
        glue += [sub(f"{_CATALOG}:database/{name}") for name in names]
        glue += [sub(f"{_CATALOG}:table/{name}/*") for name in names]
        statements += [
            _statement("QueryInWorkGroup", ATHENA_ACTIONS, [_workgroup_arn()]),
            _statement("LakeCatalog", GLUE_ACTIONS, glue),
        ]
    return [{"Version": "2012-10-17", "Statement": statements}]


def _workgroup_arn() -> dict[str, str]:
    return sub(
        "arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}"
    )
