"""Opening source files (publisher/sources/files.py): once, as plain files, inside the edition.

Links are never followed (inside or out), a FIFO or device is refused at once without
waiting, a hard link counts only when all its links are in the edition, sizes are bounded;
a file a person names (an import's input) may be a link but must be a plain file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from publisher.sources.files import EditionFiles, Refused, read_file


@pytest.fixture
def edition(tmp_path) -> Path:
    folder = tmp_path / "ed"
    (folder / "articles").mkdir(parents=True)
    (folder / "articles" / "one.md").write_text("正文", "utf-8")
    (tmp_path / "outside.txt").write_text("SECRET", "utf-8")
    return folder


def refusal(files: EditionFiles, rel: str, **kw) -> Refused:
    with pytest.raises(Refused) as info:
        files.read(rel, **kw)
    return info.value


def test_a_plain_file_is_read(edition):
    assert EditionFiles(edition).read("articles/one.md") == "正文".encode()


def test_links_are_never_followed(edition):
    (edition / "articles" / "out.md").symlink_to(edition.parent / "outside.txt")
    (edition / "articles" / "in.md").symlink_to(edition / "articles" / "one.md")
    (edition / "linked").symlink_to(edition / "articles")
    files = EditionFiles(edition)
    assert refusal(files, "articles/out.md").kind == "outside"
    assert refusal(files, "articles/in.md").kind == "link"
    assert refusal(files, "linked/one.md").kind == "link"  # a linked folder on the way too


def test_a_hard_link_counts_only_when_every_link_is_inside(edition):
    os.link(edition.parent / "outside.txt", edition / "articles" / "hard.md")
    os.link(edition / "articles" / "one.md", edition / "articles" / "twin.md")
    files = EditionFiles(edition)
    assert refusal(files, "articles/hard.md").kind == "hard-link"
    assert files.read("articles/twin.md") == "正文".encode()  # both links in the edition


def test_a_fifo_is_refused_at_once(edition):
    os.mkfifo(edition / "articles" / "pipe.md")
    result: list = []
    thread = threading.Thread(target=lambda: result.append(refusal(EditionFiles(edition), "articles/pipe.md")),
                              daemon=True)
    thread.start()
    thread.join(120)  # a bound for a hang (a FIFO opened for reading blocks forever)
    assert result and result[0].kind == "not-a-file" and "FIFO" in result[0].message


def test_a_device_is_refused(tmp_path):
    with pytest.raises(Refused) as info:
        read_file(Path("/dev/zero"))
    assert info.value.kind == "not-a-file" and "device" in info.value.message


def test_sizes_and_missing_files(edition):
    files = EditionFiles(edition)
    assert refusal(files, "articles/one.md", limit=3).kind == "too-large"
    assert refusal(files, "articles/none.md").kind == "missing"
    assert refusal(files, "../outside.txt").kind == "outside"
    assert refusal(files, "articles").kind in ("not-a-file", "unreadable")


def test_an_input_may_be_a_link_but_not_a_pipe(tmp_path):
    (tmp_path / "copy.txt").write_text("x", "utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "copy.txt")
    assert read_file(tmp_path / "link.txt") == b"x"
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(Refused) as info:
        read_file(tmp_path / "pipe")
    assert info.value.kind == "not-a-file"
