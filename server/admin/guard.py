"""What an admin request must pass: the server's Host rules (no DNS
rebinding, as every route), and for a form that changes data a same-origin
check and a CSRF token (docs/security.md).

The token is a random value in a cookie (SameSite=Strict, HttpOnly) that
each form repeats in a hidden field: a page of another origin can neither
read the cookie nor the forms, so it cannot send the pair. It lives in the
browser, not in the server, so every worker process accepts it.
"""
from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from ..transport import Policy, forbidden_host

CSRF_COOKIE = "dynalite_admin_csrf"
CSRF_FIELD = "csrf"
# sec-fetch-site values a browser sends for a request the page itself made
SAME_SITE_FETCHES = frozenset(("same-origin", "none"))


def host_refusal(policy: Policy, request: Request) -> tuple[int, str] | None:
    """(status, message) refusing a Host this server does not serve."""
    host = request.headers.get("host")
    if policy.host_allowed(None if host is None else host.encode("latin-1")):
        return None
    status, _, message = forbidden_host(host.encode("latin-1"))
    return status, message


def csrf_token(request: Request) -> str:
    """The browser's token, or a new one (set as a cookie with the page)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def change_refusal(request: Request, form: dict[str, str]) -> str | None:
    """Why a data-changing form is refused, or None: it must come from this
    origin (Origin and Sec-Fetch-Site, when the browser sends them) and
    carry the cookie's token."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != own:
        return f"a form from {origin} may not change data here"
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in SAME_SITE_FETCHES:
        return f"a {fetch_site} request may not change data here"
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, form.get(CSRF_FIELD, "")):
        return "the form's CSRF token is missing or stale: reload the page and submit again"
    return None
