"""The development signing key of a fresh data folder, made by workers starting together
(`vitaltrack serve --workers 2`: each builds its app and finds no key)."""

import stat
import threading
from pathlib import Path

from infra.security.tokens import generate_private_key, key_id, load_private_key


def test_workers_racing_for_a_fresh_key_all_end_up_signing_with_one_whole_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys" / "jwt-signing.pem"
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            generate_private_key(path)
        except BaseException as exc:  # the test reports whatever a worker hit
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["jwt-signing.pem"]  # no drafts left


def test_a_key_already_in_place_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "jwt-signing.pem"
    generate_private_key(path)
    first = key_id(load_private_key(path).public_key())

    generate_private_key(path)

    assert key_id(load_private_key(path).public_key()) == first
