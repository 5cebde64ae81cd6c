"""Errors on page routes: a friendly HTML page (or an htmx fragment) built from the same problem details the API answers.

The core's JSON handlers turn every exception into an RFC 9457 body; these
handlers start from that body, so a page and the API always agree on status,
title and detail. A client that does not ask for HTML still gets the JSON.
"""

from __future__ import annotations

from inspect import getmro
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response

from core.problems import EXCEPTION_HANDLERS
from core.web import session as web_session
from core.web.i18n import N_
from core.web.render import fragment, is_htmx, public_page, redirect

# titles and details the core's services use, so the catalog translates them (others show as they are)
KNOWN_TEXT = (
    N_("Not found"),
    N_("Forbidden"),
    N_("Invalid input"),
    N_("Conflict"),
    N_("Authentication required"),
    N_("Invalid credentials"),
    N_("Too many failed logins"),
    N_("Module not enabled"),
    N_("Not the operator"),
    N_("Not for this kind of tenant"),
    N_("Not a member of that tenant"),
    N_("Tenant suspended"),
    N_("Cannot grant more than you hold"),
    N_("Security check failed"),
    N_("Internal server error"),
    N_("Method not allowed"),
    N_("Request too large"),
    N_("Unsupported media type"),
    N_("compound does not exist or is not reachable for you"),
    N_("the login name or the password is wrong"),
    N_("the form's security token is missing or out of date; reload the page and try again"),
    N_("only the compound's current operator subscribes it"),
    N_("already exists"),
    N_("already taken"),
    N_("choose one"),
    N_("must be an 11-digit mainland mobile number"),
    N_("must be 18 characters"),
    N_("must be 17 digits followed by a digit or X"),
    N_("birth date part is not a date"),
    N_("check digit does not match (GB 11643)"),
    N_("check character does not match (GB 32100-2015)"),
    N_("must be a positive area in m² up to 100000"),
)


def wants_html(request: Request) -> bool:
    return is_htmx(request) or "text/html" in request.headers.get("accept", "")


def _core_answer(request: Request, exc: Exception) -> Response[Any]:
    handler = next(EXCEPTION_HANDLERS[cls] for cls in getmro(type(exc)) if cls in EXCEPTION_HANDLERS)  # type: ignore[index]
    return handler(request, exc)  # type: ignore[operator]


def login_url(request: Request) -> str:
    base = "/portal/login" if request.url.path.startswith("/portal") else "/console/login"
    if request.method != "GET" or is_htmx(request):
        return base
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{base}?next={quote(target, safe='')}"


def _back_link(request: Request) -> str | None:
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.headers.get("host"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_error(request: Request, exc: Exception) -> Response[Any]:
    """Exception handler of the page routers."""
    answer = _core_answer(request, exc)
    if not wants_html(request):
        return answer
    problem: dict[str, Any] = answer.content  # type: ignore[assignment]
    status = answer.status_code
    if status == 401:
        to = login_url(request)
        # a stale cookie goes, and the browser is sent to log in (htmx: the whole page, not the swap target)
        gone = [web_session.expired(request, web_session.SESSION_COOKIE)]
        if is_htmx(request):
            return Response(content=b"", status_code=401, headers={"HX-Redirect": to}, cookies=gone)
        return redirect(to, cookies=gone)
    if is_htmx(request):
        return fragment(request, "_problem.html", status=status, problem=problem)
    home = "/portal/" if request.url.path.startswith("/portal") else "/console/"
    return public_page(request, "error.html", status=status, problem=problem, home=home, back=_back_link(request))


EXCEPTION_HANDLERS_FOR_PAGES = {cls: page_error for cls in EXCEPTION_HANDLERS}
