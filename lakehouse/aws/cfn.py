"""CloudFormation building blocks the SAM template and its IAM policies share."""

from __future__ import annotations

RESULTS_PREFIX = "athena-results"
"""Bucket prefix of the Athena workgroup's query results."""


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def getatt(resource: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource, attribute]}
