"""``/center/signin`` and ``/center/choices``: the person signs in by a code mailed to the
registered address, then gives and withdraws consent per purpose and per recipient, each
with the notice shown recorded (method ``web``). Withdrawing is one click, like giving."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from mamori.api.privacy import limited
from mamori.consent import ConsentEvent, Target
from mamori.errors import CollectRefused
from mamori.vault.normalise import InvalidValue
from mamori.web.center.notices import Offer, offers
from mamori.web.center.pages import Route, core_of, lang, redirect, render
from mamori.web.center.session import CENTER, end_session, open_session, person_or_none
from mamori.web.center.signin import PENDING_COOKIE, SignIn
from mamori.web.forms import PageError, api_of, check_form, secure

__all__ = ["router", "sign_in"]

router = APIRouter(prefix=CENTER, route_class=Route, tags=["privacy center"])

Csrf = Annotated[str, Form(max_length=200)]
PERSON = "person"


def sign_in(request: Request) -> SignIn:
    """The app's sign-in helper (made on first use)."""
    state = request.app.state
    found = getattr(state, "mamori_signin", None)
    if found is None:
        found = state.mamori_signin = SignIn(core_of(request))
    assert isinstance(found, SignIn)
    return found


def channel_of(request: Request) -> dict[str, str]:
    """Channel metadata for the ledger: the user agent; the address (made coarse there)."""
    out = {"user_agent": request.headers.get("user-agent", "")[:300]}
    if request.client is not None and request.client.host:
        try:
            import ipaddress

            ipaddress.ip_address(request.client.host)
        except ValueError:
            return out
        out["ip"] = request.client.host
    return out


@router.get("", response_class=HTMLResponse)
def center_home(request: Request) -> HTMLResponse:
    """What a person can do here."""
    policy = core_of(request).access().policy
    return render(request, "center/home.html.j2", policy=policy, session=person_or_none(request))


# signing in -----------------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request) -> HTMLResponse:
    policy = core_of(request).access().policy
    return render(request, "center/signin.html.j2", policy=policy, error=None)


@router.post("/signin", dependencies=[limited("forms"), limited("codes")])
def signin_start(
    request: Request,
    email: Annotated[str, Form(min_length=1, max_length=320)],
    csrf: Csrf,
) -> Response:
    check_form(request, csrf)
    api_of(request).writing()
    try:
        sealed = sign_in(request).start(email, lang(request))
    except (InvalidValue, CollectRefused):
        policy = core_of(request).access().policy
        return render(request, "center/signin.html.j2", status=400, policy=policy, error="email")
    response = redirect(request, f"{CENTER}/signin/code")
    response.set_cookie(
        PENDING_COOKIE, sealed, max_age=15 * 60, path=CENTER, secure=secure(request),
        httponly=True, samesite="strict",
    )  # fmt: skip
    return response


@router.get("/signin/code", response_class=HTMLResponse)
def signin_code_form(request: Request) -> Response:
    if sign_in(request).pending(request.cookies.get(PENDING_COOKIE)) is None:
        return redirect(request, f"{CENTER}/signin")
    return render(request, "center/signin_code.html.j2", error=None)


@router.post("/signin/code", dependencies=[limited("attempts")])
def signin_finish(
    request: Request,
    code: Annotated[str, Form(pattern=r"^\s*[0-9]{6}\s*$")],
    csrf: Csrf,
) -> Response:
    check_form(request, csrf)
    helper = sign_in(request)
    pending = helper.pending(request.cookies.get(PENDING_COOKIE))
    if pending is None:
        return redirect(request, f"{CENTER}/signin")
    subject = helper.finish(pending, code)
    if subject is None:
        return render(request, "center/signin_code.html.j2", status=401, error="code")
    response = redirect(request, f"{CENTER}/choices")
    response.delete_cookie(PENDING_COOKIE, path=CENTER)
    open_session(request, response, "", subject)
    return response


