"""The report for people: HTML (Jinja2, Japanese first) with inline SVG charts, and PDF
(the same HTML through WeasyPrint). Rendering reads only the report's JSON document and,
for labels, the policy; it runs no script and loads nothing from the network."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from mamori.policy.model import Policy
from mamori.reports.charts import Bar, bar_chart
from mamori.reports.texts import LANGS, TEXTS, text

__all__ = ["cjk_font_available", "render_html", "render_pdf"]


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mamori.reports", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


class _Labels:
    """Names for ids: the policy's labels for purposes, roles, items and recipients, and
    the report's texts for actions, reasons, request kinds and consent events."""

    def __init__(self, policy: Policy | None, lang: str) -> None:
        self.lang = lang
        self.policy = policy

    def __call__(self, kind: str, ident: str) -> str:
        policy = self.policy
        if policy is not None:
            tables: dict[str, Mapping[str, Any]] = {
                "purpose": policy.purposes,
                "role": policy.roles,
                "item": policy.items,
                "recipient": policy.recipients,
            }
            table = tables.get(kind, {})
            found = table.get(ident)
            if found is not None:
                name = getattr(found, "label", None) or getattr(found, "name", None)
                if name is not None:
                    return str(name.get(self.lang))
        prefix = {"action": "a", "reason": "r", "request": "k", "event": "e"}.get(kind)
        if prefix is not None and f"{prefix}.{ident}" in TEXTS:
            return text(f"{prefix}.{ident}", self.lang)
        return ident


def _charts(figures: Mapping[str, Any], lang: str, label: _Labels) -> dict[str, Markup]:
    def t(key: str) -> str:
        return text(key, lang)

    def counts(kind: str, data: Mapping[str, int], chart: str) -> Markup:
        bars = [Bar(label(kind, k), float(v), f"{v:,}") for k, v in _ranked(data)]
        return bar_chart(chart, t(f"chart.{chart.split('-')[-1]}"), bars)

    accesses, denies = figures["accesses"], figures["denies"]
    requests, consent = figures["requests"], figures["consent"]
    timeliness = [
        Bar(t(key), requests[key], f"{requests[key]:,}", colour)
        for key, colour in (("completed_on_time", 1), ("completed_late", 2), ("overdue_at_end", 2))
    ]
    coverage = [
        Bar(label("purpose", p["purpose"]), p["share"] * 100, f"{p['share'] * 100:.1f}%", 1)
        for p in consent["purposes"]
    ]
    charts = {
        "role": counts("role", accesses["by_role"], "chart-role"),
        "purpose": counts("purpose", accesses["by_purpose"], "chart-purpose"),
        "reason": counts("reason", denies["by_reason"], "chart-reason"),
        "requests": bar_chart("chart-requests", t("chart.requests"), timeliness),
        "consent": bar_chart("chart-consent", t("chart.consent"), coverage, scale=100.0),
    }
    inquiries = figures["inquiries"]
    replies = [
        Bar(t(key), inquiries[key], f"{inquiries[key]:,}", colour)
        for key, colour in (("answered_on_time", 1), ("answered_late", 2), ("unanswered", 0))
    ]
    charts["inquiries"] = bar_chart("chart-inquiries", t("chart.inquiries"), replies)
    return charts


def _ranked(data: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(data.items(), key=lambda p: (-p[1], p[0]))


def render_html(
    document: Mapping[str, Any], *, lang: str = "ja", policy: Policy | None = None
) -> str:
    """The report as a whole HTML page (no script; charts are inline SVG)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    label = _Labels(policy, lang)
    figures = document["figures"]
    template = _environment().get_template("report.html.j2")
    return template.render(
        doc=document,
        f=figures,
        sig=document["signature"],
        lang=lang,
        t=lambda key: text(key, lang),
        label=label,
        ranked=_ranked,
        charts=_charts(figures, lang, label),
        texts=TEXTS,
    )


def render_pdf(
    document: Mapping[str, Any], *, lang: str = "ja", policy: Policy | None = None
) -> bytes:
    """The HTML report as PDF (WeasyPrint). Japanese needs a CJK font installed (e.g. Noto
    Sans CJK JP); without one the PDF is still made, with substitute glyphs."""
    import weasyprint  # type: ignore[import-untyped]

    html = render_html(document, lang=lang, policy=policy)
    pdf = weasyprint.HTML(string=html, base_url=None).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def cjk_font_available() -> bool | None:
    """Whether fontconfig knows a font with Japanese glyphs (None: no ``fc-list`` to ask)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        found = subprocess.run(
            [fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(found.stdout.strip())
