"""``mamori requests ...``: the person's requests (開示等の請求, Art. 32-39) at the desk.

Staff receive a request, verify who asks (a code to the registered address, or documents
they checked), approve or refuse it with a reason, and fulfil it now or through the job
worker. What a request asks is personal data: ``show`` names the items of a correction,
never the values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, err, local_time, note, out, print_json, write_atomically
from mamori.core import Mamori
from mamori.policy.model import Normaliser
from mamori.requests import (
    CODE_MINUTES,
    Channel,
    RejectCode,
    Request,
    RequestKind,
    RequestRefused,
    RequestState,
)

app = typer.Typer(help="Requests of the person (開示等の請求): receive, verify, decide, fulfil.")

REQUEST = typer.Argument(..., help="The request id (rq_...).")
CHANNELS = ", ".join(c.value for c in Channel)
STATES = ", ".join(s.value for s in RequestState)
KINDS = ", ".join(k.value for k in RequestKind)
REJECT_CODES = ", ".join(c.value for c in RejectCode)
CONTACT_LINE = (
    "if this contact is registered, the person can be verified by a code sent to it "
    "(`mamori requests verify ID --send-code`)"
)
CODE_SENT_LINE = (
    f"if the person has a registered email address, a code valid for {CODE_MINUTES} minutes "
    "was sent to it"
)
CODE_WRONG_LINE = (
    "not verified: the code is wrong, expired or used up (send a new one, or verify with "
    "--checked after checking documents)"
)


def _writing(ctx: typer.Context) -> Mamori:
    """The core, with its service keys made first: on SQLite a key made on first use
    inside a write transaction would wait on that transaction's lock."""
    core = state(ctx).open()
    try:
        core.keys.ensure_service_keys()
    except BaseException:
        core.close()
        raise
    return core


def _days(request: Request, today: dt.date) -> Text:
    """Days left for people: red once overdue, '-' for a closed request."""
    if not request.open:
        return Text("-")
    left = request.days_left(today)
    if left < 0:
        return Text(f"{-left} day{'s' * (left != -1)} overdue", style="red")
    if left == 0:
        return Text("due today", style="yellow")
    return Text(f"{left} day{'s' * (left != 1)} left")


def _safe_details(details: dict[str, Any]) -> dict[str, Any]:
    """What a request asks, without personal values: a correction's items by name."""
    safe = {k: v for k, v in details.items() if k != "values"}
    if "values" in details:
        safe["items"] = sorted(details["values"])
    return safe


