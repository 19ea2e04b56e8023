"""The release app's sync life cycle (vitaltrack-mobile at bbb997c), as a test double.

Faithful to what the phone sends (API.md 8.5; file:line in that app):
- login: local data and retry queue cleared (useAppStore.ts:866, :86-89), then a pull with
  no cursor and no lastSyncAt; a non-empty answer replaces local data, `localId` = the
  entity's localId or else its server id (useAppStore.ts:900-927);
- a failed pull looks empty (sync.ts:576-586): seed data with fresh ids is pushed at once
  (useAppStore.ts:928-948); if that push fails its operations are queued and replayed one per
  request right after login (useAuthStore.ts:177-181), up to 5 tries each (sync.ts:407-461);
- edits are local; applying an order adds its first line per item to the items
  (useAppStore.ts:589-611);
- logout: queue replay, then the whole state as `create` operations with fresh ids,
  categories, items, orders (useAppStore.ts:975-1000, sync.ts:104-197), then the store and
  the queue are cleared (useAuthStore.ts:307): a failed logout push is never retried.
Answers can be lost: the server may have applied a request whose answer never arrives.
"""

import contextlib
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from devkit.release_ops import category_op, item_op, order_op

SYNC = "/api/v1/sync"
SEED = {  # a part of data/seedData.ts, same names and units
    "Ventilator & Respiratory": [("HME Filter", "pieces", 5), ("Ambu Bag", "unit", 1)],
    "Suction Equipment": [("Suction Catheter", "pieces", 15), ("Suction Filter", "pieces", 3)],
    "Tracheostomy Care": [("Gauze Swabs", "packets", 3), ("Sterile Gloves", "packets", 20)],
}


class Lost(Exception):
    """The request may have reached the server, but its answer did not reach the phone."""


@dataclass
class Faults:
    """Requests to fail, by kind ("pull", "push", "replay"): each entry is consumed by one
    request. `lose`: the server gets the request, its answer is lost; `fail`: the request
    never reaches the server (no network)."""

    lose: list[str] = field(default_factory=list)
    fail: list[str] = field(default_factory=list)

    def take(self, kind: str, faults: list[str]) -> bool:
        if kind in faults:
            faults.remove(kind)
            return True
        return False


