"""The release app's life cycle on several phones, with lost answers (hypothesis stateful).

Devices (tests/api/released_app.py) log in (the pull answer may be lost: seed data, pushed at
once; that push's answer may be lost too: replayed one operation per request), relaunch,
edit offline (stock, new and deleted items, orders received and applied on the phone), log
out (the whole-state push's answer may be lost), and resend pushes. Invariants:
- stock: every item nobody deleted = its first quantity + every stock change a device
  pushed + each applied order's lines once (minus changes the server refused as out of
  range, which it records as conflicts);
- nothing is removed that no device holding it deleted;
- orders end in the furthest status a device pushed;
- every resent operation answers `duplicate` (checked on every answer); no 5xx;
- after a clean login every device holds exactly what the server lists.
SIM_EXAMPLES / SIM_STEPS raise the bounds for a long run (docs/sync.md).
"""

import contextlib
import itertools
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    rule,
)

from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import PASSWORD, Account
from tests.api.households import H, accept_as_new, invite
from tests.api.machine import AppMachine, simulate
from tests.api.released_app import SEED, Lost, ReleasedApp
from tests.smtp import Mailbox

DEVICES = 3
RANK = {"pending": 0, "received": 1, "stock_updated": 2}
MAIL: list[Mailbox] = []  # where the invitations arrive (hypothesis builds machines bare)
SEED_ITEMS = {name for items in SEED.values() for name, _, _ in items}


class Phone:
    """A device and what the simulation knows of its unpushed work."""

    def __init__(self, app: ReleasedApp, role: str = "owner"):
        self.app = app
        self.role = role  # of its account in the household; "removed" once removed
        self.signed_in = False
        self.deltas: dict[str, int] = {}  # item name -> stock change not pushed yet
        self.created: dict[str, int] = {}  # new item name -> its quantity when created
        self.deleted: set[str] = set()
        self.unseen_seed = False  # it fell back to seed data the server has not seen yet

    def forget(self) -> None:
        """The app replaces its local data (login, relaunch): unpushed work is gone."""
        self.deltas, self.created, self.deleted = {}, {}, set()


