"""Holds the OpenAPI document to what the server really answers: every answer the API tests
see is checked against the operation it reached. Its status must be documented there, and an
error's body must fit the documented schema with a code documented for that status; a
validation error carries the list of failures (API.md 1.5), whatever produced it.

The suite reaches every error the server can give (version conflicts, refused transitions,
expired cursors, rate limits, oversized bodies...), so a route that forgets one fails here.
"""

import re
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from wire import errors

Check = Callable[[httpx.Response], Any]
MODELS: set[type[errors.ErrorBody]] = {errors.ErrorBody, *errors.MODELS.values()}
BODIES = {m.__name__: TypeAdapter(m) for m in MODELS}


class Conformance:
    def __init__(self) -> None:
        self.schema: dict[str, Any] | None = None
        self._routes: list[tuple[re.Pattern[str], str, int]] = []
        self.failures: dict[str, str] = {}  # one line per (operation, status, code)
        self.seen = 0

    def hook(self, app: Any) -> Check:
        if self.schema is None:
            self.schema = app.openapi()
            for path in self.schema["paths"]:
                pattern = re.sub(r"\{[^/]+\}", "[^/]+", path)
                self._routes.append((re.compile(f"^{pattern}$"), path, path.count("{")))
            self._routes.sort(key=lambda r: r[2])  # /items/stats before /items/{item_id}

        async def check(response: httpx.Response) -> None:
            await response.aread()
            self.check(response.request.method, response.request.url.path, response)

        return check

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        assert self.schema is not None
        route = next((p for pattern, p, _ in self._routes if pattern.match(path)), None)
        operation = self.schema["paths"].get(route or "", {}).get(method.lower())
        if operation is None:
            return  # an unknown path or method: 404/405 of no operation
        self.seen += 1
        status = str(response.status_code)
        where = f"{method} {route} {status}"
        documented = operation["responses"].get(status)
        if documented is None:
            self.failures[where] = f"{where}: status not documented"
            return
        if response.status_code < 400 or "json" not in response.headers.get("content-type", ""):
            return
        body = response.json()
        media = documented["content"]["application/json"]
        name = media["schema"]["$ref"].rsplit("/", 1)[-1]
        try:
            BODIES[name].validate_python(body)
        except ValidationError as exc:
            self.failures[where] = f"{where}: body does not fit {name}: {exc.errors()[:1]}"
        code = body.get("code")
        if code not in media.get("examples", {}):
            self.failures[f"{where} {code}"] = f"{where}: code {code!r} not documented"
        if code == "validation_error" and not isinstance(body.get("detail"), list):
            self.failures[f"{where} detail"] = f"{where}: a validation error's detail is a list"


conformance = Conformance()


def checked_client(app: Any, base_url: str = "http://test") -> httpx.AsyncClient:
    """A client of the app in-process whose every answer is held to the document."""
    transport = httpx.ASGITransport(app=app)
    hooks = {"response": [conformance.hook(app)]}
    return httpx.AsyncClient(transport=transport, base_url=base_url, event_hooks=hooks)