@router.post("/signout")
def signout(request: Request, csrf: Csrf) -> Response:
    check_form(request, csrf)
    response = redirect(request, "/policy")
    end_session(response)
    return response


# choices -------------------------------------------------------------------------------


def _offers(request: Request) -> tuple[list[Offer], int]:
    core = core_of(request)
    version = core.version_number()
    if version is None:
        core.access()  # raises NoPolicyInForce
        raise AssertionError("unreachable")
    return offers(core.access().policy, lang(request), version), version


def _subject(request: Request) -> str:
    session = person_or_none(request)
    if session is None:
        raise PageError(
            401,
            "unauthenticated",
            "ログインしてください。登録済みのメールアドレスに確認コードをお送りします。",
            "Please sign in: we send a code to the email address you registered.",
        )
    return session.subject


@router.get("/choices", response_class=HTMLResponse)
def choices_page(request: Request) -> Response:
    session = person_or_none(request)
    if session is None:
        return redirect(request, f"{CENTER}/signin")
    core = core_of(request)
    listed, version = _offers(request)
    state = core.consent.state(session.subject)
    history = core.consent.history(session.subject)
    requests = core.requests.query(subject=session.subject)
    return render(
        request,
        "center/choices.html.j2",
        offers=listed,
        state=state,
        history=list(reversed(history))[:20],
        requests=requests,
        today=core.today(),
        version=version,
        policy=core.access().policy,
        done=request.query_params.get("done"),
    )


def _answer(request: Request, offer: Offer, subject: str, done: str) -> Response:
    """The updated choice (an htmx swap) or the page again."""
    if request.headers.get("hx-request") == "true":
        core = core_of(request)
        choice = core.consent.state(subject).get(offer.key)
        return render(
            request,
            "center/_choice.html.j2",
            offer=offer,
            choice=choice,
            policy=core.access().policy,
            done=done,
        )
    return redirect(request, f"{CENTER}/choices?done={done}#{offer.key.replace(':', '-')}")


def _find(request: Request, target: str) -> Offer:
    listed, _ = _offers(request)
    for offer in listed:
        if offer.key == target:
            return offer
    raise PageError(
        404,
        "not_found",
        "この項目は現在のプライバシーポリシーでは選べません。",
        "This choice is not offered under the policy in force.",
    )


@router.post("/choices/give", dependencies=[limited("forms")])
def give(
    request: Request,
    target: Annotated[str, Form(max_length=80)],
    notice: Annotated[str, Form(pattern=r"^[0-9a-f]{64}$")],
    csrf: Csrf,
) -> Response:
    """Consent to one target, after the notice whose hash the form names."""
    check_form(request, csrf)
    subject = _subject(request)
    offer = _find(request, target)
    if notice != offer.notice_hash:
        raise PageError(
            409,
            "notice_changed",
            "表示内容が更新されました。ページを開き直して、内容をご確認ください。",
            "The notice has changed since the page was shown: please read it again.",
        )
    core = api_of(request).writing()
    core.consent.give(
        subject,
        offer.target,
        notice=offer.notice,
        actor=PERSON,
        lang=lang(request),
        method="web",
        channel=channel_of(request),
        rule17=offer.rule17,
    )
    return _answer(request, offer, subject, ConsentEvent.given.value)


@router.post("/choices/withdraw", dependencies=[limited("forms")])
def withdraw(
    request: Request,
    target: Annotated[str, Form(max_length=80)],
    csrf: Csrf,
) -> Response:
    """Withdraw consent to one target: one click, on the same page."""
    check_form(request, csrf)
    subject = _subject(request)
    offer = _find(request, target)
    core = api_of(request).writing()
    core.consent.withdraw(
        subject, Target.parse(offer.key), actor=PERSON, method="web", channel=channel_of(request)
    )
    return _answer(request, offer, subject, ConsentEvent.withdrawn.value)
