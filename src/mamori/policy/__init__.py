"""The policy declaration: model, loading and checks, rendering, diff, versions."""

from mamori.policy.diff import Change, PolicyDiff, Severity, diff
from mamori.policy.loader import LoadedPolicy, load_policy, parse_policy
from mamori.policy.model import Policy
from mamori.policy.render import policy_document, public_matters_document, render
from mamori.policy.schema import policy_schema
from mamori.policy.versions import PolicyVersion, PolicyVersions, PublishResult

__all__ = [
    "Change",
    "LoadedPolicy",
    "Policy",
    "PolicyDiff",
    "PolicyVersion",
    "PolicyVersions",
    "PublishResult",
    "Severity",
    "diff",
    "load_policy",
    "parse_policy",
    "policy_document",
    "policy_schema",
    "public_matters_document",
    "render",
]