def _values(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        item, sep, value = pair.partition("=")
        if not sep or not item.strip():
            raise RequestRefused(
                {"values": "not_item_equals_value"},
                "not recorded (values: give each as ITEM=VALUE, e.g. --values phone=090...)",
            )
        values[item.strip()] = value
    return values


def _contact_item(core: Mamori, normaliser: Normaliser, fallback: str) -> str:
    """The policy's item of this kind (email or phone); the desk refuses an unusable one."""
    items = core.access().policy.items
    return next((i for i, d in items.items() if d.normaliser is normaliser), fallback)


def _print_request(request: Request, core: Mamori, *, title: str) -> None:
    zone, today = core.settings.zone, core.today()
    table = Table(show_header=False, title=title)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows: list[tuple[str, str | Text]] = [
        ("request", request.id),
        ("kind", request.kind.value),
        ("state", request.state.value),
        ("subject", Text(request.subject or "-")),
        ("channel", request.channel.value + (" (by an agent)" if request.by_agent else "")),
        ("received", local_time(request.received_at, zone)),
        ("due", request.due_on.isoformat()),
        ("days left", _days(request, today)),
    ]
    if request.verification:
        checked = request.verification.get("checked")
        how = str(request.verification.get("method", "-"))
        rows.append(("verified by", how + (f": {', '.join(checked)}" if checked else "")))
    if request.reject_code is not None:
        rows.append(("rejected", f"{request.reject_code.value}: {request.reject_reason or ''}"))
    if request.error:
        rows.append(("error", Text(request.error, style="red")))
    if request.closed_at is not None:
        rows.append(("closed", local_time(request.closed_at, zone)))
    for field, value in rows:
        table.add_row(field, value if isinstance(value, Text) else Text(value))
    out.print(table)


@app.command()
def new(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help=f"What the person asks: {KINDS}."),
    subject: str | None = typer.Option(None, "--subject", help="The subject, when staff know."),
    email: str | None = typer.Option(None, "--email", help="The person's registered email."),
    phone: str | None = typer.Option(None, "--phone", help="The person's registered phone."),
    channel: str = typer.Option(
        "in_person", "--channel", help=f"How the request came in: {CHANNELS}."
    ),
    agent: bool = typer.Option(False, "--agent", help="Made by an agent (代理人)."),
    values: list[str] = typer.Option(
        [], "--values", help="correction: ITEM=VALUE, repeated for each item."
    ),
    scope: str | None = typer.Option(
        None, "--scope", help="suspension: all, provision or purpose:ID."
    ),
    reason: str | None = typer.Option(None, "--reason", help="suspension, erasure: why."),
    recipients: list[str] = typer.Option(
        [], "--recipient", help="stop_provision: a recipient id, repeated (default: all)."
    ),
    method: str | None = typer.Option(
        None, "--method", help="disclosure, provision_records: electronic or paper."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Idempotency key: the same key returns the first request."
    ),
    as_json: bool = JSON,
) -> None:
    """Receive a request: by subject, or by the contact the person gave."""
    named = [n for n, v in (("subject", subject), ("email", email), ("phone", phone)) if v]
    if len(named) > 1:
        raise RequestRefused(
            {"subject": "one_of_subject_email_phone"},
            "not recorded (subject: give one of --subject, --email or --phone)",
        )
    details: dict[str, Any] = {}
    if values:
        details["values"] = _values(values)
    if scope is not None:
        details["scope"] = scope
    if reason is not None:
        details["reason"] = reason
    if recipients:
        details["recipients"] = list(recipients)
    if method is not None:
        details["method"] = method
    with _writing(ctx) as core:
        contact: tuple[str, str] | None = None
        if email is not None:
            contact = (_contact_item(core, Normaliser.email, "email"), email)
        elif phone is not None:
            contact = (_contact_item(core, Normaliser.phone, "phone"), phone)
        submitted = core.requests.submit(
            kind,
            actor=cli_actor_id(),
            subject=subject,
            contact=contact,
            channel=channel,
            by_agent=agent,
            details=details or None,
            idempotency_key=key,
        )
        today = core.today()
    request = submitted.request
    if as_json:
        data = request.to_dict(today)
        if contact is not None:  # never say whether the contact was found
            data.pop("subject")
            data.pop("verification")
        data["duplicate"] = submitted.duplicate
        if contact is not None:
            data["note"] = CONTACT_LINE
        print_json(data)
        return
    head = "duplicate of" if submitted.duplicate else "received"
    out.print(Text(f"{head} {request.id} ({request.kind.value}, {request.state.value})"))
    out.print(Text(f"due {request.due_on.isoformat()}, ").append(_days(request, today)))
    out.print(f"duplicate: {'yes' if submitted.duplicate else 'no'}")
    if contact is not None:
        out.print(Text(CONTACT_LINE))


