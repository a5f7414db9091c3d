"""The vault, in the policy's words: only declared items for declared purposes, encrypted,
every use decided and recorded, erasure that leaves nothing to decrypt."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.access import Actor, LegalException
from mamori.clock import FixedClock
from mamori.core import Mamori
from mamori.errors import AccessDenied, CollectRefused, NoPolicyInForce, SubjectNotFound
from mamori.keys import DecryptionError
from mamori.settings import Settings
from mamori.vault import Collected
from mamori.vault.record import pack, unpack
from mamori.vault.vault import new_subject_id, new_subject_ids

SUPPORT = Actor("staff-1", "support")
MARKETING = Actor("staff-2", "marketing")
OFFICER = Actor("officer-1", "officer")

ALICE = {
    "name": "山田　花子",
    "email": " Hanako.Yamada@Example.JP ",
    "phone": "090-1234-5678",
    "birth_date": "昭和60年1月2日",
    "device_info": "iPhone15,2 iOS 18.1",
    "device_token": "A" * 64,
}


@pytest.fixture
def core(
    database_url: str, example_path: Path, clock: FixedClock, tmp_path: Path
) -> Iterator[Mamori]:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core:
        core.versions.publish(core.policy, effective=dt.date(2022, 3, 22))
        yield core


def _alice(core: Mamori) -> str:
    return core.vault.collect(None, ALICE, "account_admin", OFFICER, "signup-form").subject


def _count(core: Mamori, table: str, where: str = "1 = 1") -> int:
    with core.store.engine.connect() as conn:
        return int(
            conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()
        )


def _keys_held(core: Mamori) -> int:
    """Subjects whose wrapped data key is still stored."""
    return _count(core, "subjects", "wrapped IS NOT NULL")


def _values_held(core: Mamori) -> int:
    """Subjects with sealed values stored."""
    return _count(core, "subjects", "sealed IS NOT NULL OR ledger IS NOT NULL")


def test_collection_gives_an_opaque_id_and_stores_normalised_values(core: Mamori) -> None:
    collected = core.vault.collect(None, ALICE, "account_admin", OFFICER, "signup-form")
    assert collected.created and collected.subject.startswith("s_")
    assert "hanako" not in collected.subject
    use = core.vault.use(collected.subject, list(ALICE), "account_admin", OFFICER)
    assert use.values == {
        "name": "山田 花子",
        "email": "hanako.yamada@example.jp",
        "phone": "+819012345678",
        "birth_date": "1985-01-02",
        "device_info": "iPhone15,2 iOS 18.1",
        "device_token": "a" * 64,
    }


def test_nothing_is_collected_before_a_policy_is_published(
    database_url: str, example_path: Path, clock: FixedClock
) -> None:
    env = {
        "MAMORI_DATABASE_URL": database_url,
        "MAMORI_POLICY": str(example_path),
        "MAMORI_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    with Mamori.open(Settings.load(env=env), clock=clock) as core, pytest.raises(NoPolicyInForce):
        core.vault.collect(None, {"name": "x"}, "account_admin", OFFICER, "form")


@pytest.mark.parametrize(
    ("values", "purpose", "problems"),
    [
        ({"shoe_size": "27"}, "account_admin", {"shoe_size": "item_unknown"}),
        ({"birth_date": "1985-01-02"}, "sales", {"birth_date": "not_needed_by_purpose"}),
        ({"phone": "12345"}, "account_admin", {"phone": "bad_prefix"}),
        ({"birth_date": "2025-02-30"}, "account_admin", {"birth_date": "impossible_date"}),
        ({"device_info": "1234 5678 9018"}, "account_admin", {"device_info": "my_number_refused"}),
        ({}, "account_admin", {"-": "no_values"}),
    ],
)
def test_collection_refuses_what_the_policy_does_not_allow(
    core: Mamori, values: dict[str, str], purpose: str, problems: dict[str, str]
) -> None:
    before = (_count(core, "subjects"), _count(core, "audit_log"))
    with pytest.raises(CollectRefused) as caught:
        core.vault.collect(None, values, purpose, OFFICER, "form")
    assert caught.value.problems == problems
    assert (_count(core, "subjects"), _count(core, "audit_log")) == before
    for value in values.values():
        assert value not in str(caught.value)


def test_an_unknown_purpose_is_refused(core: Mamori) -> None:
    with pytest.raises(CollectRefused, match="unknown purpose 'ads'"):
        core.vault.collect(None, {"name": "x"}, "ads", OFFICER, "form")


def test_a_role_cannot_collect_for_a_purpose_it_does_not_serve(core: Mamori) -> None:
    with pytest.raises(AccessDenied):
        core.vault.collect(None, {"name": "佐藤"}, "account_admin", MARKETING, "form")
    [entry] = core.audit.tail(1)
    assert entry.action == "deny" and "role_lacks_purpose" in entry.detail["reasons"]


def test_find_by_email_and_phone_in_any_common_form(core: Mamori) -> None:
    sid = _alice(core)
    assert core.vault.find("email", "HANAKO.YAMADA@example.jp") == [sid]
    assert core.vault.find("phone", "+81 90 1234 5678") == [sid]
    assert core.vault.find("phone", "０９０１２３４５６７８") == [sid]
    assert core.vault.find("device_token", "a" * 64) == [sid]
    assert core.vault.find("email", "someone@example.jp") == []
    with pytest.raises(CollectRefused, match="cannot be searched"):
        core.vault.find("birth_date", "1985-01-02")


def test_support_staff_read_contact_details_to_answer_an_inquiry(core: Mamori) -> None:
    sid = _alice(core)
    use = core.vault.use(sid, ["name", "email"], "inquiries", SUPPORT)
    assert use.allowed and use.values["email"] == "hanako.yamada@example.jp"
    [entry] = core.audit.tail(1)
    assert (entry.action, entry.subject, entry.purpose) == ("use", sid, "inquiries")
    assert list(entry.items) == ["name", "email"]


def test_support_staff_cannot_read_birth_date_for_sales_and_the_deny_is_recorded(
    core: Mamori,
) -> None:
    sid = _alice(core)
    use = core.vault.use(sid, ["birth_date"], "sales", SUPPORT)
    assert not use.allowed
    with pytest.raises(AccessDenied):
        _ = use.values
    [entry] = core.audit.tail(1)
    assert entry.action == "deny" and entry.subject == sid
    assert "role_lacks_item" in entry.detail["reasons"]
    assert "1985" not in str(entry.to_dict())


def test_use_beyond_purposes_under_a_legal_exception_is_flagged(core: Mamori) -> None:
    sid = _alice(core)
    use = core.vault.use(
        sid, ["phone"], "police_inquiry", OFFICER, exception=LegalException.law, note="照会 2026-1"
    )
    assert use.allowed and use.decision.flagged
    [entry] = core.audit.tail(1)
    assert entry.action == "legal_exception" and entry.detail["exception"] == "law"


def test_use_many_streams_one_decision_and_one_entry_per_subject(core: Mamori) -> None:
    ids = [
        r.subject
        for r in core.vault.collect_many(
            [(None, {"name": f"利用者{i}", "email": f"u{i}@example.jp"}) for i in range(1200)],
            "account_admin",
            OFFICER,
            "import",
        )
    ]
    before = _count(core, "audit_log")
    uses = list(core.vault.use_many([*ids, "s_missing"], ["email"], "inquiries", SUPPORT))
    assert len(uses) == 1201
    assert uses[5].values == {"email": "u5@example.jp"}
    assert uses[-1].decision.reasons == ("subject_unknown",)
    assert _count(core, "audit_log") == before + 1201


def test_a_refused_row_in_a_batch_stores_nothing_of_that_row(core: Mamori) -> None:
    results = list(
        core.vault.collect_many(
            [
                (None, {"name": "甲"}),
                (None, {"name": "乙", "phone": "bad"}),
                (None, {"name": "丙"}),
            ],
            "account_admin",
            OFFICER,
            "import",
        )
    )
    assert [type(r).__name__ for r in results] == ["Collected", "Refused", "Collected"]
    assert results[1].problems == {"phone": "bad_character"}  # type: ignore[union-attr]
    assert _count(core, "subjects") == 2


@pytest.mark.parametrize("batch_size", [5000, 2, 1])
def test_a_batch_of_new_and_known_subjects_keeps_the_order_of_its_rows(
    core: Mamori, batch_size: int
) -> None:
    sid = _alice(core)
    before = core.audit.count()
    rows: list[tuple[str | None, dict[str, object]]] = [
        (None, {"name": "甲", "email": "ko@example.jp"}),
        (sid, {"email": "second@example.jp"}),
        ("s_nobody", {"name": "乙"}),
        (None, {"name": "丙"}),
        (sid, {"email": "third@example.jp"}),
    ]
    results = list(
        core.vault.collect_many(rows, "account_admin", OFFICER, "import", batch_size=batch_size)
    )
    assert [getattr(r, "index", None) for r in results] == [0, 1, 2, 3, 4]
    assert [type(r).__name__ for r in results] == [
        "Collected",
        "Collected",
        "Refused",
        "Collected",
        "Collected",
    ]
    first, known, _, other, again = results
    assert first.created and other.created and first.subject != other.subject  # type: ignore[union-attr]
    assert known.versions == {"email": 2} and again.versions == {"email": 3}  # type: ignore[union-attr]
    assert core.vault.find("email", "third@example.jp") == [sid]
    assert core.vault.find("email", "second@example.jp") == []
    assert core.vault.find("email", "ko@example.jp") == [first.subject]  # type: ignore[union-attr]
    use = core.vault.use(sid, ["email"], "account_admin", OFFICER)
    assert use.values == {"email": "third@example.jp"}
    entries = core.audit.tail(5)[:4]
    assert core.audit.count() == before + 5  # four collections and the use
    assert [(e.action, e.subject, e.detail["created"]) for e in entries] == [
        ("collect", first.subject, True),  # type: ignore[union-attr]
        ("collect", sid, False),
        ("collect", other.subject, True),  # type: ignore[union-attr]
        ("collect", sid, False),
    ]
    assert core.audit.verify().ok


def test_many_batches_are_written_in_order_while_the_next_is_prepared(core: Mamori) -> None:
    rows: list[tuple[str | None, dict[str, object]]] = [
        (None, {"name": f"利用者{i}", "email": f"u{i}@example.jp"}) for i in range(230)
    ]
    rows[57] = (None, {"name": "x", "phone": "bad"})
    rows[199] = ("s_nobody", {"name": "乙"})
    results = list(core.vault.collect_many(rows, "account_admin", OFFICER, "import", batch_size=40))
    assert [r.index for r in results] == list(range(230))
    refused = [r.index for r in results if not isinstance(r, Collected)]
    assert refused == [57, 199]
    made = [r.subject for r in results if isinstance(r, Collected)]
    assert len(set(made)) == 228 and _count(core, "subjects") == 228
    assert core.vault.find("email", "u229@example.jp") == [made[-1]]
    entries = core.audit.tail(228)
    assert [e.subject for e in entries] == made and core.audit.verify().ok


def test_a_caller_that_stops_early_leaves_whole_batches(core: Mamori) -> None:
    rows = ((None, {"name": f"利用者{i}"}) for i in range(100))
    stream = core.vault.collect_many(rows, "account_admin", OFFICER, "import", batch_size=10)
    first = [next(stream) for _ in range(15)]
    stream.close()
    assert len({r.subject for r in first if isinstance(r, Collected)}) == 15
    stored = _count(core, "subjects")
    assert stored % 10 == 0 and 20 <= stored <= 40
    assert core.audit.count() == stored and core.audit.verify().ok


def test_rows_that_fail_midway_still_report_the_batches_written(core: Mamori) -> None:
    def rows() -> Iterator[tuple[str | None, dict[str, object]]]:
        for i in range(25):
            yield None, {"name": f"利用者{i}"}
        raise ValueError("line 26: the file ends in the middle of a row")

    stream = core.vault.collect_many(rows(), "account_admin", OFFICER, "import", batch_size=10)
    seen: list[str] = []
    with pytest.raises(ValueError, match="line 26"):
        for result in stream:
            assert isinstance(result, Collected)
            seen.append(result.subject)
    # two whole batches were written and reported; the third never began
    assert len(seen) == 20 and _count(core, "subjects") == 20
    assert [e.subject for e in core.audit.tail(20)] == seen


def test_correction_replaces_the_value_and_its_index(core: Mamori) -> None:
    sid = _alice(core)
    corrected = core.vault.correct(sid, {"email": "hanako@example.jp"}, OFFICER, "req-42")
    assert corrected.versions == {"email": 2}
    assert core.vault.find("email", "hanako@example.jp") == [sid]
    assert core.vault.find("email", "hanako.yamada@example.jp") == []
    assert core.vault.use(sid, ["email"], "inquiries", SUPPORT).values == {
        "email": "hanako@example.jp"
    }
    assert [e.action for e in core.audit.tail(2)] == ["correct", "use"]


def test_erasure_destroys_the_key_and_keeps_a_disposal_record(core: Mamori) -> None:
    sid = _alice(core)
    erased = core.vault.erase(sid, OFFICER, "req-7 erasure")
    assert set(erased.items) == set(ALICE)
    assert _keys_held(core) == 0 and _values_held(core) == 0
    with core.store.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT subject_id, actor, method FROM disposals")).one()
    assert tuple(row) == (sid, "officer-1", "crypto_shred")
    use = core.vault.use(sid, ["name"], "account_admin", OFFICER)
    assert use.decision.reasons == ("subject_erased",)
    assert core.vault.find("email", ALICE["email"]) == []
    with pytest.raises(SubjectNotFound):
        core.vault.erase(sid, OFFICER, "again")
    with pytest.raises(CollectRefused):
        core.vault.collect(sid, {"name": "x"}, "account_admin", OFFICER, "form")


def test_support_cannot_erase_items_it_may_not_touch(core: Mamori) -> None:
    sid = _alice(core)
    with pytest.raises(AccessDenied):
        core.vault.erase(sid, SUPPORT, "no")
    assert _keys_held(core) == 1


@pytest.mark.parametrize("target", ["other_subject", "other_item"])
def test_a_ciphertext_moved_elsewhere_does_not_open(core: Mamori, target: str) -> None:
    alice = _alice(core)
    bob = core.vault.collect(
        None, {"name": "佐藤 一郎", "email": "b@example.jp"}, "account_admin", OFFICER, "form"
    ).subject
    to_subject, to_item = (bob, "name") if target == "other_subject" else (alice, "email")
    read = sa.text("SELECT sealed FROM subjects WHERE id = :s")
    with core.store.engine.begin() as conn:
        stored = {i: (v, c) for i, v, c in unpack(conn.execute(read, {"s": alice}).scalar_one())}
        moved = stored["name"][1]
        target = unpack(conn.execute(read, {"s": to_subject}).scalar_one())
        target = [(i, v, moved if i == to_item else c) for i, v, c in target]
        conn.execute(
            sa.text("UPDATE subjects SET sealed = :c WHERE id = :s"),
            {"c": pack(target), "s": to_subject},
        )
    core.keys.forget(to_subject)
    with pytest.raises(DecryptionError):
        core.vault.use(to_subject, [to_item], "account_admin", OFFICER)


def test_a_correction_cannot_smuggle_in_a_my_number(core: Mamori) -> None:
    sid = _alice(core)
    with pytest.raises(CollectRefused) as caught:
        core.vault.correct(sid, {"device_info": "1234-5678-9018"}, OFFICER, "req-9")
    assert caught.value.problems == {"device_info": "my_number_refused"}
    with pytest.raises(CollectRefused) as caught:
        core.vault.correct(sid, {"birth_date": "1985-01-03"}, SUPPORT, "req-9")
    assert caught.value.problems == {"birth_date": "role_lacks_item"}


def test_subject_ids_drawn_together_look_like_ids_drawn_alone() -> None:
    many = new_subject_ids(500)
    assert len(set(many)) == 500 and new_subject_ids(0) == []
    pattern = re.compile(r"s_[0-9a-hjkmnp-tv-z]{10}[a-z2-7]{16}")
    assert all(pattern.fullmatch(sid) for sid in [*many, new_subject_id()])
    # 80 random bits each: every base32 character takes each value somewhere
    assert {sid[12] for sid in many} == set("abcdefghijklmnopqrstuvwxyz234567")


def test_subject_ids_sort_by_the_time_they_were_made() -> None:
    stamps = [0, 1, 31, 32, 1_000, 1_764_000_000_000, 1_764_000_000_001, 2**50 - 1]
    ids = [new_subject_ids(1, now_ms=ms)[0] for ms in stamps]
    assert sorted(ids) == ids and len({i[2:12] for i in ids}) == len(stamps)
    assert ids[0][2:12] == "0" * 10 and ids[-1][2:12] == "z" * 10
    assert new_subject_id() > new_subject_ids(1, now_ms=1_764_000_000_000)[0]
