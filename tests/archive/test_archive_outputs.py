"""``write_outputs`` with whole folders: replaced in one swap, all or nothing."""

from __future__ import annotations

import pytest

from publisher import outputs
from publisher.outputs import write_outputs


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_is_written_whole(tmp_path):
    written = write_outputs(tmp_path, {"a.txt": b"a"}, {"bag": {"x/y.txt": b"1", "z.txt": b"2"}})
    assert tmp_path / "bag" in written and tmp_path / "a.txt" in written
    assert _tree(tmp_path / "bag") == {"x/y.txt": b"1", "z.txt": b"2"}


def test_a_folder_is_replaced_whole_old_files_gone(tmp_path):
    write_outputs(tmp_path, {}, {"bag": {"old.txt": b"old", "keep.txt": b"v1"}})
    write_outputs(tmp_path, {}, {"bag": {"keep.txt": b"v2"}})
    assert _tree(tmp_path / "bag") == {"keep.txt": b"v2"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(outputs.TMP_PREFIX)] == []


def test_the_swap_without_renameat2_gives_the_same_result(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    write_outputs(tmp_path, {}, {"bag": {"old.txt": b"old"}})
    write_outputs(tmp_path, {}, {"bag": {"new.txt": b"new"}})
    assert _tree(tmp_path / "bag") == {"new.txt": b"new"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(outputs.TMP_PREFIX)] == []


def test_a_failure_while_writing_keeps_the_previous_folder(tmp_path, monkeypatch):
    write_outputs(tmp_path, {}, {"bag": {"a.txt": b"v1", "b.txt": b"v1"}})
    real = outputs._write_file
    calls = []

    def fail_on_second(path, data, **kw):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(path))
        real(path, data, **kw)

    monkeypatch.setattr(outputs, "_write_file", fail_on_second)
    with pytest.raises(outputs.OutputError, match="No space left"):
        write_outputs(tmp_path, {"c.txt": b"c"}, {"bag": {"a.txt": b"v2", "b.txt": b"v2"}})
    assert _tree(tmp_path / "bag") == {"a.txt": b"v1", "b.txt": b"v1"}
    assert not (tmp_path / "c.txt").exists()  # all or nothing: the loose file waits too
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(outputs.TMP_PREFIX)] == []


def test_stale_temporary_folders_are_cleared_by_the_next_build(tmp_path):
    stale = tmp_path / f"{outputs.TMP_PREFIX}bag-abc"
    (stale / "data").mkdir(parents=True)
    (stale / "data" / "half.txt").write_bytes(b"half")
    write_outputs(tmp_path, {}, {"bag": {"a.txt": b"a"}})
    assert not stale.exists()


def test_a_folder_file_may_not_leave_its_folder(tmp_path):
    with pytest.raises(ValueError, match="leaves its folder"):
        write_outputs(tmp_path, {}, {"bag": {"../escape.txt": b"x"}})
    assert not (tmp_path / "escape.txt").exists()


def test_files_inside_a_bag_are_never_taken_for_leftovers(tmp_path):
    name = f"{outputs.TMP_PREFIX}looks-like-a-leftover.jpg"
    write_outputs(tmp_path, {}, {"bag": {"bagit.txt": b"BagIt-Version: 1.0\n",
                                         f"data/{name}": b"a photo"}})
    write_outputs(tmp_path, {"other.txt": b"x", "bag2/y.txt": b"y"})
    assert (tmp_path / "bag" / "data" / name).read_bytes() == b"a photo"


def test_stale_temporary_files_beside_nested_outputs_are_cleared(tmp_path):
    (tmp_path / "print").mkdir()
    stale = tmp_path / "print" / f"{outputs.TMP_PREFIX}abc"
    stale.write_bytes(b"half")
    write_outputs(tmp_path, {"print/p01.pdf": b"%PDF"})
    assert not stale.exists()


def test_without_syncfs_every_file_is_flushed_on_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "_syncfs", lambda folder: False)
    flushed = []
    real_fsync = outputs.os.fsync

    def fsync(fd: int) -> None:
        flushed.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(outputs.os, "fsync", fsync)
    write_outputs(tmp_path, {}, {"bag": {"a/x.txt": b"1", "y.txt": b"2"}})
    assert _tree(tmp_path / "bag") == {"a/x.txt": b"1", "y.txt": b"2"}
    assert len(flushed) >= 2 + 2  # two files, two folders (and the output folder)