class Household(AppMachine):
    """Three phones of one account (the released app as families use it today)."""

    ROLES = ("owner", "owner", "owner")

    def __init__(self) -> None:
        super().__init__()
        self.phones: list[Phone] = []
        self.expected: dict[str, int] = {}  # item name -> first quantity + pushed changes
        self.op_deltas: dict[str, tuple[str, int]] = {}  # operation id -> (item, change)
        self.removed: set[str] = set()  # items some device deleted and pushed
        self.statuses: dict[str, str] = {}  # order localId -> furthest pushed status
        self.aliases: dict[str, str] = {}  # a renamed item's name -> its first name
        self.names = itertools.count()  # for new names: the same in every replay of a case

    def logical(self, name: str) -> str:
        """An item by its first name, whatever it was renamed to."""
        return self.aliases.get(name, name)

    def teardown(self) -> None:
        try:
            if self.phones:
                self.converge()
        finally:
            super().teardown()

    @initialize()
    def household(self) -> None:
        email = f"home-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Home"}
        answer = self.run(self.client.post("/api/v1/auth/register", json=body)).json()
        self.headers = {"Authorization": f"Bearer {answer['access_token']}"}
        processed: set[str] = set()
        self.phones = []
        for n, role in enumerate(self.ROLES):
            who = email if role == "owner" else self.run(self.joined(f"{role}{n}-{email}", role))
            self.phones.append(Phone(ReleasedApp(self.client, who, PASSWORD, processed), role))

    async def joined(self, email: str, role: str) -> str:
        """A member who joined through the emailed invitation's page."""
        link = await invite(self.client, Account("", "", self.token(), ""), MAIL[0], email, role)
        assert (await accept_as_new(self.client, link)).status_code == 200
        return email

    def token(self) -> str:
        return self.headers["Authorization"].removeprefix("Bearer ")

    def counts(self, phone: Phone) -> bool:
        """Whether this phone's changes reach the household (a viewer's are refused, a
        removed member's go to its own household)."""
        return phone.role in ("owner", "caregiver")

    # --- the life cycle -------------------------------------------------------------
    @rule(
        d=st.integers(0, DEVICES - 1),
        lose_pull=st.booleans(),
        seed=st.sampled_from(["reaches", "answer lost", "never reaches"]),
        fail_replays=st.booleans(),
    )
    def login(self, d: int, lose_pull: bool, seed: str, fail_replays: bool) -> None:
        phone = self.phones[d]
        if phone.signed_in:
            return
        pushes = len(phone.app.pushes)
        phone.app.faults.lose = ["pull"] * lose_pull + ["push"] * (seed == "answer lost")
        phone.app.faults.fail = ["push"] * (seed == "never reaches") + ["replay"] * (
            100 * fail_replays
        )
        self.run(phone.app.login())
        phone.app.faults.lose, phone.app.faults.fail = [], []
        phone.signed_in = True
        phone.forget()
        self._reached(phone, pushes)

    @rule(d=st.integers(0, DEVICES - 1), lose_pull=st.booleans())
    def relaunch(self, d: int, lose_pull: bool) -> None:
        """The app restarted with a stored session: same session, local data replaced."""
        phone = self.phones[d]
        if not phone.signed_in:
            return
        pushes = len(phone.app.pushes)
        phone.app.faults.lose = ["pull"] * lose_pull
        self.run(phone.app.load_user_data())
        self.run(phone.app.process_queue())
        phone.app.faults.lose = []
        phone.forget()
        self._reached(phone, pushes)

    def _reached(self, phone: Phone, since: int) -> None:
        """A seed row that reached the server is the household's item of that name, or a
        new one at quantity 0 where it has none."""
        phone.unseen_seed = phone.app.seeded and len(phone.app.pushes) == since
        if not self.counts(phone):
            return
        for ops in phone.app.pushes[since:]:
            for op in ops:
                name = self.logical(op["data"]["name"]) if op["entity"] == "item" else ""
                if name in SEED_ITEMS:
                    self.expected.setdefault(name, 0)

    @rule(d=st.integers(0, DEVICES - 1), lose=st.booleans(), fail_replays=st.booleans())
    def logout(self, d: int, lose: bool, fail_replays: bool = False) -> None:
        phone = self.phones[d]
        if not phone.signed_in:
            return
        pushes = len(phone.app.pushes)
        orders = [(o.get("localId") or o["id"], o["status"]) for o in phone.app.orders]
        phone.app.faults.lose = ["push"] * lose
        phone.app.faults.fail = ["replay"] * (100 * fail_replays)
        whole = bool(phone.app.categories or phone.app.items)
        self.run(phone.app.logout())
        phone.app.faults.lose, phone.app.faults.fail = [], []
        phone.signed_in = False
        self._reached(phone, pushes)
        if whole and self.counts(phone):  # the whole state went (it reaches the server)
            self._pushed(phone, phone.app.pushes[-1], orders)
        phone.forget()
        self.check_stock()

    def _pushed(
        self, phone: Phone, ops: list[dict[str, Any]], orders: list[tuple[str, str]]
    ) -> None:
        item_ops = {
            self.logical(op["data"]["name"]): op["id"] for op in ops if op["entity"] == "item"
        }
        for name, delta in phone.deltas.items():
            if delta:
                self.op_deltas[item_ops[name]] = (name, delta)
                self.expected[name] = self.expected.get(name, 0) + delta
        for name, quantity in phone.created.items():
            self.expected.setdefault(name, quantity)
        self.removed |= phone.deleted
        for key, status in orders:
            if RANK[status] >= RANK[self.statuses.get(key, "pending")]:
                self.statuses[key] = status

    @rule(d=st.integers(0, DEVICES - 1))
    def resend_last_push(self, d: int) -> None:
        """A network layer sends a push again: every operation answers duplicate."""
        phone = self.phones[d]
        if not (phone.signed_in and phone.app.pushes):
            return
        ops = phone.app.pushes[-1]
        with contextlib.suppress(Lost):
            self.run(phone.app._post("push", {"operations": ops}))

    # --- offline edits ----------------------------------------------------------------
    def _items(self, phone: Phone) -> list[dict[str, Any]]:
        return sorted(phone.app.items, key=lambda i: i["name"]) if phone.signed_in else []

    @rule(d=st.integers(0, DEVICES - 1), pick=st.integers(0, 40), delta=st.integers(-4, 6))
    def change_stock(self, d: int, pick: int, delta: int) -> None:
        phone = self.phones[d]
        if not (items := self._items(phone)):
            return
        item = items[pick % len(items)]
        new, name = max(0, item["quantity"] + delta), self.logical(item["name"])
        if name not in phone.created:
            phone.deltas[name] = phone.deltas.get(name, 0) + new - item["quantity"]
        else:
            phone.created[name] = new
        item["quantity"] = new

    @rule(d=st.integers(0, DEVICES - 1), pick=st.integers(0, 40))
    def rename(self, d: int, pick: int) -> None:
        """The family renames an item on the phone (a seed row too)."""
        phone = self.phones[d]
        if not (items := self._items(phone)):
            return
        item = items[pick % len(items)]
        first = self.logical(item["name"])
        if phone.unseen_seed and first in SEED_ITEMS:
            return  # a seed row renamed before the server saw it cannot be told from a new item
        item["name"] = f"{first} r{next(self.names)}"
        self.aliases[item["name"]] = first

    @rule(d=st.integers(0, DEVICES - 1), quantity=st.integers(0, 5))
    def create_item(self, d: int, quantity: int) -> None:
        phone = self.phones[d]
        if not (phone.signed_in and phone.app.categories):
            return
        name = f"Item {next(self.names)}"
        phone.app.create_item(phone.app.categories[0]["name"], name, quantity)
        phone.created[name] = quantity

    @rule(d=st.integers(0, DEVICES - 1), pick=st.integers(0, 40))
    def delete_item(self, d: int, pick: int) -> None:
        phone = self.phones[d]
        if not (items := self._items(phone)):
            return
        shown = items[pick % len(items)]["name"]
        phone.app.delete_item(shown)
        name = self.logical(shown)
        phone.deltas.pop(name, None)
        if phone.created.pop(name, None) is None:
            phone.deleted.add(name)

    @rule(d=st.integers(0, DEVICES - 1), pick=st.integers(0, 40), quantity=st.integers(1, 5))
    def create_order(self, d: int, pick: int, quantity: int) -> None:
        phone = self.phones[d]
        if not (items := [i for i in self._items(phone) if i["name"] not in phone.created]):
            return
        phone.app.create_order([(items[pick % len(items)]["name"], quantity)])

    @rule(d=st.integers(0, DEVICES - 1), pick=st.integers(0, 10))
    def receive_and_apply(self, d: int, pick: int) -> None:
        phone = self.phones[d]
        open_orders = [o for o in phone.app.orders if o["status"] in ("pending", "received")]
        if not (phone.signed_in and open_orders):
            return
        order = open_orders[pick % len(open_orders)]
        live = {i["id"] for i in phone.app.items}
        if order["status"] == "received" and all(line["itemId"] in live for line in order["items"]):
            phone.app.apply(order)
        else:
            phone.app.receive(order)

    # --- what must hold ---------------------------------------------------------------
    def server(self) -> tuple[dict[str, int], list[dict[str, Any]]]:
        """Items by their first name (no item twice), and orders."""
        page = self.run(self.client.get("/api/v1/items?pageSize=100", headers=self.headers))
        orders = self.run(self.client.get("/api/v1/orders?pageSize=100", headers=self.headers))
        assert page.status_code == orders.status_code == 200
        items: dict[str, int] = {}
        for item in page.json()["items"]:
            name = self.logical(item["name"])
            assert name not in items, f"{name} is in the household twice"
            items[name] = item["quantity"]
        return items, orders.json()["orders"]

    def check_stock(self) -> None:
        items, orders = self.server()
        refused = self.refused()
        applied: dict[str, int] = {}
        for order in orders:
            if order["status"] == "stock_updated":
                for line in order["items"]:
                    name = self.logical(line["name"])
                    applied[name] = applied.get(name, 0) + line["quantity"]
            key = order["localId"] or order["id"]
            if key in self.statuses:
                assert order["status"] == self.statuses[key], order
        for name, expected in self.expected.items():
            if name in self.removed:
                continue
            assert name in items, f"{name} was removed though no device holding it deleted it"
            want = expected + applied.get(name, 0) - refused.get(name, 0)
            assert items[name] == want, (name, items[name], want)

    def refused(self) -> dict[str, int]:
        """Stock changes the server refused as out of range: recorded in the item's history."""
        page = self.run(self.client.get("/api/v1/items?pageSize=100", headers=self.headers))
        refused: dict[str, int] = {}
        # (every refused change was an operation of this simulation, named by its first name)
        for item in page.json()["items"]:
            path = f"/api/v1/items/{item['id']}/history?pageSize=100"
            history = self.run(self.client.get(path, headers=self.headers)).json()
            for entry in history["entries"]:
                change = entry["change"] or {}
                op_id = change.get("operationId")
                if change.get("reason") == "insufficient_stock" and op_id in self.op_deltas:
                    name, delta = self.op_deltas[op_id]
                    refused[name] = refused.get(name, 0) + delta
        return refused

    def converge(self) -> None:
        for d in range(DEVICES):
            self.logout(d, lose=False)
        self.check_stock()
        for phone in self.phones:
            if phone.role == "removed":  # it signs in to a household of its own now
                continue
            self.run(phone.app.login())
            held = {self.logical(i["name"]): i["quantity"] for i in phone.app.items}
            assert held == self.server()[0]
            self.run(phone.app.logout())


