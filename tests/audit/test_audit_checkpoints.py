"""Merkle roots (RFC 6962) and signed checkpoints."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from audit_helpers import fill, make_log, superuser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mamori.audit import (
    AuditChainBroken,
    AuditLog,
    AuditRangeError,
    Checkpoint,
    InvalidCheckpoint,
    _chain,
    _scan,
)
from mamori.clock import FixedClock
from mamori.store import Store

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes_raw()


def rfc6962(leaves: Sequence[bytes]) -> bytes:
    """MTH as RFC 6962 section 2.1 writes it."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc6962(leaves[:k]) + rfc6962(leaves[k:])).digest()


# The inputs and roots of the RFC 6962 reference tests (certificate-transparency).
VECTOR_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("n", range(1, 9))
def test_rfc6962_reference_vectors(n: int) -> None:
    assert _chain.merkle_root(VECTOR_LEAVES[:n]).hex() == VECTOR_ROOTS[n - 1]
    assert rfc6962(VECTOR_LEAVES[:n]).hex() == VECTOR_ROOTS[n - 1]


def test_empty_tree() -> None:
    assert _chain.merkle_root([]) == hashlib.sha256(b"").digest() == rfc6962([])


@pytest.mark.parametrize("n", [*range(1, 40), 63, 64, 65, 100, 129])
def test_root_matches_the_rfc_for_every_size(n: int) -> None:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    assert _chain.merkle_root(leaves) == rfc6962(leaves)


@pytest.fixture
def log(database_url: str, clock: FixedClock) -> Iterator[tuple[Store, AuditLog]]:
    store, log = make_log(database_url, clock, entries=45)
    try:
        yield store, log
    finally:
        store.close()


def hashes(store: Store, first: int, last: int) -> list[bytes]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT hash FROM audit_log WHERE seq BETWEEN {first} AND {last} ORDER BY seq"
        ).all()
    return [bytes(r[0]) for r in rows]


