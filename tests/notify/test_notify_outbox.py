"""FileOutbox and Message: parseable .eml files, private modes, atomic writes."""

from __future__ import annotations

import datetime as dt
import os
import stat
import threading
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from mamori.clock import FixedClock
from mamori.notify import FileOutbox, Message, NotifyError

ADDRESS = "hanako.yamada@example.jp"
SENDER = "メタ・オールスターズ <privacy@meta-all-stars.example>"
BODY = "山田 花子 様\n\n確認コードは 482913 です。\n"


def message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "to": ADDRESS,
        "subject": "【メタ】確認コードのお知らせ",
        "body": BODY,
        "template": "verification_code",
        "lang": "ja",
        "subject_id": "s_0001",
    }
    fields.update(changes)
    return Message(**fields)


def parse(path: Path) -> EmailMessage:
    parsed = BytesParser(policy=default).parsebytes(path.read_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_repr_hides_address_and_body() -> None:
    shown = repr(message())
    assert "hanako" not in shown and "482913" not in shown and "山田" not in shown
    assert "verification_code" in shown and "s_0001" in shown


@pytest.mark.parametrize(
    "to", ["", "hanako", "hanako@", "@example.jp", "a@b.jp, c@d.jp", "a@b.jp\nBcc: c@d.jp"]
)
def test_message_refuses_a_bad_address_without_echoing_it(to: str) -> None:
    with pytest.raises(NotifyError) as caught:
        message(to=to)
    assert caught.value.reason == "address_invalid"
    if to:
        assert to not in caught.value.message


def test_message_refuses_bad_language_and_multiline_subject() -> None:
    with pytest.raises(NotifyError) as caught:
        message(lang="fr")
    assert caught.value.reason == "lang_unknown"
    with pytest.raises(NotifyError) as caught:
        message(subject="one\r\nBcc: c@d.jp")
    assert caught.value.reason == "subject_invalid"


def test_file_outbox_writes_a_parseable_email(tmp_path: Path) -> None:
    at = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    box = FileOutbox(tmp_path / "outbox", clock=FixedClock(at))
    delivery = box.deliver(message(), SENDER)
    [path] = box.messages()
    assert path.name == f"{delivery}.eml"
    stamp, token = delivery.split("-")
    assert stamp == "20261125T010000000000Z" and len(token) == 16
    parsed = parse(path)
    assert parsed["To"] == ADDRESS
    assert parsed["From"].addresses[0].display_name == "メタ・オールスターズ"
    assert parsed["From"].addresses[0].addr_spec == "privacy@meta-all-stars.example"
    assert parsed["Subject"] == "【メタ】確認コードのお知らせ"
    assert parsed["Date"].datetime == at
    assert parsed["Message-ID"] == f"<{token}@meta-all-stars.example>"
    assert parsed["Content-Language"] == "ja"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content() == BODY
    assert not parsed.defects
    raw = path.read_bytes()
    assert "確認コード".encode() not in raw  # headers and body are encoded, not raw 8-bit
    assert raw.isascii()


def test_file_outbox_modes(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "outbox"
    box = FileOutbox(directory)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    box.deliver(message(), SENDER)
    [path] = box.messages()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_outbox_leaves_an_existing_directory_alone(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o750)
    os.chmod(directory, 0o750)
    FileOutbox(directory).deliver(message(), SENDER)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o750


def test_file_outbox_lists_oldest_first_even_on_a_stopped_clock(tmp_path: Path) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))
    box = FileOutbox(tmp_path, clock=clock)
    ids = [box.deliver(message(subject=f"n{i}"), SENDER) for i in range(5)]
    clock.advance(dt.timedelta(seconds=1))
    ids.append(box.deliver(message(subject="n5"), SENDER))
    assert [p.stem for p in box.messages()] == ids
    assert [parse(p)["Subject"] for p in box.messages()] == [f"n{i}" for i in range(6)]
    assert sorted(os.listdir(tmp_path)) == sorted(f"{i}.eml" for i in ids)


def test_file_outbox_is_safe_across_threads(tmp_path: Path) -> None:
    box = FileOutbox(tmp_path, clock=FixedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    ids: list[str] = []

    def send() -> None:
        for _ in range(10):
            ids.append(box.deliver(message(), SENDER))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 40
    stamps = [p.stem.split("-")[0] for p in box.messages()]
    assert len(set(stamps)) == 40


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    box = FileOutbox(tmp_path)

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(NotifyError) as caught:
        box.deliver(message(), SENDER)
    assert caught.value.reason == "outbox_write_failed"
    assert "No space left on device" in caught.value.message
    assert ADDRESS not in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_an_unusable_directory_is_a_notify_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(NotifyError) as caught:
        FileOutbox(blocker / "outbox")
    assert caught.value.reason == "outbox_unavailable"


@pytest.mark.parametrize("sender", ["mamori", "a@b.jp, c@d.jp", "", "x\nBcc: y@z.jp"])
def test_a_bad_sender_is_refused(tmp_path: Path, sender: str) -> None:
    box = FileOutbox(tmp_path)
    with pytest.raises(NotifyError) as caught:
        box.deliver(message(), sender)
    assert caught.value.reason == "sender_invalid"
    assert box.messages() == []
