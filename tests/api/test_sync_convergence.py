"""Convergence simulation: devices edit offline, push with lost responses and retries, pull in
any order; in the end every device holds exactly the server's state, stock reflects every
applied change exactly once, and the read tables equal what the event log replays to."""

import uuid
from typing import Any, cast

import pytest
from hypothesis import settings as examples
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from events.item import Item
from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import PASSWORD
from tests.api.machine import CONTEXT, AppMachine
from vitaltrack.services import services_in

DEVICES = 3


class Device:
    def __init__(self, headers: dict[str, str]):
        self.headers = headers
        self.cursor: str | None = None
        self.items: dict[str, tuple[str, int]] = {}  # localId -> (name, quantity), as last pulled
        self.local_ids: dict[str, str] = {}  # server id -> localId
        self.outbox: list[dict[str, Any]] = []


class Household(AppMachine):
    def __init__(self) -> None:
        super().__init__()
        self.devices: list[Device] = []
        self.created: dict[str, int] = {}  # localId -> quantity at creation
        self.deltas: dict[str, dict[str, int]] = {}  # localId -> op id -> delta
        self.outcomes: dict[str, str] = {}  # op id -> last status seen
        self.serial = 0

    @initialize()
    def household(self) -> None:
        email = f"home-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Home"}
        first = self.run(self.client.post("/api/v1/auth/register", json=body)).json()
        tokens = [first["access_token"]]
        for _ in range(DEVICES - 1):
            login = self.run(
                self.client.post(
                    "/api/v1/auth/login", json={"identifier": email, "password": PASSWORD}
                )
            )
            tokens.append(login.json()["access_token"])
        self.devices = [Device({"Authorization": f"Bearer {t}"}) for t in tokens]
        category = {
            "id": "cat",
            "type": "create",
            "entity": "category",
            "localId": "cat",
            "data": {"name": "Supplies"},
        }
        self.run(self._post(self.devices[0], [category]))
        for device in self.devices:
            self._pull(device)

    async def _post(self, device: Device, ops: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/sync/push", json={"operations": ops, "mode": "ops"}, headers=device.headers
        )
        assert response.status_code == 200, response.text
        return cast(dict[str, Any], response.json())

    def _op(self, device: Device, **op: Any) -> None:
        self.serial += 1
        device.outbox.append({"id": f"op{self.serial}", **op})

    @rule(d=st.integers(0, DEVICES - 1), quantity=st.integers(0, 5))
    def create_item(self, d: int, quantity: int) -> None:
        local = f"item{len(self.created)}"
        self.created[local] = quantity
        data = {"categoryId": "cat", "name": local, "quantity": quantity}
        self._op(self.devices[d], type="create", entity="item", localId=local, data=data)

    @precondition(lambda self: self.created)
    @rule(
        d=st.integers(0, DEVICES - 1),
        pick=st.integers(0, 50),
        delta=st.integers(-3, 3).filter(bool),
    )
    def adjust(self, d: int, pick: int, delta: int) -> None:
        local = sorted(self.created)[pick % len(self.created)]
        self._op(
            self.devices[d],
            type="adjust_stock",
            entity="item",
            entityId=local,
            data={"delta": delta},
        )
        self.deltas.setdefault(local, {})[f"op{self.serial}"] = delta

    @precondition(lambda self: self.created)
    @rule(
        d=st.integers(0, DEVICES - 1),
        pick=st.integers(0, 50),
        suffix=st.sampled_from(["a", "b", "c"]),
    )
    def rename(self, d: int, pick: int, suffix: str) -> None:
        local = sorted(self.created)[pick % len(self.created)]
        self._op(
            self.devices[d],
            type="update",
            entity="item",
            entityId=local,
            data={"name": f"{local}-{suffix}"},
        )

    @precondition(lambda self: self.created)
    @rule(d=st.integers(0, DEVICES - 1), pick=st.integers(0, 50))
    def delete(self, d: int, pick: int) -> None:
        local = sorted(self.created)[pick % len(self.created)]
        self._op(self.devices[d], type="delete", entity="item", entityId=local)

    @rule(d=st.integers(0, DEVICES - 1), lose_response=st.booleans())
    def push(self, d: int, lose_response: bool) -> None:
        device = self.devices[d]
        if not device.outbox:
            return
        result = self.run(self._post(device, device.outbox))
        for r in result["results"]:
            if r["status"] == "duplicate":  # the first outcome stands, whatever it was
                first = "rejected" if r["error"] else "applied"
                assert self.outcomes.setdefault(r["operationId"], first) == first
            else:
                assert r["operationId"] not in self.outcomes, "processed twice"
                self.outcomes[r["operationId"]] = r["status"]
        if not lose_response:  # a lost response leaves the ops queued: they are sent again
            device.outbox = []

    @rule(d=st.integers(0, DEVICES - 1))
    def pull(self, d: int) -> None:
        self._pull(self.devices[d])

    def _pull(self, device: Device) -> None:
        while True:
            response = self.run(
                self.client.post(
                    "/api/v1/sync/pull",
                    json={"cursor": device.cursor, "limit": 7},
                    headers=device.headers,
                )
            )
            assert response.status_code == 200, response.text
            page = response.json()
            if device.cursor is None:
                device.items = {}
            for item in page["items"]:
                device.items[item["localId"]] = (item["name"], item["quantity"])
                device.local_ids[item["id"]] = item["localId"]
            for deleted in page["deletedIds"]:
                device.items.pop(device.local_ids.get(deleted, ""), None)
            device.cursor = page["nextCursor"]
            if not page["hasMore"]:
                return

    def server_items(self) -> dict[str, dict[str, Any]]:
        page = self.run(
            self.client.get("/api/v1/items?pageSize=100", headers=self.devices[0].headers)
        ).json()
        return {i["localId"]: i for i in page["items"]}

    @invariant()
    def applied_stock_counts_exactly_once(self) -> None:
        if not self.devices:
            return
        for local, item in self.server_items().items():
            applied = [
                delta
                for op_id, delta in self.deltas.get(local, {}).items()
                if self.outcomes.get(op_id) in ("applied", "duplicate")
            ]
            assert item["quantity"] == self.created[local] + sum(applied), local

    def converge(self) -> None:
        for device in self.devices:
            self.push(self.devices.index(device), lose_response=False)
        for device in self.devices:
            self._pull(device)
        server = {k: (v["name"], v["quantity"]) for k, v in self.server_items().items()}
        for device in self.devices:
            assert device.items == server
        store = services_in(self.app).store
        for item in self.server_items().values():
            replayed: Item = store.repository.get(uuid.UUID(item["id"]))
            assert (replayed.name, replayed.quantity, replayed.version) == (
                item["name"],
                item["quantity"],
                item["version"],
            )


def test_devices_converge_on_the_servers_state(settings: Settings, database: Database) -> None:
    CONTEXT.update(settings=settings, database=database)

    class Checked(Household):
        def teardown(self) -> None:
            try:
                if self.devices:
                    self.converge()
            finally:
                super().teardown()

    run_state_machine_as_test(
        Checked,
        settings=examples(max_examples=6, stateful_step_count=30, deadline=None),
    )


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