@pytest.mark.parametrize(("block", "batch"), [(4, 4), (8, 2), (16, 4), (64, 1024)])
def test_roots_from_blocks_match_the_rfc(
    log: tuple[Store, AuditLog], block: int, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Roots are assembled from subtrees per batch and per block; every prefix matches."""
    store, _ = log
    monkeypatch.setattr(_chain, "BATCH", batch)
    ends = list(range(1, 46))
    scan = _scan.run(store, lo=1, hi=45, origin=1, merkle=True, ends=ends, block=block)
    assert scan.problem is None and scan.checked == 45
    leaves = hashes(store, 1, 45)
    for end in ends:
        assert scan.root(1, end) == rfc6962(leaves[:end]), end


def test_checkpoint_signs_the_root_and_is_stored(
    log: tuple[Store, AuditLog], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, audit = log
    monkeypatch.setattr(_scan, "BLOCK", 8)
    checkpoint = audit.checkpoint(KEY, "ed25519-test")
    assert (checkpoint.first_seq, checkpoint.last_seq) == (1, 45)
    assert checkpoint.root == rfc6962(hashes(store, 1, 45))
    assert checkpoint.public_key == PUBLIC and checkpoint.signature_ok(PUBLIC)
    statement = json.loads(checkpoint.statement())
    assert statement == {
        "first_seq": 1,
        "key_id": "ed25519-test",
        "last_seq": 45,
        "root": checkpoint.root.hex(),
    }
    assert checkpoint.statement() == json.dumps(statement, separators=(",", ":")).encode()
    assert audit.checkpoints() == [checkpoint]
    recorded = audit.get(46)
    assert recorded.action == "checkpoint" and recorded.detail["root"] == checkpoint.root.hex()
    report = audit.verify()
    assert report.ok and report.checkpoints_checked == 1


def test_checkpoint_over_a_range(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    checkpoint = audit.checkpoint(KEY, "k", first_seq=11, last_seq=30)
    assert checkpoint.root == rfc6962(hashes(store, 11, 30))
    report = audit.verify(checkpoints=[checkpoint], public_key=PUBLIC)
    assert report.ok and report.checkpoints_checked == 2


def test_checkpoint_file_round_trip(log: tuple[Store, AuditLog]) -> None:
    _, audit = log
    checkpoint = audit.checkpoint(KEY, "k")
    data = json.loads(checkpoint.to_json())
    assert data["algorithms"] == {
        "entry_hash": "sha256(previous hash || canonical entry)",
        "tree": "rfc6962-sha256",
        "signature": "ed25519",
    }
    assert base64.b64decode(data["public_key"]) == PUBLIC
    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint
    assert Checkpoint.from_json(checkpoint.to_json().encode()) == checkpoint


def test_checkpoint_refuses_a_broken_chain(log: tuple[Store, AuditLog]) -> None:
    store, audit = log
    superuser(store, "DELETE FROM audit_log WHERE seq = 20")
    with pytest.raises(AuditChainBroken, match="entry 20 is missing; no checkpoint") as caught:
        audit.checkpoint(KEY, "k")
    assert caught.value.first_bad_seq == 20
    audit.checkpoint(KEY, "k", last_seq=19)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [(0, 5, "0..5"), (5, 4, "5..4"), (1, 46, "1..46 are not a range of the log \\(1..45\\)")],
)
def test_checkpoint_range_must_be_in_the_log(
    log: tuple[Store, AuditLog], first: int, last: int, message: str
) -> None:
    _, audit = log
    with pytest.raises(AuditRangeError, match=message):
        audit.checkpoint(KEY, "k", first_seq=first, last_seq=last)


def test_checkpoint_of_an_empty_log(database_url: str, clock: FixedClock) -> None:
    store, audit = make_log(database_url, clock)
    try:
        with pytest.raises(AuditRangeError, match="empty"):
            audit.checkpoint(KEY, "k")
    finally:
        store.close()


def _file(**changes: Any) -> str:
    checkpoint = Checkpoint.sign(KEY, "k", 1, 3, b"\x09" * 32, _created())
    data = checkpoint.to_dict()
    data.update(changes)
    return json.dumps(data)


def _created() -> Any:
    import datetime as dt

    return dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "format"),
        (_file(format="other/1"), "format"),
        (_file(algorithms={"tree": "sha1"}), "algorithms"),
        (_file(first_seq=0), "first_seq and last_seq"),
        (_file(last_seq="3"), "first_seq and last_seq"),
        (_file(first_seq=True), "first_seq and last_seq"),
        (_file(key_id=""), "key_id"),
        (_file(root="zz"), "root must encode 32 bytes"),
        (_file(root="00"), "root must encode 32 bytes"),
        (_file(public_key="!!"), "public_key must encode 32 bytes"),
        (_file(signature=base64.b64encode(b"x" * 63).decode()), "signature must encode 64"),
        (_file(created_at="yesterday"), "created_at"),
        (_file(statement="{}"), "statement does not match"),
    ],
)
def test_malformed_checkpoint_files(text: str, message: str) -> None:
    with pytest.raises(InvalidCheckpoint, match=message):
        Checkpoint.from_json(text)


def test_signature_checks() -> None:
    checkpoint = Checkpoint.from_json(_file())
    assert checkpoint.signature_ok() and checkpoint.signature_ok(PUBLIC)
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    assert not checkpoint.signature_ok(other)
    assert not checkpoint.signature_ok(b"short")
    tampered = Checkpoint.from_json(_file(statement=None, last_seq=4))
    assert not tampered.signature_ok()


def test_many_stored_checkpoints_are_checked_in_one_pass(
    log: tuple[Store, AuditLog], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, audit = log
    monkeypatch.setattr(_scan, "BLOCK", 4)
    for last in (3, 8, 16, 17, 45):
        audit.checkpoint(KEY, "k", last_seq=last)
    fill(audit, store, 100, 110)
    report = audit.verify(public_key=PUBLIC)
    assert report.ok and report.checkpoints_checked == 5
