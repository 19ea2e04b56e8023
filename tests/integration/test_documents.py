"""The repository carries its own documents, and they keep up with the code: the README's
links resolve inside the repository, its two set-up commands and the way to the CLI, every
setting in its table; docs/api.md names every operation and every error code the server has."""

import re
import tomllib
from pathlib import Path
from typing import Any

from infra.settings import Settings
from tests.integration.test_deployment import variable
from wire.errors import CODES

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
API = (ROOT / "docs" / "api.md").read_text()
SAME_ID = re.compile(r"\{(item_id|category_id|order_ref)\}")


def test_the_readme_links_stay_inside_the_repository() -> None:
    links = re.findall(r"\]\(([^)#]+)", README)
    assert {"docs/api.md", "docs/design.md", "docs/sync.md"} <= set(links)
    for link in links:
        if not link.startswith("http"):
            assert (ROOT / link).resolve().is_relative_to(ROOT), link
            assert (ROOT / link).exists(), link
    assert "../" not in README and "shared/" not in README


def test_the_readme_sets_up_with_two_commands_and_shows_the_way_to_the_cli() -> None:
    setup = README.split("## Set up", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in setup.strip().splitlines()] == [
        "make run",
        "make test",
    ]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["vitaltrack"] == "vitaltrack.cli:main"
    assert "VENV := .venv" in (ROOT / "Makefile").read_text()
    assert "`.venv/bin/vitaltrack`" in README and "source .venv/bin/activate" in README
    walkthrough = README.split("A first walkthrough", 1)[1]
    assert re.search(r"/auth/login .*\n.*\"identifier\":", walkthrough)


def test_every_setting_is_in_the_readme_table() -> None:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = "\n".join(line for line in section.splitlines() if line.startswith("| `"))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", rows))
    assert {variable(name) for name in Settings.model_fields} <= documented


def test_docs_api_names_every_operation_and_every_error_code(app: Any) -> None:
    missing = []
    for path, operations in app.openapi()["paths"].items():
        short = SAME_ID.sub("{id}", path.removeprefix("/api/v1"))
        named = short.removeprefix("/auth") if short.startswith("/auth/") else short
        missing += [f"{m} {path}" for m in operations if f"{m.upper()} {named}" not in API]
    assert missing == []
    assert [code for code in CODES if f"`{code}`" not in API] == []
    assert "planned and not served yet" in API
