"""Message templates: one Jinja2 file per template and language.

``templates/<name>.<lang>.txt.j2`` starts with a ``Subject: ...`` line and a blank line;
the rest is the body. Plain text, no escaping; a missing context value is an error.

``policy_change``: ``controller``, ``version``, ``effective_date`` (a date or ISO date
text), ``summary`` (a list of lines, may be empty), ``policy_url``.
``verification_code``: ``code``, ``minutes``, ``controller``.
``inquiry_reply``: ``controller``, ``reference`` (the inquiry's), ``reply`` (the text).
``incident_notice`` (Art. 26(2), to an affected person): ``controller``, ``incident``,
``learned_on``, ``overview``, ``items`` (labels), ``cause``, ``cause_detail``,
``secondary_damage``, ``advice``, ``contact`` (lines); ``incident_notice_client`` (to the
client of an entrusted party) adds ``client``, ``report_kind``, ``affected_count``,
``upper_bound`` (see :mod:`mamori.incidents`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache

import jinja2

from mamori.notify.outbox import LANGS, NotifyError

__all__ = ["LANGS", "render", "template_names"]

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SUFFIX = ".txt.j2"
_SUBJECT = "Subject: "
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise jinja2.TemplateRuntimeError("a date filter needs a date or an ISO date (YYYY-MM-DD)")


def _ja_date(value: object) -> str:
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _en_date(value: object) -> str:
    day = _as_date(value)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mamori.notify", "templates"),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["ja_date"] = _ja_date
    env.filters["en_date"] = _en_date
    return env


def template_names() -> list[tuple[str, str]]:
    """The (template, language) pairs that exist, sorted."""
    pairs = []
    for name in _environment().list_templates(extensions=["j2"]):
        stem = name.removesuffix(_SUFFIX)
        template, _, lang = stem.rpartition(".")
        if name.endswith(_SUFFIX) and _NAME.fullmatch(template) and lang in LANGS:
            pairs.append((template, lang))
    return sorted(pairs)


def render(template: str, lang: str, context: Mapping[str, object]) -> tuple[str, str]:
    """The subject line and body of ``template`` in ``lang`` (``ja`` or ``en``).

    There is no fallback: an unknown template or language, a missing context value or a
    template without its subject line raises :class:`NotifyError`.
    """
    if lang not in LANGS:
        raise NotifyError(
            f"language {lang!r} is not one of: {', '.join(LANGS)} (template {template!r})",
            "lang_unknown",
        )
    if not isinstance(template, str) or not _NAME.fullmatch(template):
        raise NotifyError(
            f"template {template!r} is not a template name (language {lang!r})",
            "template_not_found",
        )
    where = f"template {template!r} in language {lang!r}"
    try:
        text = _environment().get_template(f"{template}.{lang}{_SUFFIX}").render(context)
    except jinja2.TemplateNotFound:
        raise NotifyError(f"there is no {where}", "template_not_found") from None
    except jinja2.UndefinedError as exc:
        raise NotifyError(f"{where}: {exc.message}", "context_missing") from None
    except jinja2.TemplateSyntaxError as exc:
        raise NotifyError(
            f"{where} has a syntax error on line {exc.lineno}", "template_invalid"
        ) from None
    except jinja2.TemplateError as exc:
        raise NotifyError(f"{where}: {exc.message}", "template_invalid") from None
    first, _, rest = text.partition("\n")
    blank, _, body = rest.partition("\n")
    subject = first.removeprefix(_SUBJECT).strip()
    if not first.startswith(_SUBJECT) or blank.strip() or not subject:
        raise NotifyError(
            f"{where} does not start with a 'Subject: ...' line and a blank line",
            "template_invalid",
        )
    if "\r" in subject:
        raise NotifyError(f"{where}: the subject is not one line", "template_invalid")
    lines = [line.rstrip() for line in body.strip("\n").split("\n")]
    return subject, "\n".join(lines).strip("\n") + "\n"
