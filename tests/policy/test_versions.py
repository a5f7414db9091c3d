"""Publishing: immutable versions with effective dates; identical content is a no-op."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import Conflict, VersionNotFound
from mamori.policy.loader import parse_policy
from mamori.settings import Settings


@pytest.fixture
def core(database_url: str, example_path: Path, clock: FixedClock) -> Mamori:
    settings = Settings.load(
        env={"MAMORI_DATABASE_URL": database_url, "MAMORI_POLICY": str(example_path)}
    )
    with Mamori.open(settings, clock=clock) as core:
        yield core


def _changed(example_text: str) -> str:
    return example_text.replace("target_days: 14", "target_days: 10", 1)


def test_publish_then_identical_content_is_a_no_op(core: Mamori) -> None:
    first = core.versions.publish(core.policy)
    assert first.created and first.version.number == 1
    assert first.version.effective_on == dt.date(2026, 11, 25)
    assert first.changes is None
    again = core.versions.publish(core.policy)
    assert not again.created
    assert again.version == first.version
    assert len(core.versions.history()) == 1


def test_comments_and_layout_do_not_make_a_new_version(core: Mamori, example_text: str) -> None:
    core.versions.publish(core.policy)
    reformatted = parse_policy("# a comment\n" + example_text.replace("\n\n", "\n"))
    assert not core.versions.publish(reformatted).created


def test_a_changed_policy_becomes_the_next_version_with_its_changes(
    core: Mamori, example_text: str, clock: FixedClock
) -> None:
    core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
    clock.advance(dt.timedelta(hours=1))
    result = core.versions.publish(
        parse_policy(_changed(example_text)), effective=dt.date(2026, 12, 25)
    )
    assert result.created and result.version.label == "v2"
    assert result.changes is not None
    assert [c.kind for c in result.changes.changes] == ["requests_changed"]
    assert result.warnings == ()  # announced a month ahead
    history = core.versions.history()
    assert [v.number for v in history] == [1, 2]
    assert history[1].published_at == clock.now()
    assert core.versions.in_force().number == 1  # v2 is not in force before 25 Dec
    assert core.versions.in_force(dt.date(2026, 12, 25)).number == 2


def test_a_notice_change_effective_today_warns(core: Mamori, example_text: str) -> None:
    core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
    result = core.versions.publish(parse_policy(_changed(example_text)))
    assert any("announce" in w for w in result.warnings)


def test_versions_take_effect_in_order(core: Mamori, example_text: str) -> None:
    core.versions.publish(core.policy, effective=dt.date(2026, 12, 1))
    with pytest.raises(Conflict, match="before v1"):
        core.versions.publish(parse_policy(_changed(example_text)), effective=dt.date(2026, 11, 30))
    assert len(core.versions.history()) == 1


def test_lookup_by_number_label_or_hash_prefix(core: Mamori) -> None:
    version = core.versions.publish(core.policy).version
    assert core.versions.get(1) == version
    assert core.versions.get("v1") == version
    assert core.versions.get(version.content_hash[:10]) == version
    assert version.policy == core.policy.policy
    for ref in ("v9", "deadbeef00", "latest"):
        with pytest.raises(VersionNotFound):
            core.versions.get(ref)


def test_publishing_through_the_core_leaves_an_audit_entry(core: Mamori) -> None:
    result = core.publish(core.policy, effective=dt.date(2022, 3, 22), actor="cli:officer")
    [entry] = core.audit.tail(1)
    assert (entry.action, entry.actor) == ("policy_publish", "cli:officer")
    assert entry.detail["version"] == result.version.number
    assert entry.detail["hash"] == result.version.content_hash
    assert not core.publish(core.policy).created
    assert core.audit.count() == 1  # a no-op publish records nothing
