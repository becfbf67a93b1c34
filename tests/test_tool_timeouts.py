"""Every external tool publisher runs has a time limit: a hung tool is stopped and the run
fails with the project's error (the tool, what happened, what to do), never hangs.

Each test puts a fake tool first on PATH (or gives its path) that records its process id
and sleeps far longer than the limit, patched down to a fraction of a second: the tool must
be stopped (its process gone) and the error must say so. Before the limits, these tests
waited for the fake tool to end by itself and then failed: no error.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from typer.testing import CliRunner

from publisher.errors import PublisherError

LIMIT = 1.0  # s: the patched limit
SLEEP = 30  # s: the fake tool's sleep, if nothing stops it


@pytest.fixture
def hung(tmp_path, monkeypatch):
    """hung(name) -> the path of a fake tool ``name`` first on PATH, which sleeps SLEEP
    seconds (``exec``: the sleeping process is the one started); ``hung.pid()``, the process
    id it recorded."""
    folder = tmp_path / "bin"
    folder.mkdir()
    pid_file = tmp_path / "tool.pid"
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    def make(name: str) -> Path:
        tool = folder / name
        tool.write_text(f"#!/bin/sh\necho $$ > '{pid_file}'\nexec sleep {SLEEP}\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
        return tool

    def pid() -> int | None:
        """None if the tool was stopped before it wrote its id (a very loaded machine), or
        between the shell's creating the file and writing it (int("") raised then)."""
        text = pid_file.read_text().strip() if pid_file.exists() else ""
        return int(text) if text else None

    make.pid = pid  # type: ignore[attr-defined]
    yield make


def _stopped(pid: int | None) -> bool:
    """Whether the process is gone (ended and reaped: subprocess.run waits for what it kills)."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_pagefind_past_its_limit_is_stopped_and_the_build_fails(hung, monkeypatch, tmp_path):
    from publisher.errors import RenderError
    from publisher.web import search

    tool = hung("pagefind")
    monkeypatch.setattr(search, "_binary", lambda: tool)
    monkeypatch.setattr(search, "PAGEFIND_TIMEOUT", LIMIT / 2)
    monkeypatch.setattr(search, "PAGEFIND_TIMEOUT_PER_PAGE", LIMIT / 2)  # one page
    with pytest.raises(RenderError) as raised:
        search.index_pages({"2019/10/21/01/a/index.html": b"<html></html>"})
    (problem,) = raised.value.problems
    assert problem.code == "web-search"
    assert f"Pagefind did not finish indexing the site's pages in {LIMIT:g} s" in problem.message
    assert problem.hint and _stopped(hung.pid())


def test_epubcheck_past_its_limit_is_stopped_and_the_check_fails(hung, monkeypatch, tmp_path):
    from publisher import check
    from publisher.cli import app

    hung("java")
    monkeypatch.setattr(check, "EPUBCHECK_TIMEOUT", LIMIT)
    epub = tmp_path / "issue.epub"
    epub.write_bytes(b"PK")
    result = CliRunner().invoke(app, ["check", str(epub)])
    assert result.exit_code == 1, result.output
    assert f"error[epubcheck]: EPUBCheck did not finish in {LIMIT:g} s and was stopped" in result.output
    assert str(epub) in result.output and "hint:" in result.output
    assert "internal" not in result.output and _stopped(hung.pid())


def test_ghostscript_past_its_limit_is_stopped_and_the_ink_check_fails(hung, monkeypatch, tmp_path):
    from publisher.printing import preflight

    hung("gs")
    monkeypatch.setattr(preflight, "GHOSTSCRIPT_TIMEOUT", LIMIT)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp_path / "page.pdf")
    report = preflight.preflight(tmp_path / "page.pdf")
    (ink,) = [f for f in report.findings if f.code == "ink"]
    assert ink.severity == "error" and not report.passed
    assert f"Ghostscript did not render the separations in {LIMIT:g} s and was stopped" in ink.message
    assert _stopped(hung.pid())


def test_opj_compress_past_its_limit_is_stopped_and_the_archive_fails(hung, monkeypatch):
    from publisher.archive import ndnp

    hung("opj_compress")
    monkeypatch.setattr(ndnp, "OPJ_TIMEOUT", LIMIT)
    with pytest.raises(PublisherError) as raised:
        ndnp.service_jp2(Image.new("L", (16, 16), 255))
    (problem,) = raised.value.problems
    assert problem.code == "ndnp" and problem.hint
    assert f"opj_compress did not encode a page's JPEG 2000 service image in {LIMIT:g} s" in problem.message
    assert _stopped(hung.pid())


def test_ssh_keygen_past_its_limit_is_stopped_signing_and_checking(hung, monkeypatch, tmp_path):
    from publisher.archive import sign

    hung("ssh-keygen")
    monkeypatch.setattr(sign, "TIMEOUT", LIMIT)
    key = tmp_path / "key"
    key.write_text("not read by the fake tool")
    with pytest.raises(PublisherError) as raised:
        sign.signature(b"manifest", key)
    (problem,) = raised.value.problems
    assert problem.code == "sign"
    assert f"ssh-keygen did not answer in {LIMIT:g} s and was stopped" in problem.message
    assert _stopped(hung.pid())

    bag = tmp_path / "bag"
    bag.mkdir()
    (bag / sign.SIGNED).write_bytes(b"manifest")
    (bag / sign.SIGNATURE).write_bytes(b"-----BEGIN SSH SIGNATURE-----\n")
    (tmp_path / "signers").write_text("archive@paper ssh-ed25519 AAAA\n")
    (checked,) = sign.check_signature(bag, tmp_path / "signers")
    assert checked.code == "signature"
    assert f"the signature is not checked: ssh-keygen did not answer in {LIMIT:g} s" in checked.message
    assert _stopped(hung.pid())
