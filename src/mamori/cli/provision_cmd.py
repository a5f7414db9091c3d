"""``mamori provide``, ``receive``, ``records ...`` and ``open-package``: third parties
(policy §6, Art. 27-31).

``provide`` gives items of chosen subjects to a recipient the policy declares, on a basis
the core checks per subject; the subjects left out are listed with their reasons, never
dropped silently. The data leaves as one age-sealed package (mode 0600), to the
recipient's public key or to a passphrase read from an environment variable (a flag value
would land in the shell history). ``receive`` records data received (Art. 30); ``records``
reads and purges the records of Art. 29-31; ``open-package`` opens a package as its
recipient would and checks every file against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.table import Column, Table
from rich.text import Text

from mamori.access import Actor
from mamori.cli._actor import cli_actor_id
from mamori.cli._context import state
from mamori.cli._output import JSON, err, out, print_json, write_atomically
from mamori.core import Mamori
from mamori.errors import ConfigError
from mamori.policy.model import Policy
from mamori.provision import (
    Basis,
    ExportError,
    LegalGround,
    Party,
    ProvisionRecord,
    ProvisionRefused,
    RecordKind,
    check_sealing,
    open_package,
)
from mamori.provision.export import MANIFEST

__all__ = ["open_package_command", "provide", "receive", "records_app"]

records_app = typer.Typer(help="Records of provision and receipt (Art. 29-31): list, show, purge.")

BASES = ", ".join(b.value for b in Basis if b is not Basis.opt_out)
GROUNDS = ", ".join(g.value for g in LegalGround)
KINDS = ", ".join(k.value for k in RecordKind)
SHOWN = 50  # excluded subjects in the table; --json lists them all


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


def _items(text: str) -> list[str]:
    return [i.strip() for i in text.split(",") if i.strip()]


def _subject_ids(path: Path) -> list[str]:
    """One subject id a line; blank lines and ``#`` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"subjects file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read subjects file {path}: {exc.strerror or exc}") from None
    ids = [line.strip() for line in text.splitlines()]
    return [i for i in ids if i and not i.startswith("#")]


