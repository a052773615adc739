"""Driving the admin page (/_admin) over HTTP as a browser's forms do: a
session keeping the CSRF cookie, forms posted with its token, and the
page's text read back without its markup."""
from __future__ import annotations

import html
import re

import httpx

TAG = re.compile(r"<[^>]+>")
ERROR = re.compile(r'<p class="error" id="error">(.*?)</p>', re.S)


def visible(page: str) -> str:
    """A page's text as shown (tags out, entities decoded, spaces squeezed)."""
    return " ".join(html.unescape(TAG.sub(" ", page)).split())


def shown_error(page: str) -> str | None:
    found = ERROR.search(page)
    return html.unescape(found.group(1)) if found else None


class AdminSession:
    """One browser's visits: its cookie jar, and forms sent with the token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30)
        self.get("/_admin")  # the page sets the CSRF cookie
        self.token = self.http.cookies["dynalite_admin_csrf"]

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.http.get(path, params=params) if params else self.http.get(path)

    def post(self, path: str, headers: dict | None = None, **form: str) -> httpx.Response:
        """A form as the page sends it: with the token, from the page's origin."""
        return self.http.post(path, data={"csrf": self.token, **form},
                              headers={"Origin": self.url, **(headers or {})})

    def close(self) -> None:
        self.http.close()
