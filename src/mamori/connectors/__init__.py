"""Connectors: a person's rows in the systems of the data map (``datasets``), found,
disclosed, erased and corrected as the map says.

    plan = build_plan(policy, "shop")                  # validate and order the traversal
    with connector_for(settings, policy, "shop", key) as shop:
        shop.disclose({"email": ["taro@example.jp"]})
        shop.erase({"email": ["taro@example.jp"]})
"""

from mamori.connectors.errors import ConnectorError
from mamori.connectors.executor import Connector, Identities
from mamori.connectors.mask import is_mask, mask_value
from mamori.connectors.plan import Detach, Link, Plan, Step, build_plan, check_datasets
from mamori.connectors.reports import CorrectReport, EraseReport, Found, TableChange
from mamori.connectors.urls import connector_for, dataset_url, safe_url

__all__ = [
    "Connector",
    "ConnectorError",
    "CorrectReport",
    "Detach",
    "EraseReport",
    "Found",
    "Identities",
    "Link",
    "Plan",
    "Step",
    "TableChange",
    "build_plan",
    "check_datasets",
    "connector_for",
    "dataset_url",
    "is_mask",
    "mask_value",
    "safe_url",
]