@app.command()
def verify(
    ctx: typer.Context,
    request_id: str = REQUEST,
    send_code: bool = typer.Option(
        False, "--send-code", help="Send a code to the person's registered email."
    ),
    code: str | None = typer.Option(None, "--code", help="The code the person read back."),
    checked: list[str] = typer.Option(
        [], "--checked", help="A document staff checked (its name, never a copy); repeated."
    ),
    method: str | None = typer.Option(
        None, "--method", help="With --checked: documents, in_person or agent_documents."
    ),
    subject: str | None = typer.Option(
        None, "--subject", help="With --checked: the subject the documents show."
    ),
    as_json: bool = JSON,
) -> None:
    """Verify who asks (Art. 37): by a code to the registered address, or by staff."""
    modes = sum((send_code, code is not None, bool(checked)))
    if modes != 1:
        raise RequestRefused(
            {"verify": "one_of_send_code_code_checked"},
            "not verified (verify: give one of --send-code, --code CODE or --checked DOCUMENT)",
        )
    if not checked and (method is not None or subject is not None):
        field = "method" if method is not None else "subject"
        raise RequestRefused(
            {field: "only_with_checked"}, f"not verified ({field}: --{field} goes with --checked)"
        )
    actor = cli_actor_id()
    with _writing(ctx) as core:
        if send_code:
            core.requests.send_code(request_id, actor=actor)
            request = core.requests.get(request_id)
            if as_json:
                print_json({"id": request.id, "state": request.state.value, "note": CODE_SENT_LINE})
            else:
                out.print(Text(CODE_SENT_LINE))
            return
        if code is not None:
            good = core.requests.verify_code(request_id, code, actor=actor)
            request = core.requests.get(request_id)
            if as_json:
                print_json({"id": request.id, "state": request.state.value, "verified": good})
            if not good:
                if not as_json:
                    err.print("[bold red]error[/] ", end="")
                    err.print(CODE_WRONG_LINE, markup=False)
                raise typer.Exit(1)
        else:
            request = core.requests.verify_by_staff(
                request_id,
                actor=actor,
                checked=checked,
                method=method or "documents",
                subject=subject,
            )
            if as_json:
                print_json({"id": request.id, "state": request.state.value, "verified": True})
    if not as_json:
        out.print(Text(f"verified {request.id}: approve it or fulfil it"))


@app.command("list")
def list_(
    ctx: typer.Context,
    state_: str | None = typer.Option(None, "--state", help=f"Only this state: {STATES}."),
    overdue: bool = typer.Option(False, "--overdue", help="Open requests past their date."),
    due_soon: int | None = typer.Option(
        None, "--due-soon", min=0, help="Open requests due within DAYS days."
    ),
    subject: str | None = typer.Option(None, "--subject", help="Only this subject's."),
    as_json: bool = JSON,
) -> None:
    """Requests, the soonest due first."""
    if overdue and due_soon is not None:
        raise RequestRefused(
            {"due_soon": "not_with_overdue"},
            "not listed (due_soon: give --overdue or --due-soon, not both)",
        )
    if state_ is not None and state_ not in RequestState.__members__:
        raise RequestRefused({"state": "state_unknown"}, f"not listed (state: use one of {STATES})")
    with state(ctx).open() as core:
        found = core.requests.query(
            state=state_, overdue=overdue, due_within=due_soon, subject=subject
        )
        today = core.today()
    if as_json:
        print_json([r.to_dict(today) for r in found])
        return
    if not found:
        out.print("no requests")
        return
    table = Table(
        Column("request", overflow="fold"), "kind", "state", "due", "days left",
        title="請求 (requests)",
    )  # fmt: skip
    for r in found:
        table.add_row(r.id, r.kind.value, r.state.value, r.due_on.isoformat(), _days(r, today))
    out.print(table)


@app.command()
def show(ctx: typer.Context, request_id: str = REQUEST, as_json: bool = JSON) -> None:
    """A request, its events and what it asks (a correction's items by name, no values)."""
    with state(ctx).open() as core:
        request = core.requests.get(request_id)
        events = core.requests.events(request_id)
        details = _safe_details(core.requests.details(request))
        today = core.today()
        if as_json:
            print_json(
                {
                    "request": request.to_dict(today),
                    "events": [e.to_dict() for e in events],
                    "details": details,
                }
            )
            return
        _print_request(request, core, title=f"請求 {request.id}")
        zone = core.settings.zone
    if details:
        asks = Table("asks", "value", title="what it asks")
        for field, value in sorted(details.items()):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            asks.add_row(field, Text(shown or "-"))
        out.print(asks)
    systems = (request.result or {}).get("systems") or {}
    if systems:
        _print_systems(systems)
    history = Table(
        "at", "from", "to", Column("note", overflow="fold"), Column("by", overflow="fold"),
        title="events",
    )  # fmt: skip
    for e in events:
        history.add_row(
            local_time(e.at, zone),
            e.from_state.value if e.from_state else "-",
            e.to_state.value,
            Text(e.note or "-"),
            Text(e.actor),
        )
    out.print(history)


