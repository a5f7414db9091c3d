"""The JSON Schema of the policy format, for editors (YAML language servers read it)."""

from __future__ import annotations

from typing import Any

from mamori.policy.model import Policy

__all__ = ["SCHEMA_ID", "policy_schema"]

SCHEMA_ID = "https://mamori.dev/schema/policy-1.json"


def policy_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mamori policy (format 1)",
        "description": "A privacy policy declared as data: controller, items, purposes, "
        "recipients, roles, retention, requests, security measures and the data map.",
        **{k: v for k, v in schema.items() if k != "title"},
    }
