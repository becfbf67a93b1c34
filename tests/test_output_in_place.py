"""``write_outputs`` leaves a file whose bytes are already in place as it is (not written
again, not flushed: the rebuild after one change of a 16-版 edition rewrote 15 identical
single-版 files), and writes every other one as before: atomically, under the lock."""

from __future__ import annotations

import os

from publisher.outputs import UNFINISHED, unfinished, write_outputs


def _state(path):
    st = os.lstat(path)
    return st.st_ino, st.st_mtime_ns


def test_identical_files_are_left_in_place_and_changed_ones_replaced(tmp_path):
    root = tmp_path / "out"
    first = write_outputs(root, {"a.pdf": b"same", "print/p01.pdf": b"one", "print/p02.pdf": b"two"})
    before = {p.name: _state(p) for p in first}
    again = write_outputs(root, {"a.pdf": b"changed", "print/p01.pdf": b"one", "print/p02.pdf": b"two"})
    # every output named, in the order given, whether written or left
    assert again == [root / "a.pdf", root / "print/p01.pdf", root / "print/p02.pdf"]
    assert _state(root / "print/p01.pdf") == before["p01.pdf"]
    assert _state(root / "print/p02.pdf") == before["p02.pdf"]
    assert _state(root / "a.pdf")[0] != before["a.pdf"][0]  # a new file, renamed into place
    assert (root / "a.pdf").read_bytes() == b"changed"
    assert sorted(p.name for p in root.rglob("*")) == ["a.pdf", "p01.pdf", "p02.pdf", "print"]


def test_a_file_not_as_a_write_leaves_it_is_written_though_its_bytes_are_the_same(tmp_path):
    root = tmp_path / "out"
    write_outputs(root, {"mode.pdf": b"x", "link.pdf": b"y", "longer.pdf": b"z"})
    os.chmod(root / "mode.pdf", 0o600)
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"y")
    os.chmod(elsewhere, 0o644)
    (root / "link.pdf").unlink()
    (root / "link.pdf").symlink_to(elsewhere)
    (root / "longer.pdf").write_bytes(b"z and more")
    before = {name: _state(root / name) for name in ("mode.pdf", "link.pdf", "longer.pdf")}
    write_outputs(root, {"mode.pdf": b"x", "link.pdf": b"y", "longer.pdf": b"z"})
    for name, state in before.items():
        assert _state(root / name)[0] != state[0], name
        assert (root / name).is_file() and not (root / name).is_symlink()
        assert oct((root / name).stat().st_mode & 0o777) == oct(0o644)
    assert elsewhere.read_bytes() == b"y"  # what the link pointed to, untouched
    assert (root / "longer.pdf").read_bytes() == b"z"


def test_a_file_a_killed_write_listed_is_current_once_its_bytes_are_in_place(tmp_path):
    """The list of what a killed write was replacing names a file until a write of it ends;
    a write that finds the file's bytes already in place ends it as well as one that renames."""
    root = tmp_path / "out"
    write_outputs(root, {"a.pdf": b"a", "b.pdf": b"b"})
    (root / UNFINISHED).write_text("a.pdf\nb.pdf\n", "utf-8")  # as a write killed midway leaves it
    write_outputs(root, {"a.pdf": b"a"})
    assert unfinished(root) == ["b.pdf"]
    write_outputs(root, {"b.pdf": b"b"})
    assert not (root / UNFINISHED).exists()
