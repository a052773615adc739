"""The admin page's routes and their plumbing: the guard (guard.py), the
form, the view run off the event loop (engine calls may wait on a store),
and the page rendered with Jinja2 (autoescaped) under a strict
Content-Security-Policy: no script runs on these pages at all."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dynalite_py.engine import Engine

from ..transport import Policy
from . import functions, graphs, items, queues, streams, tables, ttl
from .guard import CSRF_COOKIE, change_refusal, csrf_token, host_refusal
from .pages import Inputs, Page, Redirect

View = Callable[[Engine, Inputs], Page | Redirect]

# a form carries at most an item (400 KB) as DynamoDB JSON, escaped
MAX_FORM_BYTES = 4 * 1024 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer makes the forms' Origin "null"
    "Cache-Control": "no-store",
}
STYLESHEET = (Path(__file__).parent / "static" / "admin.css").read_bytes()
TEMPLATES = Environment(loader=PackageLoader("server.admin"), autoescape=True,
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
TEMPLATES.filters["timestamp"] = lambda seconds: datetime.fromtimestamp(
    seconds, timezone.utc).isoformat(timespec="milliseconds")


def plain(status: int, message: str) -> Response:
    return Response(message + "\n", status, {**SECURITY_HEADERS,
                                             "Content-Type": "text/plain; charset=utf-8"})


async def read_form(request: Request) -> tuple[dict[str, str], str | None]:
    """The urlencoded form (each name's first value), or why it is refused."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        return {}, f"a form must be sent as {FORM_TYPE}"
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return {}, f"a form may hold at most {MAX_FORM_BYTES} bytes"
    except ClientDisconnect:
        return {}, "the form was not sent whole"
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          errors="strict")
    except (UnicodeDecodeError, ValueError):
        return {}, "the form is not valid UTF-8"
    return first_values(pairs), None


def first_values(pairs) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in pairs:
        found.setdefault(name, value)
    return found


def rendered(request: Request, answer: Page | Redirect) -> Response:
    if isinstance(answer, Redirect):
        return RedirectResponse(answer.url, 303, SECURITY_HEADERS)
    token = csrf_token(request)
    html = TEMPLATES.get_template(answer.template).render(
        **answer.context, csrf=token, path=request.url.path)
    response = Response(html, answer.status, {**SECURITY_HEADERS,
                                              "Content-Type": "text/html; charset=utf-8"})
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, path="/_admin", httponly=True, samesite="strict")
    return response


def admin_routes(engine: Engine, policy: Policy) -> list[Route]:
    """The /_admin routes, to mount before the Lambda API's catch-all."""

    def endpoint(view: View, changes: bool = False):
        async def answer(request: Request) -> Response:
            refused = host_refusal(policy, request)
            if refused is not None:
                return plain(*refused)
            form: dict[str, str] = {}
            if changes:
                form, problem = await read_form(request)
                if problem is not None:
                    return plain(400, problem)
                problem = change_refusal(request, form)
                if problem is not None:
                    return plain(403, problem)
            query = first_values(request.query_params.multi_items())
            inputs = Inputs(dict(request.path_params), query, form)
            return rendered(request, await run_in_threadpool(view, engine, inputs))
        return answer

    async def stylesheet(request: Request) -> Response:
        refused = host_refusal(policy, request)
        if refused is not None:
            return plain(*refused)
        return Response(STYLESHEET, 200, {**SECURITY_HEADERS, "Cache-Control": "max-age=3600",
                                          "Content-Type": "text/css; charset=utf-8"})

    table = "/_admin/tables/{table}"
    return [
        Route("/_admin", endpoint(tables.overview), methods=["GET"]),
        Route("/_admin/static/admin.css", stylesheet, methods=["GET"]),
        Route("/_admin/tables", endpoint(tables.create, changes=True), methods=["POST"]),
        Route(table, endpoint(items.browse), methods=["GET"]),
        Route(table + "/delete", endpoint(tables.delete, changes=True), methods=["POST"]),
        Route(table + "/ttl", endpoint(ttl.update, changes=True), methods=["POST"]),
        Route(table + "/item", endpoint(items.view), methods=["GET"]),
        Route(table + "/item", endpoint(items.save, changes=True), methods=["POST"]),
        Route(table + "/item/delete", endpoint(items.delete, changes=True), methods=["POST"]),
        Route(table + "/stream", endpoint(streams.records), methods=["GET"]),
        Route("/_admin/functions", endpoint(functions.overview), methods=["GET"]),
        Route("/_admin/queues", endpoint(queues.overview), methods=["GET"]),
        Route("/_admin/metrics", endpoint(graphs.overview), methods=["GET"]),
    ]
