"""Where a dataset's system is: its URL from the settings or the environment.

``MAMORI_DATASET_<ID>_URL`` (the dataset id in capitals) wins over the ``dataset_urls``
setting, as the environment wins over the config file everywhere in mamori. A URL is never
shown with its password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mamori.connectors.executor import Connector
from mamori.errors import ConfigError, NotFound
from mamori.policy.model import Normaliser, Policy
from mamori.settings import ENV_PREFIX, Settings

__all__ = ["connector_for", "dataset_url", "env_var", "safe_url"]


def env_var(dataset_id: str) -> str:
    """The environment variable that may hold the dataset's URL."""
    return f"{ENV_PREFIX}DATASET_{dataset_id.upper()}_URL"


def safe_url(url: str) -> str:
    """The URL as it may be shown: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a URL>"


def dataset_url(
    settings: Settings, dataset_id: str, *, env: Mapping[str, str] | None = None
) -> str:
    """The dataset's URL; :class:`ConfigError` naming both places when neither has it."""
    env = os.environ if env is None else env
    var = env_var(dataset_id)
    url = env.get(var) or settings.dataset_urls.get(dataset_id)
    source = f"env {var}" if env.get(var) else f"setting dataset_urls['{dataset_id}']"
    if not url:
        raise ConfigError(
            f"no URL for dataset '{dataset_id}': set {var} or "
            f"dataset_urls.{dataset_id} in mamori.toml"
        )
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError(f"{source} is not a database URL") from None
    return url


def connector_for(
    settings: Settings,
    policy: Policy,
    dataset_id: str,
    mask_key: bytes,
    *,
    env: Mapping[str, str] | None = None,
) -> Connector:
    """A connector for one dataset of ``policy``, on the URL the settings give; email items
    (those with the ``email`` normaliser) are matched case-insensitively."""
    dataset = policy.datasets.get(dataset_id)
    if dataset is None:
        known = ", ".join(sorted(policy.datasets)) or "none"
        raise NotFound(f"no dataset '{dataset_id}' in the policy (datasets: {known})")
    url = dataset_url(settings, dataset_id, env=env)
    emails = {i for i, item in policy.items.items() if item.normaliser is Normaliser.email}
    return Connector(dataset_id, dataset, url, mask_key, case_insensitive=emails)
