"""The output folder's lock: one build at a time writes a folder, and the lock file is gone
when the build ends (a web edition served from the folder must not publish the building
host's name, and two builds must leave the same files)."""

from __future__ import annotations

import threading
import time

from publisher import outputs
from publisher.outputs import LOCK_FILE, write_outputs


def test_a_build_leaves_no_lock_file(tmp_path):
    write_outputs(tmp_path / "out", {"a.txt": b"a"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt"]


def test_builds_into_one_folder_take_turns_though_each_removes_the_lock_file(tmp_path):
    """Each holder removes the lock file as it leaves; a waiter then holds a file no longer
    at the path, and must lock the path's new file, or a third build would get in beside it."""
    folder = tmp_path / "out"
    inside: list[int] = []
    most = 0
    guard = threading.Lock()

    def build(n: int) -> None:
        nonlocal most
        with outputs.locked(folder, timeout=60):
            with guard:
                inside.append(n)
                most = max(most, len(inside))
            assert (folder / LOCK_FILE).is_file()  # the file this build holds is at the path
            time.sleep(0.3)
            with guard:
                inside.remove(n)

    threads = [threading.Thread(target=build, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.05)  # the later ones open the file the first holds, then wait on it
    for t in threads:
        t.join()
    assert most == 1
    assert not (folder / LOCK_FILE).exists()
