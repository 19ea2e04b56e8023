"""Generic whole-state clients on several devices (hypothesis stateful): unlike the released
app they keep their data between syncs and pull what changed between pushes — with
`lastSyncAt` or with cursors, sending tokens with their pushes or not, sending versions back
or not — while answers are lost, pushes are resent, a nurse changes stock over REST, and an
ops push is sent by several sessions at once. Each client shows the server what it holds
with its pushes: the serverTime of the last answer it received as `lastSyncAt`, or each
resource's `version`, or both (docs/sync.md: a client that shows neither and loses a pull's
answer is presumed to hold it). Invariants:
- stock, to the unit: every change a device made before a push that reached the server
  counts once, and so does every REST and ops change; a change a device overwrote with a
  pull answer before pushing it never counts (the client replaced its own copy);
- every operation id is processed once: one first outcome, every resend a duplicate;
- no whole-state operation answers `conflict` (every base here is provable);
- no 5xx.
SIM_EXAMPLES / SIM_STEPS raise the bounds for a long run (docs/sync.md).
"""

import asyncio
import contextlib
import uuid
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import PASSWORD
from tests.api.machine import AppMachine, simulate
from tests.api.released_app import Lost
from tests.api.whole_state_client import WholeStateClient

ITEMS = ("Saline", "Gauze", "Ambu Bag")
DEVICES = 3


class Device:
    def __init__(self, client: WholeStateClient):
        self.client = client
        self.pending: dict[str, int] = {}  # item id -> change made since its last push
        self.last: dict[str, Any] | None = None  # the last push body, for resends


class Clients(AppMachine):
    @initialize(
        shapes=st.lists(
            st.tuples(st.booleans(), st.sampled_from([(True, False), (False, True), (True, True)])),
            min_size=DEVICES,
            max_size=DEVICES,
        )
    )
    def household(self, shapes: list[tuple[bool, tuple[bool, bool]]]) -> None:
        self.email = f"home-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": self.email, "password": PASSWORD, "name": "Home"}
        answer = self.run(self.client.post("/api/v1/auth/register", json=body)).json()
        self.headers = {"Authorization": f"Bearer {answer['access_token']}"}
        meds = self.api("POST", "/categories", {"name": "Medication"})
        self.expected: dict[str, int] = {}
        self.ids: list[str] = []  # in ITEMS order, for the rules' picks
        for name in ITEMS:
            made = self.api("POST", "/items", {"categoryId": meds["id"], "name": name})
            self.api("PATCH", f"/items/{made['id']}/stock", {"quantity": 100})
            self.expected[made["id"]] = 100
            self.ids.append(made["id"])
        self.processed: set[str] = set()
        self.devices = []
        for cursors, (tokens, versions) in shapes:
            headers = self.sign_in()
            client = WholeStateClient(
                self.client, headers, cursors=cursors, tokens_in_pushes=tokens, versions=versions
            )
            self.run(client.pull())
            self.devices.append(Device(client))

    def sign_in(self) -> dict[str, str]:
        body = {"identifier": self.email, "password": PASSWORD}
        answer = self.run(self.client.post("/api/v1/auth/login", json=body)).json()
        return {"Authorization": f"Bearer {answer['access_token']}"}

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.run(
            self.client.request(method, f"/api/v1{path}", json=body, headers=self.headers)
        )
        assert response.status_code < 300, response.text
        return response.json()

    # --- devices ------------------------------------------------------------------------
    @rule(d=st.integers(0, DEVICES - 1), pick=st.integers(0, 2), used=st.integers(1, 5))
    def use(self, d: int, pick: int, used: int) -> None:
        device = self.devices[d]
        item = sorted(device.client.items.values(), key=lambda i: i["name"])[pick]
        change = -min(used, item["quantity"])
        item["quantity"] += change
        device.pending[item["id"]] = device.pending.get(item["id"], 0) + change

    @rule(d=st.integers(0, DEVICES - 1), lose=st.booleans())
    def push(self, d: int, lose: bool) -> None:
        """The push reaches the server (its answer may be lost): every change so far counts."""
        device = self.devices[d]
        device.client.lose = ["push"] * lose
        with contextlib.suppress(Lost):
            answer = self.run(device.client.push())
            self.check(answer["results"], whole_state=True)
        device.last = device.client.last_push
        for item_id, change in device.pending.items():
            self.expected[item_id] += change
        device.pending = {}

    @rule(d=st.integers(0, DEVICES - 1), lose=st.booleans())
    def pull(self, d: int, lose: bool) -> None:
        """A received answer replaces the device's copies: unpushed changes to them are gone."""
        device = self.devices[d]
        device.client.lose = ["pull"] * lose
        before = {i: dict(v) for i, v in device.client.items.items()}
        with contextlib.suppress(Lost):
            self.run(device.client.pull())
            for item_id, item in device.client.items.items():
                if item != before.get(item_id):
                    device.pending.pop(item_id, None)

    @rule(d=st.integers(0, DEVICES - 1))
    def resend(self, d: int) -> None:
        """A network layer sends the last push again: duplicates, nothing changes."""
        device = self.devices[d]
        if device.last is None:
            return
        response = self.run(
            self.client.post("/api/v1/sync/push", json=device.last, headers=device.client.headers)
        )
        assert response.status_code == 200, response.text
        assert {r["status"] for r in response.json()["results"]} <= {"duplicate"}

    # --- others -------------------------------------------------------------------------
    @rule(pick=st.integers(0, 2), delta=st.integers(-3, 3).filter(bool))
    def nurse(self, pick: int, delta: int) -> None:
        item_id = self.ids[pick]
        response = self.run(
            self.client.patch(
                f"/api/v1/items/{item_id}/stock", json={"delta": delta}, headers=self.headers
            )
        )
        assert response.status_code == 200, response.text
        self.expected[item_id] += delta

    @rule(pick=st.integers(0, 2), delta=st.integers(-3, 3).filter(bool), sessions=st.integers(2, 4))
    def ops_push_from_several_sessions(self, pick: int, delta: int, sessions: int) -> None:
        """The same ops push, sent by several sessions at once: it applies once."""
        item_id = self.ids[pick]
        operation = {
            "id": uuid.uuid4().hex,
            "type": "adjust_stock",
            "entity": "item",
            "entityId": item_id,
            "data": {"delta": delta},
        }
        body = {"mode": "ops", "operations": [operation]}
        logins = [self.sign_in() for _ in range(sessions)]

        async def at_once() -> list[Any]:
            sends = (self.client.post("/api/v1/sync/push", json=body, headers=h) for h in logins)
            return await asyncio.gather(*sends)

        answers = self.run(at_once())
        statuses = sorted(a.json()["results"][0]["status"] for a in answers)
        assert statuses == ["applied"] + ["duplicate"] * (sessions - 1), statuses
        self.expected[item_id] += delta

    # --- what must hold -----------------------------------------------------------------
    def check(self, results: list[dict[str, Any]], *, whole_state: bool) -> None:
        for result in results:
            assert result["status"] != "conflict" or not whole_state, result
            if result["operationId"] in self.processed:
                assert result["status"] == "duplicate", result
            self.processed.add(result["operationId"])

    @invariant()
    def stock_to_the_unit(self) -> None:
        if not hasattr(self, "expected"):
            return
        page = self.api("GET", "/items?pageSize=100")
        assert {i["id"]: i["quantity"] for i in page["items"]} == self.expected


def test_whole_state_clients_that_pull_between_pushes_lose_and_double_nothing(
    settings: Settings, database: Database
) -> None:
    simulate(Clients, settings, database)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
