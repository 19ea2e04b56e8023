"""The HTML pages behind the emailed links (API.md 3, rev. 2): reset password, verify email,
confirm account deletion, undo an email change. Jinja2 with autoescaping on: the token and
every other value are escaped wherever they appear, and nothing runs in the page (no
scripts, a strict CSP)."""

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
HEADERS = {
    # frame-ancestors: no site may frame a page with a button that deletes or undoes
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def message(title: str, text: str, status: int = 200) -> HTMLResponse:
    return page("message.html", status, title=title, text=text, failed=status >= 400)