class SharedHousehold(Household):
    """The phones of three members (API.md 12): the owner's, a caregiver's and a viewer's;
    the caregiver may be removed midway. A viewer's changes are refused (its unchanged
    whole state is not); a removed member's phone signs in to a household of its own."""

    ROLES = ("owner", "caregiver", "viewer")

    @rule()
    def remove_the_caregiver(self) -> None:
        caregiver = self.phones[1]
        if caregiver.role != "caregiver":
            return
        me = self.run(self.client.get("/api/v1/auth/me", headers=self.headers)).json()
        who = self.run(caregiver_id(self.client, self.headers, caregiver.app.email))
        removed = self.run(self.client.delete(f"{H}/current/members/{who}", headers=self.headers))
        assert removed.status_code == 200 and me["id"] != who, removed.text
        caregiver.role = "removed"


async def caregiver_id(client: httpx.AsyncClient, headers: dict[str, str], email: str) -> str:
    home = (await client.get(f"{H}/current", headers=headers)).json()
    return str(next(m["userId"] for m in home["members"] if m["email"] == email))


def test_the_apps_life_cycle_loses_and_invents_nothing(
    settings: Settings, database: Database
) -> None:
    simulate(Household, settings, database)


def test_members_of_one_household_with_their_roles_lose_and_invent_nothing(
    settings: Settings, database: Database, mailbox: Mailbox
) -> None:
    MAIL[:] = [mailbox]
    simulate(SharedHousehold, settings, database)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
