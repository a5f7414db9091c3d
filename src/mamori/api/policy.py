"""``/v1/policy``: the published versions, the one in force, what changed between two,
the announcements of changes, and the public matters. Public: no token needed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from mamori.api.context import Core
from mamori.errors import NotFound, VersionNotFound
from mamori.policy.diff import diff
from mamori.policy.render import public_matters_document, render_markdown
from mamori.policy.versions import PolicyVersion

__all__ = ["router"]

router = APIRouter(prefix="/v1/policy", tags=["policy"])

Ref = Annotated[str, Query(max_length=20, description="A version: v2, 2, or latest")]


def _version(core: Core, ref: str) -> PolicyVersion:
    """The version ``ref`` names; ``latest`` is the last one published."""
    if ref.strip().lower() == "latest":
        published = core.versions.history()
        if not published:
            raise VersionNotFound("no policy version is published yet")
        return published[-1]
    return core.versions.get(ref)


@router.get("/versions")
def list_versions(core: Core) -> list[dict[str, Any]]:
    """Every published version, oldest first."""
    return [v.to_dict() for v in core.versions.history()]


@router.get("/versions/{ref}")
def get_version(
    core: Core, ref: Annotated[str, Path(max_length=70, description="v2, 2, latest or a hash")]
) -> dict[str, Any]:
    """One version with its source text."""
    return _version(core, ref).to_dict(with_source=True)


@router.get("/in-force")
def in_force(core: Core) -> dict[str, Any]:
    """The version in force today (published, its effective date reached)."""
    version = core.versions.in_force(core.today())
    if version is None:
        raise NotFound("no published policy is in force yet")
    return version.to_dict()


@router.get("/diff")
def version_diff(core: Core, old: Ref, new: Ref) -> dict[str, Any]:
    """The changes from version ``old`` to version ``new``, each with kind and severity."""
    return diff(_version(core, old).policy, _version(core, new).policy).to_dict()


@router.get("/announcements")
def list_announcements(core: Core) -> list[dict[str, Any]]:
    """Announcements of policy changes that need notice or consent, newest first."""
    return [a.to_dict() for a in core.announcements.list()]


@router.get("/public-matters")
def public_matters(
    core: Core, lang: Annotated[Literal["ja", "en"] | None, Query()] = None
) -> dict[str, Any]:
    """The public matters on retained personal data (Art. 32) of the version in force, as
    Markdown."""
    version = core.versions.in_force(core.today())
    if version is None:
        raise NotFound("no published policy is in force yet")
    chosen = lang or core.settings.default_lang
    doc = public_matters_document(version.policy, chosen)
    return {
        "version": version.number,
        "lang": chosen,
        "title": doc.title,
        "markdown": render_markdown(doc),
    }
