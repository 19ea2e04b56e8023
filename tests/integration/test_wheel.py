"""The distribution: one `vitaltrack` wheel holding exactly our eight packages (their names are
also taken on PyPI, see README "Packaging"), which installs into a clean venv and runs."""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from devkit.postgres import scratch_database
from infra.database import Database

ROOT = Path(__file__).parents[2]
PACKAGES = {
    "vitaltrack",
    "events",
    "command",
    "query",
    "projections",
    "migrations",
    "wire",
    "infra",
}


def run(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_the_wheel_installs_into_a_clean_venv_and_migrates(
    tmp_path: Path, pg_server: Database
) -> None:
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist", ROOT)
    (wheel,) = (tmp_path / "dist").glob("vitaltrack-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == PACKAGES
    assert "migrations/script.py.mako" in names and "command/accounts/pages/base.html" in names
    assert {"query/planning/mail/digest.html", "query/planning/mail/digest.txt"} <= set(names)

    venv = tmp_path / "clean"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    # The dependencies come from this venv's site-packages as a plain path: its .pth files,
    # which put the source tree (our editable install) on the path, are not read.
    env = {**os.environ, "PYTHONPATH": sysconfig.get_path("purelib"), "LOG_LEVEL": "WARNING"}
    found = run(
        python,
        "-c",
        f"import {', '.join(sorted(PACKAGES))}; print(events.__file__)",
        env=env,
        cwd=tmp_path,
    )
    assert Path(found.stdout.strip()).is_relative_to(venv)
    assert "serve" in run(venv / "bin" / "vitaltrack", "--help", env=env, cwd=tmp_path).stdout

    with scratch_database(pg_server) as fresh:
        env["DATABASE_URL"] = fresh.asyncpg_dsn
        run(venv / "bin" / "vitaltrack", "migrate", env=env, cwd=tmp_path)
        status = run(venv / "bin" / "vitaltrack", "projections", "status", env=env, cwd=tmp_path)
        assert "users" in status.stdout
