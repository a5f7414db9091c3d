"""The policy as a readable document: the privacy policy and the Art. 32 public matters page.

:func:`policy_document` and :func:`public_matters_document` build a :class:`Document` from a
:class:`~mamori.policy.model.Policy`; :func:`render_markdown` and :func:`render_html` turn it
into text with the Jinja2 templates in ``templates/``. Headings and standard paragraphs come
from :mod:`mamori.policy._texts`; everything specific to the business comes from the policy.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Literal

import jinja2
from markupsafe import Markup, escape

from mamori.policy._document import (
    Block,
    Builder,
    BulletList,
    Document,
    Group,
    Paragraph,
    Section,
)
from mamori.policy.model import SECTION_IDS, Policy

__all__ = [
    "Block",
    "BulletList",
    "Document",
    "Group",
    "Paragraph",
    "Section",
    "policy_document",
    "public_matters_document",
    "render",
    "render_html",
    "render_markdown",
]

Format = Literal["markdown", "html"]
DocumentKind = Literal["policy", "public_matters"]


def _override(
    policy: Policy, section_id: str, lang: str, blocks: tuple[Block, ...]
) -> tuple[Block, ...]:
    overrides = {str(key): value for key, value in policy.sections.items()}
    section = overrides.get(section_id)
    if section is None:
        return blocks
    paragraphs = section.en if lang == "en" and section.en else section.ja
    kept = tuple(block for block in blocks if not isinstance(block, Paragraph))
    return (*(Paragraph(p) for p in paragraphs), *kept)


def policy_document(policy: Policy, lang: str, *, effective: dt.date | None = None) -> Document:
    """The whole privacy policy: preamble, sections 1-10 and the dates."""
    b = Builder(policy, lang)
    generated: dict[str, tuple[Block, ...]] = {
        "preamble": b.preamble(),
        "compliance": (Paragraph(b.t("p.compliance")),),
        "definition": b.definition(),
        "purposes": b.purposes_section(),
        "acquisition": b.acquisition(),
        "security": (Paragraph(b.t("p.security")), *b.security_groups()),
        "provision": b.provision(),
        "requests": b.requests(contact_section=SECTION_IDS.index("inquiries")),
        "inquiries": (Paragraph(b.t("p.inquiries")), b.contact()),
        "changes": (Paragraph(b.t("p.changes")),),
        "miscellaneous": (Paragraph(b.t("p.miscellaneous")),),
    }
    sections = [
        Section(
            str(number) if number else None,
            b.t(f"h.{section_id}"),
            _override(policy, section_id, b.lang, generated[section_id]),
            section_id,
        )
        for number, section_id in enumerate(SECTION_IDS)
    ]
    dates = [Paragraph(b.t("established", date=b.date(policy.controller.established)))]
    if effective is not None:
        dates.append(Paragraph(b.t("effective", date=b.date(effective))))
    sections.append(Section(None, b.t("h.dates"), tuple(dates), "dates"))
    return Document(b.t("title.policy"), b.lang, tuple(sections), b.footer())


def public_matters_document(policy: Policy, lang: str) -> Document:
    """The matters Art. 32(1) requires to be public (保有個人データに関する事項の公表)."""
    b = Builder(policy, lang)
    c = policy.controller
    controller = BulletList(
        (
            b.kv("name", b.loc(c.name)),
            b.kv("address", b.loc(c.address)),
            b.kv("representative", b.loc(c.representative)),
        )
    )
    parts: list[tuple[str, str, tuple[Block, ...]]] = [
        ("controller", "h.controller", (controller,)),
        ("purposes", "h.public_purposes", (b.purpose_list(),)),
        ("requests", "h.public_requests", b.requests(contact_section=5)),
        ("security", "h.public_security", (Paragraph(b.t("p.security")), *b.security_groups())),
        ("complaints", "h.complaints", (b.contact(),)),
    ]
    if joint := b.joint_use_groups():
        parts.append(("joint_use", "h.joint_use", joint))
    intro = Section(None, "", (Paragraph(b.t("p.public", controller=b.loc(c.name))),), "preamble")
    sections = [
        Section(str(n), b.t(heading), blocks, section_id)
        for n, (section_id, heading, blocks) in enumerate(parts, start=1)
    ]
    return Document(b.t("title.public"), b.lang, (intro, *sections), b.footer())


# -- output ----------------------------------------------------------------------------

_LINK = re.compile(
    r"(?P<url>https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+[A-Za-z0-9\-_~/#=%&+])"
    r"|(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&])")


def _linkify(value: str) -> Markup:
    """Escape ``value`` for HTML, turning web addresses and emails into links."""
    out, last = Markup(""), 0
    for match in _LINK.finditer(value):
        out += escape(value[last : match.start()])
        target = match.group()
        href = target if match.group("url") else f"mailto:{target}"
        out += Markup('<a href="{}">{}</a>').format(href, target)
        last = match.end()
    return out + escape(value[last:])


def _markdown(value: str) -> str:
    """Escape Markdown syntax in ``value``; web addresses and emails become autolinks."""
    out, last = "", 0
    for match in _LINK.finditer(value):
        out += _MD_SPECIAL.sub(r"\\\1", value[last : match.start()])
        out += f"<{match.group()}>"
        last = match.end()
    return out + _MD_SPECIAL.sub(r"\\\1", value[last:])


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mamori.policy", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["linkify"] = _linkify
    env.filters["md"] = _markdown
    return env


def render_markdown(doc: Document) -> str:
    """The document as CommonMark text."""
    out = _environment().get_template("document.md.j2").render(doc=doc)
    return re.sub(r"\n{3,}", "\n\n", out).strip() + "\n"


def render_html(doc: Document, *, standalone: bool = True) -> str:
    """The document as HTML: a whole page, or only its ``<article>`` to embed in a layout."""
    name = "page.html.j2" if standalone else "article.html.j2"
    return _environment().get_template(name).render(doc=doc)


def render(
    policy: Policy,
    lang: str,
    fmt: Format,
    *,
    effective: dt.date | None = None,
    document: DocumentKind = "policy",
) -> str:
    """Build the privacy policy (or the public matters page) and render it as ``fmt``."""
    if document == "policy":
        doc = policy_document(policy, lang, effective=effective)
    elif document == "public_matters":
        doc = public_matters_document(policy, lang)
    else:
        raise ValueError(f"unknown document {document!r}: use 'policy' or 'public_matters'")
    if fmt == "markdown":
        return render_markdown(doc)
    if fmt == "html":
        return render_html(doc)
    raise ValueError(f"unknown format {fmt!r}: use 'markdown' or 'html'")
