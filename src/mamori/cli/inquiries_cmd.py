"""``mamori inquiries ...``: questions and complaints (問い合わせ・苦情, policy §8) at the desk.

Staff record what came by phone, letter or in person, assign it, reply (mailed to the
person's address when they gave one), and close it with a summary. ``show`` opens the
texts, and that read is audited; ``list`` shows no text at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, local_time, out, print_json
from mamori.inquiries import (
    Inquiry,
    InquiryChannel,
    InquiryKind,
    InquiryRefused,
    InquiryStatus,
)

app = typer.Typer(help="Inquiries and complaints (問い合わせ・苦情): receive, reply, close.")

INQUIRY = typer.Argument(..., help="The reference (INQ-YYYY-XXXXX-XXXXX).")
KINDS = ", ".join(k.value for k in InquiryKind)
CHANNELS = ", ".join(c.value for c in InquiryChannel)
STATUSES = ", ".join(s.value for s in InquiryStatus)


def _text(given: str | None, path: str | None, field: str, action: str) -> str:
    """The text from ``--FIELD TEXT`` or ``--FIELD-file PATH`` (``-``: standard input)."""
    flag = field.replace("_", "-")
    if (given is None) == (path is None):
        raise InquiryRefused(
            {field: "one_of_text_or_file"},
            {field: f"give --{flag} TEXT or --{flag}-file PATH ('-' for standard input)"},
            action=action,
        )
    if given is not None:
        return given
    assert path is not None
    source = f"{field}_file"
    try:
        if path == "-":
            return typer.get_text_stream("stdin").read()
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InquiryRefused({source: "not_found"}, {source: path}, action=action) from None
    except UnicodeDecodeError:
        raise InquiryRefused({source: "not_utf8"}, {source: path}, action=action) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise InquiryRefused({source: "unreadable"}, {source: reason}, action=action) from None


def _days(ticket: Inquiry, today: dt.date) -> Text:
    """Days left for the first reply: red once overdue, '-' once replied or closed."""
    if not ticket.is_open or ticket.first_reply_at is not None:
        return Text("-")
    left = ticket.days_left(today)
    if left < 0:
        return Text(f"{-left} day{'s' * (left != -1)} overdue", style="red")
    if left == 0:
        return Text("due today", style="yellow")
    return Text(f"{left} day{'s' * (left != 1)} left")


def _line(ticket: Inquiry, today: dt.date, head: str) -> Text:
    line = Text(f"{head} {ticket.id} ({ticket.kind.value}, {ticket.status.value}), ")
    line.append(f"reply due {ticket.due_on.isoformat()}, ")
    return line.append(_days(ticket, today))


@app.command()
def new(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help=f"What it is: {KINDS}."),
    title: str = typer.Option(..., "--title", help="The subject line, as the person gave it."),
    body: str | None = typer.Option(None, "--body", help="What the person wrote or said."),
    body_file: str | None = typer.Option(
        None, "--body-file", help="The body from a UTF-8 file ('-': standard input)."
    ),
    channel: str = typer.Option("in_person", "--channel", help=f"How it came in: {CHANNELS}."),
    subject: str | None = typer.Option(
        None, "--subject", help="The subject in the vault, when known (s_...)."
    ),
    email: str | None = typer.Option(
        None, "--email", help="Where a reply goes (the address the person gave)."
    ),
    lang: str | None = typer.Option(
        None, "--lang", help="ja or en: the language of replies (default: default_lang)."
    ),
    assignee: str | None = typer.Option(None, "--assign", help="Give it to this member of staff."),
    reply_days: int | None = typer.Option(
        None, "--reply-days", help="Days for the first reply (default: inquiry_reply_days)."
    ),
    as_json: bool = JSON,
) -> None:
    """Receive a question or complaint; the reply is due in inquiry_reply_days."""
    text = _text(body, body_file, "body", "recorded")
    with state(ctx).open() as core:
        ticket = core.inquiries.open(
            kind,
            title=title,
            body=text,
            actor=cli_actor_id(),
            channel=channel,
            subject=subject,
            contact=email,
            lang=lang,
            assignee=assignee,
            reply_days=reply_days,
        )
        today = core.today()
    if as_json:
        print_json(ticket.to_dict(today))
    else:
        out.print(_line(ticket, today, "received"))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help=f"Only this status: {STATUSES}."),
    kind: str | None = typer.Option(None, "--kind", help=f"Only this kind: {KINDS}."),
    assignee: str | None = typer.Option(None, "--assignee", help="Only those given to ACTOR."),
    subject: str | None = typer.Option(None, "--subject", help="Only this subject's."),
    overdue: bool = typer.Option(
        False, "--overdue", help="Open ones without a reply, past their date."
    ),
    as_json: bool = JSON,
) -> None:
    """Tickets, the soonest due first (no texts: `show` opens them)."""
    with state(ctx).open() as core:
        found = core.inquiries.list(
            status=status, kind=kind, assignee=assignee, subject=subject, overdue=overdue
        )
        today = core.today()
    if as_json:
        print_json([t.to_dict(today) for t in found])
        return
    if not found:
        out.print("no inquiries")
        return
    table = Table(
        Column("inquiry", no_wrap=True, min_width=20), Column("kind", overflow="fold"),
        Column("channel", overflow="fold"), Column("status", overflow="fold"),
        Column("assignee", overflow="fold"), Column("due", no_wrap=True),
        Column("reply", overflow="fold"),
        title="問い合わせ・苦情 (inquiries)",
    )  # fmt: skip
    for t in found:
        table.add_row(
            t.id,
            t.kind.value,
            t.channel.value,
            t.status.value,
            Text(t.assignee or "-"),
            t.due_on.isoformat(),
            _days(t, today),
        )
    out.print(table)


@app.command()
def show(ctx: typer.Context, inquiry_id: str = INQUIRY, as_json: bool = JSON) -> None:
    """A ticket with its texts and replies (an audited read)."""
    with state(ctx).open() as core:
        detail = core.inquiries.get(inquiry_id, actor=cli_actor_id())
        today, zone = core.today(), core.settings.zone
    if as_json:
        print_json(detail.to_dict(today))
        return
    ticket = detail.inquiry
    table = Table(show_header=False, title=f"問い合わせ {ticket.id}")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    shredded = Text("(erased with the subject)", style="dim")
    rows: list[tuple[str, str | Text]] = [
        ("kind", ticket.kind.value),
        ("channel", ticket.channel.value),
        ("status", ticket.status.value),
        ("subject", Text(ticket.subject or "-")),
        ("language", ticket.lang),
        ("assignee", Text(ticket.assignee or "-")),
        ("received", local_time(ticket.received_at, zone)),
        ("reply due", ticket.due_on.isoformat()),
        ("days left", _days(ticket, today)),
        ("contact", Text(detail.contact or "-") if not ticket.shredded else shredded),
        ("title", Text(detail.title or "") if not ticket.shredded else shredded),
        ("body", Text(detail.body or "") if not ticket.shredded else shredded),
    ]
    if ticket.closed_at is not None:
        rows.append(("closed", f"{local_time(ticket.closed_at, zone)} by {detail.closed_by}"))
        rows.append(("summary", Text(detail.summary or "-")))
    for field, value in rows:
        table.add_row(field, value if isinstance(value, Text) else Text(value))
    out.print(table)
    if detail.replies:
        replies = Table(
            "#", "at", Column("by", overflow="fold"), "mailed", Column("reply", overflow="fold"),
            title="replies",
        )  # fmt: skip
        for r in detail.replies:
            replies.add_row(
                str(r.number),
                local_time(r.at, zone),
                Text(r.author),
                "yes" if r.sent else "no",
                Text(r.text) if r.text is not None else shredded,
            )
        out.print(replies)


@app.command()
def reply(
    ctx: typer.Context,
    inquiry_id: str = INQUIRY,
    body: str | None = typer.Option(None, "--body", help="The reply."),
    body_file: str | None = typer.Option(
        None, "--body-file", help="The reply from a UTF-8 file ('-': standard input)."
    ),
    send: bool = typer.Option(
        True, "--send/--no-send", help="Mail it to the person's address, if they gave one."
    ),
    waiting: bool = typer.Option(
        False, "--waiting", help="The reply asks the person something (waiting_on_person)."
    ),
    as_json: bool = JSON,
) -> None:
    """Reply to the person: mailed first, then recorded (a failed delivery records nothing)."""
    text = _text(body, body_file, "body", "replied to")
    status = InquiryStatus.waiting_on_person if waiting else InquiryStatus.answered
    with state(ctx).open() as core:
        made = core.inquiries.reply(
            inquiry_id, text, actor=cli_actor_id(), send=send, status=status
        )
        ticket = core.inquiries.lookup(inquiry_id)
        today = core.today()
    if as_json:
        shown = made.to_dict()
        shown.pop("text")
        print_json({"inquiry": ticket.to_dict(today), "reply": shown})
        return
    how = "mailed to the person" if made.sent else "recorded, not mailed"
    if send and not made.sent:
        how += " (no contact address)"
    out.print(Text(f"reply {made.number} to {ticket.id} {how}; now {ticket.status.value}"))


@app.command()
def assign(
    ctx: typer.Context,
    inquiry_id: str = INQUIRY,
    assignee: str | None = typer.Argument(None, help="The member of staff (an actor name)."),
    clear: bool = typer.Option(False, "--clear", help="Take it back from whoever has it."),
    as_json: bool = JSON,
) -> None:
    """Give a ticket to a member of staff."""
    if (assignee is None) == (not clear):
        raise InquiryRefused(
            {"assignee": "one_of_assignee_or_clear"},
            {"assignee": "give ASSIGNEE or --clear"},
            action="assigned",
        )
    with state(ctx).open() as core:
        ticket = core.inquiries.assign(inquiry_id, assignee, actor=cli_actor_id())
        today = core.today()
    if as_json:
        print_json(ticket.to_dict(today))
    else:
        out.print(Text(f"{ticket.id}: assigned to {ticket.assignee or 'nobody'}"))


@app.command("status")
def status_(
    ctx: typer.Context,
    inquiry_id: str = INQUIRY,
    status: str = typer.Argument(..., help="open, answered or waiting_on_person."),
    as_json: bool = JSON,
) -> None:
    """Move an open ticket between open, answered and waiting_on_person."""
    with state(ctx).open() as core:
        ticket = core.inquiries.set_status(inquiry_id, status, actor=cli_actor_id())
        today = core.today()
    if as_json:
        print_json(ticket.to_dict(today))
    else:
        out.print(Text(f"{ticket.id}: {ticket.status.value}"))


@app.command()
def close(
    ctx: typer.Context,
    inquiry_id: str = INQUIRY,
    summary: str | None = typer.Option(None, "--summary", help="How it ended."),
    summary_file: str | None = typer.Option(
        None, "--summary-file", help="The summary from a UTF-8 file ('-': standard input)."
    ),
    as_json: bool = JSON,
) -> None:
    """Close a ticket with a summary of how it ended."""
    text = _text(summary, summary_file, "summary", "closed")
    with state(ctx).open() as core:
        ticket = core.inquiries.close(inquiry_id, text, actor=cli_actor_id())
        today = core.today()
    if as_json:
        print_json(ticket.to_dict(today))
    else:
        answered = "replied" if ticket.first_reply_at is not None else "closed without a reply"
        out.print(Text(f"closed {ticket.id} ({answered})"))


@app.command()
def summary(
    ctx: typer.Context,
    since: str = typer.Option(..., "--since", help="First day received (YYYY-MM-DD)."),
    until: str = typer.Option(..., "--until", help="Last day received (YYYY-MM-DD)."),
    as_json: bool = JSON,
) -> None:
    """Counts over a period: by kind, channel and status; replies on time and late."""
    days: dict[str, dt.date] = {}
    for field, value in (("since", since), ("until", until)):
        try:
            days[field] = dt.date.fromisoformat(value)
        except ValueError:
            raise InquiryRefused(
                {field: "not_a_date"}, {field: "YYYY-MM-DD"}, action="summarised"
            ) from None
    with state(ctx).open() as core:
        counts = core.inquiries.summary(days["since"], days["until"])
    if as_json:
        print_json(counts)
        return
    table = Table("", "count", title=f"inquiries received {since} – {until}")
    table.add_row("received", str(counts["received"]))
    for group in ("by_kind", "by_channel", "by_status"):
        for name, count in counts[group].items():
            table.add_row(f"  {group[3:]}: {name}", str(count))
    for name in ("answered_on_time", "answered_late", "unanswered", "overdue_now"):
        table.add_row(name.replace("_", " "), str(counts[name]))
    median = counts["median_days_to_first_reply"]
    table.add_row("median days to first reply", "-" if median is None else str(median))
    out.print(table)
