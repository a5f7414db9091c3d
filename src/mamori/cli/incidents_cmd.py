"""``mamori incidents ...``: leaks, losses and damage (漏えい等, Art. 26) at the officer's desk.

Register an incident with the moment it was learned of and the affected subjects (ids, or
a query: holders of an item, subjects created in a range), confirm the reportable
categories, draft and record the preliminary and final reports, notify the persons, close.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, local_time, note, out, print_json, write_atomically
from mamori.core import Mamori
from mamori.incidents import (
    FORMATS,
    NARRATIVE_FIELDS,
    Category,
    Cause,
    Incident,
    IncidentRefused,
    IncidentState,
    ReportKind,
)

app = typer.Typer(help="Incidents (漏えい等): register, classify, report, notify, close.")

INCIDENT = typer.Argument(..., help="The incident id (in_...).")
CAUSES = ", ".join(c.value for c in Cause)
CATEGORIES = ", ".join(c.value for c in Category)
STATES = ", ".join(s.value for s in IncidentState)
TEXTS = ", ".join(NARRATIVE_FIELDS)


def parse_time(text: str | None, field: str, zone: ZoneInfo) -> dt.datetime | None:
    """An ISO 8601 time; without an offset it is in the configured zone."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise IncidentRefused(
            {field: "not an ISO 8601 time (e.g. 2026-11-20T15:00 or 2026-11-20T15:00+09:00)"}
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _split(values: list[str]) -> list[str]:
    """Repeated options, each possibly a comma-separated list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _texts(pairs: list[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise IncidentRefused({"set": f"give FIELD=TEXT, FIELD one of {TEXTS}"})
        texts[field.strip()] = value
    return texts


def _writing(ctx: typer.Context) -> Mamori:
    """The core with its service keys made first (SQLite: not inside a write transaction)."""
    core = state(ctx).open()
    try:
        core.keys.ensure_service_keys()
    except BaseException:
        core.close()
        raise
    return core


def _print(incident: Incident, core: Mamori, *, title: str) -> None:
    zone, today = core.settings.zone, core.today()
    table = Table(show_header=False, title=title)
    table.add_column("field", style="bold")
    table.add_column("value")
    categories = incident.categories
    rows: list[tuple[str, str]] = [
        ("incident", incident.id),
        ("state", incident.state.value),
        ("learned", local_time(incident.learned_at, zone)),
        ("occurred", local_time(incident.occurred_at, zone)),
        ("cause", incident.cause.value),
        ("items", ", ".join(incident.items)),
        (
            "persons",
            f"{incident.affected_count}"
            + (" (upper bound)" if incident.count_is_upper_bound else "")
            + f", {incident.listed_count} identified",
        ),
        ("suggested", ", ".join(c.value for c in incident.suggested) or "none"),
        (
            "categories",
            "(not confirmed)" if categories is None else ", ".join(c.value for c in categories)
            or "none: not reportable",
        ),
        ("report to", incident.reporter.value
         + (f" ({incident.client_name or incident.client_recipient})"
            if incident.client_name or incident.client_recipient else "")),
    ]  # fmt: skip
    if incident.reportable:
        prelim = incident.preliminary_status(today, zone).value
        final = incident.final_status(today, zone).value
        rows.append(("preliminary due", f"{incident.preliminary_due.isoformat()} ({prelim})"))
        rows.append(("final due", f"{incident.final_due.isoformat()} ({final})"))
    if incident.excluded_reason:
        rows.append(("excluded", incident.excluded_reason))
    if incident.classify_reason:
        rows.append(("reason", incident.classify_reason))
    for field, value in rows:
        table.add_row(field, Text(value))
    out.print(table)


@app.command()
def new(
    ctx: typer.Context,
    learned_at: str = typer.Option(
        ..., "--learned-at", help="When any department learned of it (ISO 8601; day 1)."
    ),
    cause: str = typer.Option(..., "--cause", help=f"How it happened: {CAUSES}."),
    items: list[str] = typer.Option(
        ..., "--items", help="Affected items (ids, comma-separated or repeated)."
    ),
    subjects: list[str] = typer.Option([], "--subject", help="An affected subject; repeated."),
    subjects_file: Path | None = typer.Option(
        None, "--subjects-file", help="A file with one affected subject id a line."
    ),
    holding: list[str] = typer.Option(
        [], "--holding", help="Query: subjects holding any of these items."
    ),
    created_from: str | None = typer.Option(
        None, "--created-from", help="Query: subjects created at or after this time."
    ),
    created_until: str | None = typer.Option(
        None, "--created-until", help="Query: subjects created before this time."
    ),
    occurred_at: str | None = typer.Option(None, "--occurred-at", help="When it happened."),
    estimated: int | None = typer.Option(
        None, "--estimated-count", help="Persons possibly affected, beyond those identified."
    ),
    reporter: str = typer.Option(
        "ppc", "--reporter", help="ppc, or client when the data was entrusted to you (委託先)."
    ),
    client: str | None = typer.Option(None, "--client", help="The client: a recipient id."),
    client_name: str | None = typer.Option(None, "--client-name", help="The client's name."),
    client_email: str | None = typer.Option(
        None, "--client-email", help="Where the client's notice goes."
    ),
    texts: list[str] = typer.Option(
        [], "--set", help=f"A report text FIELD=TEXT ({TEXTS}); repeated."
    ),
    as_json: bool = JSON,
) -> None:
    """Register an incident (day 1 is the day it was learned of)."""
    ids = list(subjects)
    if subjects_file is not None:
        try:
            lines = subjects_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise IncidentRefused(
                {"subjects_file": f"cannot be read ({exc.__class__.__name__})"}
            ) from None
        ids += [line.strip() for line in lines if line.strip()]
    with _writing(ctx) as core:
        zone = core.settings.zone
        incident = core.incidents.open(
            actor=cli_actor_id(),
            learned_at=parse_time(learned_at, "learned_at", zone),  # type: ignore[arg-type]
            cause=cause,
            items=_split(items),
            subjects=ids or None,
            holding=_split(holding) or None,
            created_from=parse_time(created_from, "created_from", zone),
            created_until=parse_time(created_until, "created_until", zone),
            occurred_at=parse_time(occurred_at, "occurred_at", zone),
            estimated_count=estimated,
            reporter=reporter,
            client_recipient=client,
            client_name=client_name,
            client_email=client_email,
            texts=_texts(texts),
        )
        if as_json:
            print_json(incident.to_dict(core.today(), zone))
            return
        _print(incident, core, title="registered")
    note("confirm the categories next: `mamori incidents classify ID`")


@app.command()
def classify(
    ctx: typer.Context,
    incident_id: str = INCIDENT,
    categories: list[str] = typer.Option(
        [], "--category", help=f"Confirm these instead of the suggestion: {CATEGORIES}."
    ),
    not_reportable: bool = typer.Option(
        False, "--not-reportable", help="Confirm that no category applies."
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why, when the categories differ from the suggestion."
    ),
    excluded: str | None = typer.Option(
        None, "--excluded", help="Advanced encryption with the key safe: say how (not reportable)."
    ),
    as_json: bool = JSON,
) -> None:
    """Confirm the reportable categories (PPC Rule 7); without --category, the suggestion."""
    if not_reportable and categories:
        raise IncidentRefused({"category": "not with --not-reportable"})
    chosen: list[str] | None = _split(categories) or None
    if not_reportable:
        chosen = []
    with _writing(ctx) as core:
        incident = core.incidents.classify(
            incident_id,
            actor=cli_actor_id(),
            categories=chosen,
            reason=reason,
            excluded_reason=excluded,
        )
        if as_json:
            print_json(incident.to_dict(core.today(), core.settings.zone))
            return
        _print(incident, core, title="classified")


@app.command("list")
def list_(
    ctx: typer.Context,
    state_: str | None = typer.Option(None, "--state", help=f"Only this state: {STATES}."),
    open_only: bool = typer.Option(False, "--open", help="Only incidents not closed."),
    as_json: bool = JSON,
) -> None:
    """Incidents, the most recently learned first."""
    with state(ctx).open() as core:
        found = core.incidents.list(state=state_, open_only=open_only)
        today, zone = core.today(), core.settings.zone
    if as_json:
        print_json([i.to_dict(today, zone) for i in found])
        return
    if not found:
        out.print("no incidents")
        return
    table = Table(
        Column("incident", overflow="fold"), "learned", "cause", "persons", "categories",
        "state", "next due", title="漏えい等 (incidents)",
    )  # fmt: skip
    for i in found:
        due = "-"
        if i.reportable and i.state is IncidentState.classified:
            due = i.preliminary_due.isoformat()
        elif i.reportable and i.state is IncidentState.preliminary_reported:
            due = i.final_due.isoformat()
        cats = "?" if i.categories is None else ", ".join(c.value for c in i.categories) or "-"
        table.add_row(
            i.id, i.learned_on.isoformat(), i.cause.value, str(i.affected_count), cats,
            i.state.value, due,
        )  # fmt: skip
    out.print(table)


@app.command()
def show(ctx: typer.Context, incident_id: str = INCIDENT, as_json: bool = JSON) -> None:
    """An incident, its history, its notices and its report texts."""
    with state(ctx).open() as core:
        incident = core.incidents.get(incident_id)
        events = core.incidents.events(incident_id)
        notices = core.incidents.notices(incident_id)
        texts = core.incidents.narrative(incident_id)
        today, zone = core.today(), core.settings.zone
        if as_json:
            data: dict[str, Any] = incident.to_dict(today, zone)
            data.update(events=events, notices=notices, texts=texts)
            print_json(data)
            return
        _print(incident, core, title=f"incident {incident.id}")
    out.print(
        f"notices: {notices['sent']} sent, {notices['no_contact']} no contact, "
        f"{notices['failed']} failed, {notices['pending']} pending"
    )
    for event in events:
        out.print(
            Text(f"{local_time(dt.datetime.fromisoformat(event['at']), zone)}  "
                 f"{event['from'] or '-'} -> {event['to']}  {event['actor']}  {event['note']}")
        )  # fmt: skip
    for field in NARRATIVE_FIELDS:
        if field in texts:
            out.print(Text(f"{field}: {texts[field]}"))


@app.command()
def report(
    ctx: typer.Context,
    incident_id: str = INCIDENT,
    kind: str = typer.Option("preliminary", "--kind", help="preliminary (速報) or final (確報)."),
    fmt: str = typer.Option("md", "--format", help=f"The draft as: {', '.join(FORMATS)}."),
    lang: str | None = typer.Option(None, "--lang", help="ja or en (default: default_lang)."),
    output: Path | None = typer.Option(None, "--out", help="Write the draft to this file."),
    texts: list[str] = typer.Option(
        [], "--set", help=f"Set a report text FIELD=TEXT first ({TEXTS}); repeated."
    ),
    submitted: bool = typer.Option(
        False, "--submitted", help="Record that this report was submitted (now)."
    ),
    submitted_at: str | None = typer.Option(
        None, "--submitted-at", help="Record that it was submitted at this time."
    ),
    as_json: bool = JSON,
) -> None:
    """Draft the preliminary or final report (PPC Rule 8), or record its submission."""
    if fmt not in FORMATS:
        raise IncidentRefused({"format": f"use one of {', '.join(FORMATS)}"})
    try:
        ReportKind(kind)
    except ValueError:
        raise IncidentRefused({"kind": "use preliminary or final"}) from None
    actor = cli_actor_id()
    with _writing(ctx) as core:
        zone = core.settings.zone
        if texts:
            core.incidents.describe(incident_id, actor=actor, texts=_texts(texts))
        if submitted or submitted_at is not None:
            incident = core.incidents.record_report(
                incident_id,
                kind,
                actor=actor,
                submitted_at=parse_time(submitted_at, "submitted_at", zone),
            )
            if as_json:
                print_json(incident.to_dict(core.today(), zone))
            else:
                out.print(Text(f"recorded the {kind} report of {incident.id}: {incident.state}"))
            return
        draft = core.incidents.draft(incident_id, kind, lang=lang)
    body = draft.render("json" if as_json else fmt)
    if output is not None:
        write_atomically(output, body, mode=0o600)
        note(f"wrote the {kind} report draft to {output}")
        return
    typer.echo(body, nl=False)


@app.command()
def notify(
    ctx: typer.Context,
    incident_id: str = INCIDENT,
    lang: str | None = typer.Option(None, "--lang", help="ja or en (default: default_lang)."),
    as_json: bool = JSON,
) -> None:
    """Notify each affected person by email (Art. 26(2)); each once, however often run."""
    with _writing(ctx) as core:
        summary = core.incidents.notify(incident_id, actor=cli_actor_id(), lang=lang)
    if as_json:
        print_json(summary.to_dict())
        return
    out.print(
        f"sent {summary.sent}, already notified {summary.already}, "
        f"no contact {summary.no_contact}, failed {summary.failed}"
    )
    if summary.no_contact:
        note("persons without a registered email: announce the incident publicly instead")


@app.command()
def close(
    ctx: typer.Context,
    incident_id: str = INCIDENT,
    note_: str = typer.Option("", "--note", help="A closing note (no personal data)."),
    as_json: bool = JSON,
) -> None:
    """Close an incident after its final report (or one that is not reportable)."""
    with _writing(ctx) as core:
        incident = core.incidents.close(incident_id, actor=cli_actor_id(), note=note_)
        if as_json:
            print_json(incident.to_dict(core.today(), core.settings.zone))
            return
    out.print(Text(f"closed {incident.id}"))
