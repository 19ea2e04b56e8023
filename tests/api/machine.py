"""A base for hypothesis state machines that drive the app over HTTP: each example runs
the real app (its lifespan: pools, runner, listener) on an event loop of its own."""

import asyncio
from typing import Any

from hypothesis.stateful import RuleBasedStateMachine

from tests.documented import checked_client
from vitaltrack.app import create_app

# Set by the test before running the machine (hypothesis builds machines without arguments).
CONTEXT: dict[str, Any] = {}


class AppMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.app = create_app(CONTEXT["settings"], CONTEXT["database"])
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.run(self.lifespan.__aenter__())
        self.client = checked_client(self.app)

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.client.aclose())
        self.run(self.lifespan.__aexit__(None, None, None))
        self.loop.close()