def _secret_from_env(name: str) -> str:
    """A passphrase from the environment variable ``name`` (its value is never printed)."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} (--passphrase-env) is not set or empty")
    return value


def _officer(policy: Policy) -> str:
    role = policy.officer_role
    if role is None:
        raise ConfigError("the policy names no officer role; give --as ROLE")
    return role


def _ready_output(path: Path) -> None:
    """Make sure the package can be written before the provision is made."""
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the package file, e.g. -o out.zip.age")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot make folder {path.parent}: {exc.strerror or exc}") from None
    if not os.access(path.parent, os.W_OK):
        raise ConfigError(f"cannot write to folder {path.parent}")


def _print_excluded(excluded: dict[str, tuple[str, ...]]) -> None:
    table = Table(Column("subject", overflow="fold"), "reasons", title="excluded (not provided)")
    ordered = sorted(excluded.items())
    for sid, reasons in ordered[:SHOWN]:
        table.add_row(Text(sid), Text(", ".join(reasons)))
    out.print(table)
    if len(ordered) > SHOWN:
        out.print(f"... and {len(ordered) - SHOWN} more (--json lists all of them)")


def provide(
    ctx: typer.Context,
    recipient: str = typer.Option(..., "--recipient", help="The recipient id in the policy."),
    items: str = typer.Option(..., "--items", help="Comma-separated items to provide."),
    purpose: str = typer.Option(..., "--purpose", help="The purpose of the provision."),
    basis: str = typer.Option(..., "--basis", help=f"The basis (Art. 27): {BASES}."),
    legal_ground: str | None = typer.Option(
        None, "--legal-ground", help=f"With --basis legal, Art. 27(1): {GROUNDS}."
    ),
    note_text: str | None = typer.Option(
        None, "--note", help="With --basis legal: the request or law behind it."
    ),
    subjects_file: Path | None = typer.Option(
        None, "--subjects", help="File of subject ids, one a line ('#' comments)."
    ),
    all_consented: bool = typer.Option(
        False, "--all-consented", help="Every subject who consented to the recipient."
    ),
    to_key: str | None = typer.Option(
        None, "--to-key", help="Seal to the recipient's age public key (age1...)."
    ),
    passphrase_env: str | None = typer.Option(
        None, "--passphrase-env", help="Seal with the passphrase in this environment variable."
    ),
    pseudonymise: bool = typer.Option(
        False, "--pseudonymise", help="Replace subject ids with pseudonyms for this recipient."
    ),
    contract: str | None = typer.Option(
        None, "--contract", help="The contract that serves as the record (a bulk record)."
    ),
    role: str | None = typer.Option(
        None, "--as", help="The policy role you act in (default: the officer's)."
    ),
    output: Path = typer.Option(..., "--out", "-o", help="Write the sealed package here."),
    as_json: bool = JSON,
) -> None:
    """Provide personal data to a recipient (Art. 27): a sealed package, the records of
    Art. 29/31, and each subject left out listed with the reason.

    Exit 1 when nobody was provided (no package is written)."""
    problems: dict[str, str] = {}
    if (subjects_file is None) == (not all_consented):
        problems["subjects"] = "give_subjects_or_all_consented"
    if (to_key is None) == (passphrase_env is None):
        problems["package"] = "give_to_key_or_passphrase_env"
    if problems:
        detail = ", ".join(f"{k}: {v}" for k, v in problems.items())
        raise ProvisionRefused(problems, f"not provided ({detail})")
    chosen = _subject_ids(subjects_file) if subjects_file is not None else None
    if chosen is not None and not chosen:
        raise ProvisionRefused(
            {"subjects": "subjects_file_empty"},
            f"not provided (subjects: {subjects_file} lists no subject id)",
        )
    passphrase = _secret_from_env(passphrase_env) if passphrase_env is not None else None
    check_sealing(recipient_key=to_key, passphrase=passphrase)  # before anything is made
    _ready_output(output)
    with _writing(ctx) as core:
        policy = core.access().policy
        acting = role if role is not None else _officer(policy)
        if acting not in policy.roles:
            raise ProvisionRefused(
                {"as": "role_unknown"},
                f"not provided (as: role_unknown; use one of {', '.join(policy.roles)})",
            )
        result = core.provisions.provide(
            recipient=recipient,
            items=_items(items),
            purpose=purpose,
            basis=basis,
            actor=Actor(cli_actor_id(), acting),
            subjects=chosen,
            all_consented=all_consented,
            legal_ground=legal_ground,
            note=note_text,
            contract_ref=contract,
            recipient_key=to_key,
            passphrase=passphrase,
            pseudonymise=pseudonymise,
        )
        kinds = {r: core.records.get(r).kind.value for r in result.records}
    package = result.package if result.provided else None
    digest = None
    if package is not None:
        write_atomically(output, package, mode=0o600)
        digest = hashlib.sha256(package).hexdigest()
    written = package is not None
    if as_json:
        data = result.to_dict()
        data["package"] = str(output) if written else None
        data["sha256"] = digest
        print_json(data)
    else:
        count = len(result.provided)
        out.print(
            Text(
                f"provided {count} subject{'s' * (count != 1)} to {result.recipient} "
                f"({result.basis.value}), {len(result.excluded)} excluded"
            )
        )
        for record_id in result.records:
            out.print(Text(f"record {record_id} ({kinds[record_id]})"))
        if written:
            out.print(Text(f"wrote {output} (mode 0600, sha256 {digest})"))
        if result.excluded:
            _print_excluded(result.excluded)
    if not written:
        if not as_json:
            err.print("[bold red]error[/] ", end="")
            err.print("nobody was provided: no package written", markup=False)
        raise typer.Exit(1)


def receive(
    ctx: typer.Context,
    provider_name: str = typer.Option(..., "--provider-name", help="Who provided the data."),
    provider_address: str = typer.Option(..., "--provider-address", help="The provider's address."),
    provider_representative: str = typer.Option(
        ..., "--provider-representative", help="The provider's representative."
    ),
    how_acquired: str = typer.Option(
        ..., "--how-acquired", help="How the provider acquired the data (as confirmed)."
    ),
    items: str = typer.Option(..., "--items", help="Comma-separated items received."),
    subjects_file: Path = typer.Option(
        ..., "--subjects", help="File of subject ids, one a line ('#' comments)."
    ),
    contract: str | None = typer.Option(
        None, "--contract", help="The contract that serves as the record (a bulk record)."
    ),
    as_json: bool = JSON,
) -> None:
    """Record data received from a third party, after confirming the provider and how
    they acquired it (Art. 30)."""
    chosen = _subject_ids(subjects_file)
    with _writing(ctx) as core:
        acting = _officer(core.access().policy)
        record_id = core.provisions.receive(
            provider=Party(provider_name, provider_address, provider_representative),
            how_acquired=how_acquired,
            items=_items(items),
            subjects=chosen,
            actor=Actor(cli_actor_id(), acting),
            contract_ref=contract,
        )
        record = core.records.get(record_id)
    if as_json:
        print_json(record.to_dict())
        return
    count = record.subjects
    out.print(Text(f"recorded {record.id} (art30): {count} subject{'s' * (count != 1)}"))
    out.print(Text(f"kept until {record.keep_until.isoformat()}"))


def _print_records(found: list[ProvisionRecord]) -> None:
    table = Table(
        Column("record", no_wrap=True), "kind", Column("party", overflow="fold"),
        Column("items", overflow="fold"),
        Column("subjects", no_wrap=True), Column("kept until", no_wrap=True),
        title="提供・受領の記録 (records)",
    )  # fmt: skip
    for r in found:
        table.add_row(
            r.id,
            r.kind.value,
            Text(r.party),
            Text(", ".join(r.items)),
            str(r.subjects),
            r.keep_until.isoformat(),
        )
    out.print(table)


@records_app.command("list")
def records_list(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, "--kind", help=f"Only this kind: {KINDS}."),
    subject: str | None = typer.Option(None, "--subject", help="Only those covering a subject."),
    expiring: int | None = typer.Option(
        None, "--expiring", min=0, help="Only those whose period ends within DAYS days."
    ),
    as_json: bool = JSON,
) -> None:
    """Records of Art. 29, 30 and 31, the oldest first."""
    if kind is not None and kind not in RecordKind.__members__:
        raise ProvisionRefused({"kind": "kind_unknown"}, f"not listed (kind: use one of {KINDS})")
    with state(ctx).open() as core:
        found = core.records.query(kind=kind, subject=subject, expiring_within=expiring)
    if as_json:
        print_json([r.to_dict() for r in found])
        return
    if not found:
        out.print("no records")
        return
    _print_records(found)


@records_app.command("show")
def records_show(
    ctx: typer.Context,
    record_id: str = typer.Argument(..., help="The record id (pr_...)."),
    as_json: bool = JSON,
) -> None:
    """A record and the subject ids it covers."""
    with state(ctx).open() as core:
        record = core.records.get(record_id)
        subjects = core.records.subjects_of(record_id)
    if as_json:
        print_json({**record.to_dict(), "subject_ids": subjects})
        return
    table = Table(show_header=False, title=f"record {record.id}")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    rows = [
        ("record", record.id),
        ("kind", record.kind.value),
        ("party", record.party),
        ("name", record.party_name),
        ("address", record.party_address),
        ("representative", record.party_representative or "-"),
        ("basis", record.basis),
        ("purpose", record.purpose or "-"),
        ("items", ", ".join(record.items) or "-"),
        ("consent confirmed", "yes" if record.consent_confirmed else "no"),
        ("how acquired", record.how_acquired or "-"),
        ("contract", record.contract_ref or "-"),
        ("first date", record.first_date.isoformat()),
        ("last date", record.last_date.isoformat()),
        ("kept until", record.keep_until.isoformat()),
        ("subjects", str(record.subjects)),
        ("recorded by", record.created_by),
    ]
    for field, value in rows:
        table.add_row(field, Text(value))
    out.print(table)
    listing = Table(Column("subject", overflow="fold"), title="subjects covered")
    for sid in subjects:
        listing.add_row(Text(sid))
    out.print(listing)


@records_app.command("purge")
def records_purge(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Remove the records whose period has ended (each removal is audited)."""
    with state(ctx).open() as core:
        ended = {r.id: r for r in core.records.query(expiring_within=-1)}
        removed = core.records.purge_expired(actor=cli_actor_id())
    if as_json:
        print_json({"removed": [ended[i].to_dict() if i in ended else {"id": i} for i in removed]})
        return
    count = len(removed)
    out.print(f"removed {count} record{'s' * (count != 1)} past their period")
    for ident in removed:
        r = ended.get(ident)
        line = (
            ident
            if r is None
            else (
                f"{ident} ({r.kind.value}, {r.party_name or r.party}, "
                f"kept until {r.keep_until.isoformat()})"
            )
        )
        out.print(Text(f"  {line}"))


