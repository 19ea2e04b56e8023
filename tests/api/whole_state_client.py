"""A generic whole-state client (API.md 8.3, 8.5): unlike the released app it keeps its data
between syncs, pulls what changed with `lastSyncAt` (the serverTime of the last answer it
received) or with the cursor it got, merges the answer into its copy, and pushes its whole
state in the app's operation shape, sending `lastSyncAt` with it as the released app's
push() does (services/sync.ts:488-491 at bbb997c). Answers can be lost: the server may have
applied a request whose answer never arrives."""

from typing import Any, cast

import httpx

from devkit.release_ops import category_op, item_op
from tests.api.released_app import SYNC, Lost


class WholeStateClient:
    def __init__(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        *,
        cursors: bool = False,
        tokens_in_pushes: bool = True,
        versions: bool = False,
    ):
        """`cursors`: pulls continue from the cursor, not lastSyncAt; `tokens_in_pushes`:
        pushes carry lastSyncAt; `versions`: pushed resources keep the `version` they came
        with (a client that sends back what it received)."""
        self.client, self.headers = client, headers
        self.cursors, self.tokens_in_pushes = cursors, tokens_in_pushes
        self.versions = versions
        self.categories: dict[str, dict[str, Any]] = {}  # by server id
        self.items: dict[str, dict[str, Any]] = {}
        self.last_sync_at: str | None = None  # the serverTime of the last answer received
        self.cursor: str | None = None
        self.lose: list[str] = []  # "pull", "push": the next such answer is lost
        self.last_push: dict[str, Any] | None = None

    async def pull(self) -> None:
        body: dict[str, Any] = {"lastSyncAt": self.last_sync_at}
        if self.cursors and self.cursor is not None:
            body = {"cursor": self.cursor}
        answer = await self._post("pull", body)
        for category in answer["categories"]:
            self.categories[category["id"]] = category
        for item in answer["items"]:
            self.items[item["id"]] = item
        for gone in answer["deletedIds"]:
            self.categories.pop(gone, None)
            self.items.pop(gone, None)
        self.last_sync_at, self.cursor = answer["serverTime"], answer["nextCursor"]

    async def push(self) -> dict[str, Any]:
        ops = [*map(category_op, self.categories.values()), *map(item_op, self.items.values())]
        if self.versions:
            held = {**self.categories, **self.items}
            ops = [
                {**o, "data": {**o["data"], "version": held[o["entityId"]]["version"]}} for o in ops
            ]
        body: dict[str, Any] = {"operations": ops}
        if self.tokens_in_pushes:
            body["lastSyncAt"] = self.last_sync_at
        self.last_push = body
        return await self._post("push", body)

    def item(self, name: str) -> dict[str, Any]:
        return next(i for i in self.items.values() if i["name"] == name)

    def use(self, name: str, quantity: int) -> None:
        self.item(name)["quantity"] -= quantity

    async def _post(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(f"{SYNC}/{kind}", json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        if kind in self.lose:
            self.lose.remove(kind)
            raise Lost(kind)
        return cast(dict[str, Any], response.json())
