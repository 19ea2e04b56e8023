"""A base for hypothesis state machines that drive the app over HTTP: each example runs
the real app (its lifespan: pools, runner, listener) on an event loop of its own."""

import asyncio
import os
from typing import Any

from hypothesis import Phase
from hypothesis import settings as examples
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from infra.database import Database
from infra.settings import Settings
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


def simulate(machine: type[AppMachine], settings: Settings, database: Database) -> None:
    """Run the state machine with the examples and steps CI runs, or SIM_EXAMPLES / SIM_STEPS
    for a long run (docs/sync.md); SIM_NO_SHRINK=1 reports the first failing run as found."""
    CONTEXT.update(settings=settings, database=database)
    run_state_machine_as_test(
        machine,
        settings=examples(
            max_examples=int(os.environ.get("SIM_EXAMPLES", "6")),
            stateful_step_count=int(os.environ.get("SIM_STEPS", "40")),
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate]
            if os.environ.get("SIM_NO_SHRINK")
            else list(Phase),
        ),
    )