def _safe_name(name: str) -> bool:
    """A plain file name: no folder, no way out of the target folder."""
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def open_package_command(
    file: Path = typer.Argument(..., help="The sealed package (.zip.age)."),
    identity: Path | None = typer.Option(
        None, "--identity", help="An age key file (AGE-SECRET-KEY-1...)."
    ),
    passphrase_env: str | None = typer.Option(
        None, "--passphrase-env", help="Open with the passphrase in this environment variable."
    ),
    output: Path | None = typer.Option(
        None, "--out", "-o", help="Write the files into this folder (never overwrites)."
    ),
    as_json: bool = JSON,
) -> None:
    """Decrypt a provision package, check every file against its manifest, and write the
    files into a folder (mode 0600) or list them."""
    if (identity is None) == (passphrase_env is None):
        raise ExportError("give exactly one of --identity KEYFILE or --passphrase-env VAR")
    try:
        sealed = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read package {file}: {exc.strerror or exc}") from None
    if identity is not None:
        try:
            key = identity.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ConfigError(f"cannot read identity file {identity}") from None
        files = open_package(sealed, identity=key)
    else:
        assert passphrase_env is not None
        files = open_package(sealed, passphrase=_secret_from_env(passphrase_env))
    unsafe = sorted(n for n in files if not _safe_name(n))
    if unsafe:
        raise ExportError(f"the package holds a file with an unsafe name: {unsafe[0]!r}")
    manifest: dict[str, Any] = json.loads(files[MANIFEST])
    listing = [
        {"name": name, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        for name, body in sorted(files.items())
    ]
    if output is not None:
        _write_files(output, files)
    if as_json:
        summary = {k: v for k, v in manifest.items() if k != "files"}
        written = str(output) if output is not None else None
        print_json({"manifest": summary, "files": listing, "written_to": written})
        return
    summary_table = Table(show_header=False, title=f"package {file.name}")
    summary_table.add_column("field", style="bold")
    summary_table.add_column("value", overflow="fold")
    for field in ("recipient", "recipient_name", "basis", "record_id", "purpose"):
        summary_table.add_row(field, Text(str(manifest.get(field) or "-")))
    summary_table.add_row("items", Text(", ".join(map(str, manifest.get("items") or []))))
    summary_table.add_row("rows", str(manifest.get("row_count")))
    summary_table.add_row("created", Text(str(manifest.get("created_at") or "-")))
    summary_table.add_row("pseudonymised", "yes" if manifest.get("pseudonymised") else "no")
    out.print(summary_table)
    table = Table("file", "bytes", Column("sha256", overflow="fold"), title="files (checked)")
    for entry in listing:
        table.add_row(Text(str(entry["name"])), str(entry["bytes"]), str(entry["sha256"]))
    out.print(table)
    if output is not None:
        out.print(Text(f"wrote {len(files)} files into {output} (mode 0600)"))


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write each file into ``folder``, refusing to overwrite: nothing is written when
    one of them exists already."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} exists and is not a folder")
    existing = sorted(n for n in files if (folder / n).exists())
    if existing:
        raise ConfigError(
            f"{folder / existing[0]} exists; nothing written (choose an empty folder)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, body in sorted(files.items()):
            fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
    except FileExistsError as exc:
        raise ConfigError(f"{exc.filename} exists; not overwritten") from None
    except OSError as exc:
        raise ConfigError(f"cannot write into {folder}: {exc.strerror or exc}") from None