def _print_systems(systems: dict[str, Any]) -> None:
    table = Table("system", "status", title="fulfilment")
    for name, status in sorted(systems.items()):
        colour = "green" if status == "done" else "red"
        table.add_row(Text(name), Text(str(status), style=colour))
    out.print(table)


def _decided(request: Request, core: Mamori, as_json: bool, line: str) -> None:
    if as_json:
        print_json(request.to_dict(core.today()))
    else:
        out.print(Text(line))


@app.command()
def approve(ctx: typer.Context, request_id: str = REQUEST, as_json: bool = JSON) -> None:
    """Approve a verified request for fulfilment (in_progress)."""
    with _writing(ctx) as core:
        request = core.requests.start(request_id, actor=cli_actor_id())
        _decided(request, core, as_json, f"approved {request.id}: {request.state.value}")


@app.command()
def reject(
    ctx: typer.Context,
    request_id: str = REQUEST,
    code: str = typer.Option("", "--code", help=f"Why: {REJECT_CODES}."),
    reason: str = typer.Option("", "--reason", help="The reason, as told to the person."),
    as_json: bool = JSON,
) -> None:
    """Refuse a request, with a reason code and the reason the person is told (Art. 36)."""
    with _writing(ctx) as core:
        request = core.requests.reject(request_id, code=code, reason=reason, actor=cli_actor_id())
        _decided(request, core, as_json, f"rejected {request.id} ({code})")


@app.command()
def withdraw(ctx: typer.Context, request_id: str = REQUEST, as_json: bool = JSON) -> None:
    """Record that the person withdrew the request."""
    with _writing(ctx) as core:
        request = core.requests.withdraw(request_id, actor=cli_actor_id())
        _decided(request, core, as_json, f"withdrew {request.id}")


@app.command()
def fulfil(
    ctx: typer.Context,
    request_id: str = REQUEST,
    now: bool = typer.Option(False, "--now", help="Run it here instead of queueing a job."),
    as_json: bool = JSON,
) -> None:
    """Fulfil a verified request: queue a job for the worker, or with --now run it here.

    Exit 1 when a run leaves the request in progress with an error (run it again)."""
    with _writing(ctx) as core:
        done = core.fulfil(request_id, actor=cli_actor_id(), now=now)
        today = core.today()
        backend = core.settings.job_backend
    if not isinstance(done, Request):
        if as_json:
            print_json(done.to_dict())
            return
        out.print(Text(f"queued job {done.id} ({done.kind} {done.ref}): {done.state}"))
        if backend == "inprocess":
            note("`mamori serve` or `mamori worker` runs it")
        else:
            note("sent to the Celery workers (`mamori worker --celery`)")
        return
    failed = done.state is RequestState.in_progress and done.error is not None
    if as_json:
        print_json(done.to_dict(today))
    else:
        colour = "red" if failed else "green"
        out.print(f"[{colour}]{done.state.value}[/] ", end="")
        out.print(Text(f"{done.id} ({done.kind.value})"))
        systems = (done.result or {}).get("systems") or {}
        if systems:
            _print_systems(systems)
        if done.error:
            out.print(Text(f"error: {done.error}", style="red"))
    if failed:
        raise typer.Exit(1)


@app.command()
def download(
    ctx: typer.Context,
    request_id: str = REQUEST,
    output: Path | None = typer.Option(
        None, "--out", "-o", help="Write the ZIP here (mode 0600); without it, to a pipe."
    ),
) -> None:
    """The disclosure package (a ZIP) of a completed request; every download is audited."""
    stream = typer.get_binary_stream("stdout")
    if output is None and stream.isatty():
        raise RequestRefused(
            {"out": "binary_to_terminal"},
            "not downloaded (out: the package is a ZIP; give -o FILE.zip or pipe it)",
        )
    with state(ctx).open() as core:
        body = core.requests.download(request_id, actor=cli_actor_id())
    if output is None:
        stream.write(body)
        stream.flush()
        return
    write_atomically(output, body, mode=0o600)
    note(f"wrote {output} ({len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()})")
