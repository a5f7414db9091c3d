"""``mamori consent ...``: record and read consents (同意), make receipts, find who to ask again."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, local_time, note, out, print_json, write_atomically
from mamori.consent import (
    CollectionMethod,
    ConsentRecord,
    Target,
    TargetKind,
    make_receipt,
    rule17_shown,
)
from mamori.errors import ConfigError, ConsentRefused
from mamori.policy.model import Policy

app = typer.Typer(help="Consents (同意): give, withdraw, state, history, receipts.")

SUBJECT = typer.Argument(..., help="Subject id.")
TARGET = typer.Argument(..., help="purpose:ID, recipient:ID or referable:ID.")
METHODS = ("web", "app", "api", "paper", "import")
METHOD = typer.Option("web", "--method", help=f"How it was collected: {', '.join(METHODS)}.")


def _method(value: str) -> CollectionMethod:
    """The methods a person can use; ``gpc`` and ``system`` are mamori's own."""
    if value not in METHODS:
        raise ConsentRefused(
            {"method": "method_unknown"},
            f"not recorded (method: method_unknown; use one of {', '.join(METHODS)})",
        )
    return CollectionMethod(value)


def _read_notice(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"notice file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read notice file {path}: {exc.strerror or exc}") from None


def _valid_until(text: str | None, days: int | None, now: dt.datetime) -> dt.datetime | None:
    if text is not None and days is not None:
        raise typer.BadParameter("give --valid-until or --valid-days, not both")
    if days is not None:
        return now + dt.timedelta(days=days)
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConsentRefused(
            {"valid_until": "not_a_time"},
            f"not recorded (valid_until: '{text}' is not an ISO 8601 time)",
        ) from None
    if moment.tzinfo is None:
        raise ConsentRefused(
            {"valid_until": "naive_time"},
            f"not recorded (valid_until: '{text}' needs an offset, e.g. +09:00)",
        )
    return moment


def _print_record(record: ConsentRecord, zone: dt.tzinfo, as_json: bool) -> None:
    if as_json:
        print_json(record.to_dict())
        return
    table = Table(show_header=False, title=f"{record.event.value}: {record.subject}")
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = [
        ("record", record.record_id),
        ("target", record.target),
        ("event", record.event.value),
        ("items", ", ".join(record.items) or "-"),
        ("policy version", f"v{record.policy_version}" if record.policy_version else "-"),
        ("notice hash", record.notice_hash or "-"),
        ("method", record.method.value),
        ("at", local_time(record.at, zone)),
        ("valid until", local_time(record.valid_until, zone)),
    ]
    if record.refers_to:
        rows.append(("refers to", record.refers_to))
    for field, value in rows:
        table.add_row(field, Text(value))
    out.print(table)


@app.command()
def give(
    ctx: typer.Context,
    subject: str = SUBJECT,
    target: str = TARGET,
    notice_file: Path = typer.Option(
        ..., "--notice-file", help="The notice shown to the person (UTF-8 text)."
    ),
    lang: str = typer.Option("ja", "--lang", help="Language of the notice: ja or en."),
    method: str = METHOD,
    items: str | None = typer.Option(
        None, "--items", help="Comma-separated items (default: all the target covers)."
    ),
    valid_until: str | None = typer.Option(
        None, "--valid-until", help="ISO 8601 time with an offset (e.g. 2027-12-31T23:59+09:00)."
    ),
    valid_days: int | None = typer.Option(
        None, "--valid-days", min=1, help="Valid for this many days from now."
    ),
    rule17_from_policy: bool = typer.Option(
        False,
        "--rule17-from-policy",
        help="The person was shown the Rule 17 information the policy declares for the recipient.",
    ),
    as_json: bool = JSON,
) -> None:
    """Record that SUBJECT consented to TARGET after being shown the notice."""
    notice = _read_notice(notice_file)
    how = _method(method)
    wanted = [i.strip() for i in items.split(",") if i.strip()] if items is not None else None
    with state(ctx).open() as core:
        until = _valid_until(valid_until, valid_days, core.clock.now())
        rule17 = None
        if rule17_from_policy:
            rule17 = _rule17(core.access().policy, target, lang)
        record = core.consent.give(
            subject,
            target,
            notice=notice,
            actor=cli_actor_id(),
            lang=lang,
            method=how,
            items=wanted,
            valid_until=until,
            rule17=rule17,
        )
    _print_record(record, core.settings.zone, as_json)


