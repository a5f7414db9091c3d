"""Where a dataset's URL comes from, and that a password is never shown; masks."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopdb import ALICE, MASK_KEY, create, shop_policy

from mamori.connectors import connector_for, dataset_url, is_mask, mask_value, safe_url
from mamori.errors import ConfigError, NotFound
from mamori.settings import Settings


def _settings(**urls: str) -> Settings:
    return Settings.load(env={}, dataset_urls=urls or None)


def test_url_from_the_environment_wins_over_the_setting() -> None:
    settings = _settings(shop="sqlite:///from-settings.db")
    assert dataset_url(settings, "shop", env={}) == "sqlite:///from-settings.db"
    env = {"MAMORI_DATASET_SHOP_URL": "sqlite:///from-env.db"}
    assert dataset_url(settings, "shop", env=env) == "sqlite:///from-env.db"


def test_a_missing_url_names_both_places() -> None:
    with pytest.raises(ConfigError) as caught:
        dataset_url(_settings(), "shop", env={})
    assert "MAMORI_DATASET_SHOP_URL" in caught.value.message
    assert "dataset_urls.shop" in caught.value.message
    assert caught.value.exit_code == 2


def test_a_bad_url_is_reported_without_its_text() -> None:
    env = {"MAMORI_DATASET_SHOP_URL": "not a url with s3cret"}
    with pytest.raises(ConfigError) as caught:
        dataset_url(_settings(), "shop", env=env)
    assert "s3cret" not in caught.value.message
    assert "MAMORI_DATASET_SHOP_URL" in caught.value.message


def test_safe_url_hides_the_password() -> None:
    shown = safe_url("postgresql+psycopg://app:s3cret@db.internal:5432/shop")
    assert shown == "postgresql+psycopg://app:***@db.internal:5432/shop"
    assert safe_url("::::") == "<not a URL>"


def test_connector_for_builds_a_working_connector(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    env = {"MAMORI_DATASET_SHOP_URL": url}
    policy = shop_policy().policy
    with connector_for(_settings(), policy, "shop", MASK_KEY, env=env) as shop:
        create(shop.engine)
        assert shop.find(ALICE).count()["orders"] == 2
        # the policy's email items are matched case-insensitively
        assert shop.find({"email": ["CAROL@example.jp"]}).count()["customers"] == 1
    with pytest.raises(NotFound):
        connector_for(_settings(), policy, "crm", MASK_KEY, env=env)


def test_masks_fit_the_column_and_are_recognised() -> None:
    full = mask_value(MASK_KEY, "alice@example.jp")
    assert len(full) == 64 and full == mask_value(MASK_KEY, "alice@example.jp")
    assert is_mask(MASK_KEY, full)
    short = mask_value(MASK_KEY, "203.0.113.5", 20)
    assert len(short) == 20 and is_mask(MASK_KEY, short)
    assert not is_mask(b"x" * 32, full)  # another key does not recognise it
    assert not is_mask(MASK_KEY, "a" * 64)  # nor a genuine hex value (an APNs token)
    assert not is_mask(MASK_KEY, None)
    with pytest.raises(ValueError, match="at least 16"):
        mask_value(MASK_KEY, "1234", 4)