class ReleasedApp:
    def __init__(
        self,
        client: httpx.AsyncClient,
        email: str,
        password: str,
        processed: set[str] | None = None,
    ):
        self.client, self.email, self.password = client, email, password
        # Operation ids the server has seen (shared by a household's devices): a resend of
        # any of them must answer `duplicate` (API.md 8.5 f), checked on every answer.
        self.processed = processed if processed is not None else set()
        self.pushes: list[list[dict[str, Any]]] = []  # every push body's operations, as sent
        self.answers: list[dict[str, Any]] = []  # every push's answer the server gave
        self.headers: dict[str, str] = {}
        self.refresh_token = ""
        self.categories: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.queue: list[dict[str, Any]] = []  # [{"operation": op, "retryCount": n}]
        self.faults = Faults()
        self.seeded = False  # the last login fell back to seed data

    # --- the life cycle -------------------------------------------------------------
    async def login(self) -> None:
        body = {"identifier": self.email, "password": self.password}
        answer = (await self.client.post("/api/v1/auth/login", json=body)).json()
        self.headers = {"Authorization": f"Bearer {answer['access_token']}"}
        self.refresh_token = answer["refresh_token"]
        await self.load_user_data()
        await self.process_queue()

    async def load_user_data(self) -> None:
        """Also what a relaunch with a stored session does (same session)."""
        self.categories, self.items, self.orders, self.queue = [], [], [], []
        pulled = await self._pull()
        if pulled["categories"] or pulled["items"]:
            self.seeded = False
            self.categories = [
                {**c, "localId": c.get("localId") or c["id"]} for c in pulled["categories"]
            ]
            self.items = [{**i, "localId": i.get("localId") or i["id"]} for i in pulled["items"]]
            self.orders = [
                {**o, "localId": o.get("localId") or o["id"], "items": o.get("items") or []}
                for o in pulled["orders"]
            ]
            return
        self.seeded = True
        self._seed()
        with contextlib.suppress(Lost):  # queued by _push: replayed by process_queue
            await self._push([*map(category_op, self.categories), *map(item_op, self.items)])

    async def logout(self) -> None:
        await self.process_queue()
        if self.categories or self.items:  # syncToBackend, useAppStore.ts:989-992
            ops = [
                *map(category_op, self.categories),
                *map(item_op, self.items),
                *map(order_op, self.orders),
            ]
            with contextlib.suppress(Lost):  # lost for good: the queue is cleared below
                await self._push(ops)
        await self.client.post(
            "/api/v1/auth/logout", json={"refresh_token": self.refresh_token}, headers=self.headers
        )
        self.categories, self.items, self.orders, self.queue = [], [], [], []  # clearStore

    async def process_queue(self) -> None:
        remaining = []
        for queued in self.queue:
            try:
                answer = await self._post("replay", {"operations": [queued["operation"]]})
                if answer["successCount"] > 0:
                    continue
            except Lost:
                pass
            queued["retryCount"] += 1
            if queued["retryCount"] < 5:
                remaining.append(queued)
        self.queue = remaining

    # --- requests ---------------------------------------------------------------------
    async def _pull(self) -> dict[str, Any]:
        empty: dict[str, Any] = {"categories": [], "items": [], "orders": []}
        try:
            return await self._post("pull", {"lastSyncAt": None, "includeDeleted": True})
        except Lost:
            return empty

    async def _push(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        try:
            return await self._post("push", {"operations": operations})
        except Lost:
            self.queue += [{"operation": o, "retryCount": 0} for o in operations]
            raise

    async def _post(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.faults.take(kind, self.faults.fail):
            raise Lost(kind)
        path = f"{SYNC}/pull" if kind == "pull" else f"{SYNC}/push"
        response = await self.client.post(path, json=body, headers=self.headers)
        assert response.status_code < 500, response.text
        if kind != "pull" and response.status_code == 200:
            self.answers.append(response.json())
            self._check_resends(body["operations"], response.json()["results"])
        if self.faults.take(kind, self.faults.lose) or response.status_code != 200:
            raise Lost(kind)
        return cast(dict[str, Any], response.json())

    def _check_resends(self, ops: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
        self.pushes.append(ops)
        for op, result in zip(ops, results, strict=True):
            if op["id"] in self.processed:
                assert result["status"] == "duplicate", (op, result)
            self.processed.add(op["id"])

    # --- local edits ------------------------------------------------------------------
    def _seed(self) -> None:
        for order, (name, items) in enumerate(SEED.items()):
            category = {"id": str(uuid.uuid4()), "name": name, "displayOrder": order}
            category["isDefault"] = True
            self.categories.append(category)
            for item_name, unit, minimum in items:
                self.items.append(
                    {
                        "id": str(uuid.uuid4()),
                        "categoryId": category["id"],
                        "name": item_name,
                        "quantity": 0,
                        "unit": unit,
                        "minimumStock": minimum,
                        "isActive": True,
                        "isCritical": False,
                    }
                )

    def item(self, name: str) -> dict[str, Any]:
        return next(i for i in self.items if i["name"] == name)

    def set_stock(self, name: str, quantity: int) -> None:
        self.item(name)["quantity"] = quantity  # updateStock: absolute

    def create_item(self, category: str, name: str, quantity: int) -> dict[str, Any]:
        new_id = str(uuid.uuid4())
        cat = next(c for c in self.categories if c["name"] == category)
        item = {"id": new_id, "localId": new_id, "categoryId": cat["id"], "name": name}
        item.update(quantity=quantity, unit="pieces", minimumStock=0, isActive=True)
        self.items.append(item)
        return item

    def delete_item(self, name: str) -> None:
        self.items = [i for i in self.items if i["name"] != name]

    def create_order(self, lines: list[tuple[str, int]]) -> dict[str, Any]:
        order = {
            "id": str(uuid.uuid4()),
            "orderId": "ORD-20261201-0001",  # every device numbers its own orders
            "status": "pending",
            "items": [
                {"itemId": self.item(n)["id"], "name": n, "unit": "pieces", "quantity": q}
                for n, q in lines
            ],
        }
        self.orders.append(order)
        return order

    def receive(self, order: dict[str, Any]) -> None:
        self.set_status(order, "received")

    def set_status(self, order: dict[str, Any], status: str) -> None:
        """updateOrderStatus: the status, and its timestamp (useAppStore.ts:559-566)."""
        order["status"] = status
        if status in ("ordered", "received"):
            order[f"{status}At"] = "2026-12-01T10:00:00.000Z"

    def apply(self, order: dict[str, Any]) -> None:
        """applyOrderToStock: the first line per item is added to that item (by id)."""
        for item in self.items:
            line = next((line for line in order["items"] if line["itemId"] == item["id"]), None)
            if line is not None:
                item["quantity"] += line["quantity"]
        order["status"] = "stock_updated"