def _rule17(policy: Policy, target: str, lang: str) -> dict[str, str] | None:
    """The Rule 17 information for the recipient TARGET names (None when the policy has
    none: the ledger then says whether it was needed)."""
    try:
        parsed = Target.parse(target)
    except ValueError:
        return None  # the ledger names the bad target
    if parsed.kind is TargetKind.purpose:
        raise ConsentRefused(
            {"rule17": "not_a_recipient"},
            "not recorded (rule17: --rule17-from-policy needs a recipient: or referable: target)",
        )
    recipient = policy.recipients.get(parsed.id)
    return rule17_shown(recipient, lang) if recipient is not None else None


@app.command()
def withdraw(
    ctx: typer.Context,
    subject: str = SUBJECT,
    target: str = TARGET,
    method: str = METHOD,
    as_json: bool = JSON,
) -> None:
    """Record that SUBJECT withdrew consent to TARGET (without one, an objection)."""
    how = _method(method)
    with state(ctx).open() as core:
        record = core.consent.withdraw(subject, target, actor=cli_actor_id(), method=how)
    _print_record(record, core.settings.zone, as_json)


@app.command("state")
def state_(ctx: typer.Context, subject: str = SUBJECT, as_json: bool = JSON) -> None:
    """The current choice per target (a consent past its validity shows as expired)."""
    with state(ctx).open() as core:
        choices = [c for _, c in sorted(core.consent.state(subject).items())]
        zone = core.settings.zone
    if as_json:
        print_json([c.to_dict() for c in choices])
        return
    if not choices:
        out.print(Text(f"no consent recorded for {subject}"))
        return
    table = Table(
        "target", "state", "since", "valid until", Column("record", overflow="fold"),
        title=f"同意 of {subject}",
    )  # fmt: skip
    for c in choices:
        colour = "green" if c.given else "red"
        table.add_row(
            Text(c.target),
            Text(c.state.value, style=colour),
            local_time(c.at, zone),
            local_time(c.valid_until, zone),
            c.record_id,
        )
    out.print(table)


@app.command()
def history(ctx: typer.Context, subject: str = SUBJECT, as_json: bool = JSON) -> None:
    """Every consent event of SUBJECT, oldest first."""
    with state(ctx).open() as core:
        records = core.consent.history(subject)
        zone = core.settings.zone
    if as_json:
        print_json([r.to_dict() for r in records])
        return
    if not records:
        out.print(Text(f"no consent events for {subject}"))
        return
    names = ("at", "event", "target", "method", "version", "record", "by")
    table = Table(
        *(Column(n, overflow="fold") for n in names), title=f"consent history of {subject}"
    )
    for r in records:
        table.add_row(
            local_time(r.at, zone),
            r.event.value,
            Text(r.target),
            r.method.value,
            f"v{r.policy_version}" if r.policy_version else "-",
            r.record_id,
            Text(r.recorded_by),
        )
    out.print(table)


@app.command()
def receipt(
    ctx: typer.Context,
    record_id: str = typer.Argument(..., help="The consent record id (cr_...)."),
    output: Path | None = typer.Option(None, "--out", "-o", help="Write the receipt here."),
) -> None:
    """A signed JSON receipt of a consent record, with the notice shown."""
    with state(ctx).open() as core:
        record = core.consent.record(record_id)
        notice = core.consent.notice_text(record.notice_hash) if record.notice_hash else None
        body = make_receipt(record, core.access().policy, notice, core.keys.audit_signer())
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomically(output, text)
    note(f"wrote {output}")


@app.command()
def pending(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Subjects to ask again: a policy change superseded their consent."""
    with state(ctx).open() as core:
        rows = core.consent.pending()
        zone = core.settings.zone
    if as_json:
        print_json([p.to_dict() for p in rows])
        return
    if not rows:
        out.print("nobody to ask again")
        return
    table = Table("subject", "target", "superseded", "version", title="再同意 (ask again)")
    for p in rows:
        version = f"v{p.policy_version}" if p.policy_version else "-"
        table.add_row(Text(p.subject), Text(p.target), local_time(p.superseded_at, zone), version)
    out.print(table)


@app.command()
def expire(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Record an expired event for every consent whose validity has passed."""
    with state(ctx).open() as core:
        count = core.consent.expire_due(cli_actor_id())
    if as_json:
        print_json({"expired": count})
    else:
        out.print(f"{count} consent{'s' * (count != 1)} expired")
