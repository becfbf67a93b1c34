"""A render, or the engine's load, stopped half way leaves the process able to render again,
the same bytes as ever.

A signal handler that raises (the CLI's on SIGTERM, Ctrl-C, a timer) raises wherever the
main thread stands; so does an error from a callback, or MemoryError. The process goes on:
a test session after a SIGTERM in one test, a backfill worker after a task stopped, a
reading or print worker after a 版 that failed. Each case here stops the engine where it
kept something for the next render, then renders again and compares with a process where
nothing was stopped. Loading runs in processes of their own (a half-imported WeasyPrint
mixes two copies of its modules, which can crash the process). Stopping renders at random
points of every kind (the reading PDF whole and 版 by 版, a print 版, the EPUB's cover):
benchmarks/interrupted_renders.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.publish import load
from tests.conftest import SAMPLE

ROOT = Path(__file__).resolve().parent.parent


class Stopped(SystemExit):
    """What the CLI's SIGTERM handler raises (signals.Terminated is a SystemExit too)."""


def _reading(settings):
    return settings.model_copy(update={"reading": settings.reading.model_copy(update={"by_page": False})})


def test_a_render_stopped_while_a_line_is_written_leaves_no_rounding_behind():
    """engine/patches/diffused_rounding.py carries a rounding remainder along a TJ array and
    clears it at the array's end: a render stopped before that end (here at the call that
    writes the array) left it to the next render, whose first arrays were rounded otherwise."""
    from publisher.engine.patches import diffused_rounding
    from publisher.reading import reading_pdf

    edition, settings, fonts, _ = load(SAMPLE)
    settings = _reading(settings)
    clean = reading_pdf(edition, settings, fonts)
    code = diffused_rounding.show_text.__code__

    def stop(frame, event, arg):
        if event == "call" and frame.f_code is code and diffused_rounding._remainder[0] != 0.0:
            sys.settrace(None)
            raise Stopped(143)

    sys.settrace(stop)
    try:
        with pytest.raises(Stopped):
            reading_pdf(edition, settings, fonts)
    finally:
        sys.settrace(None)
    assert diffused_rounding._remainder[0] != 0.0  # what the stopped render left
    assert reading_pdf(edition, settings, fonts) == clean


# In a process of its own: load the engine, maybe stopped (a meta path finder that raises
# when a module is about to be imported, or an adaptation that raises while it is installed),
# load again, and print the digest of a small justified render.
_SCRIPT = """
import hashlib, sys
from pathlib import Path
from publisher import engine
from publisher.config import load_settings
from publisher.fonts import load_fonts

class Stopped(SystemExit):
    pass

class Stop:
    def __init__(self, name):
        self.name = name
    def find_spec(self, name, path=None, target=None):
        if name == self.name:
            sys.meta_path.remove(self)
            raise Stopped(143)

settings = load_settings()
fonts = load_fonts(settings.fonts_dir)
how, where = sys.argv[1], sys.argv[2]
if how == "import":
    sys.meta_path.insert(0, Stop(where))
elif how == "install":
    import importlib
    adaptation = importlib.import_module(where)
    replacements = adaptation.replacements
    def stopped():
        adaptation.replacements = replacements
        raise Stopped(143)
    adaptation.replacements = stopped
if how != "none":
    try:
        engine.load(fonts)
    except Stopped:
        print("stopped", file=sys.stderr)
    else:
        raise AssertionError("not stopped")
engine.load(fonts)
html = ("<html lang='zh'><body style='width: 60mm; text-align: justify; font-family: serif'>"
        + "<p>" + "全区各乡镇认真开展主题教育活动，深入基层调查研究 2019 年 10 月，解决群众反映的突出问题。" * 4
        + "</p></body></html>")
tmp = Path(sys.argv[3])
pdf = engine.render(html, base_dir=tmp, stylesheets=[settings.styles_dir / "typeset.css"], fonts=fonts,
                    sandbox=engine.Sandbox((tmp, settings.styles_dir, settings.fonts_dir)), what="test").pdf
print(hashlib.sha256(pdf).hexdigest())
"""


def _digest(tmp_path: Path, how: str, where: str = "") -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-c", _SCRIPT, how, where, str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert ("stopped" in done.stderr) == (how != "none"), done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def clean_digest(tmp_path_factory) -> str:
    return _digest(tmp_path_factory.mktemp("clean"), "none")


@pytest.mark.parametrize(("how", "where"), [
    ("import", "weasyprint.css"),  # weasyprint.urls and others imported, the package not
    ("import", "weasyprint.text.fonts"),  # while the FFI bindings are made
    ("import", "pycparser.c_ast"),  # cffi's parser, half imported
])
def test_a_load_stopped_half_way_loads_again_and_renders_the_same_bytes(tmp_path, clean_digest, how, where):
    """rendering.load: an import of WeasyPrint stopped half way left its finished submodules
    and dropped its package, so every later load failed (``module 'weasyprint' has no
    attribute 'urls'``, or cffi's ``module 'pycparser' has no attribute 'c_ast'``)."""
    assert _digest(tmp_path, how, where) == clean_digest


def test_an_install_stopped_half_way_is_undone_and_done_again(tmp_path, clean_digest):
    """rendering.load: an install that raised (here one adaptation's ``replacements``, the
    general patches applied before it) is undone; the next load installs every adaptation."""
    assert _digest(tmp_path, "install", "publisher.engine.justify") == clean_digest


def test_signals_held_are_handled_when_the_block_ends():
    """engine/signals.py: inside the block a handler only notes its signal; it runs, once,
    when the block ends, and the handlers are the process's own again."""
    import signal

    from publisher.signals import held

    seen: list[int] = []

    def handler(signum, frame):
        seen.append(signum)
        raise Stopped(143)

    old = signal.signal(signal.SIGUSR1, handler)
    try:
        with pytest.raises(Stopped), held():
            signal.raise_signal(signal.SIGUSR1)
            signal.raise_signal(signal.SIGUSR1)
            assert seen == []
            done = True
        assert done and seen == [signal.SIGUSR1]
        assert signal.getsignal(signal.SIGUSR1) is handler
    finally:
        signal.signal(signal.SIGUSR1, old)
