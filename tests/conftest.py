"""Shared fixtures: the repository's paths, small editions made on the fly, the sample
edition built once per test session in every format (building it is the slow part of the
suite), and the goldens (``--regen-goldens``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ID = "xnrb-2019-10-21-xianan"
SAMPLE = ROOT / "editions" / SAMPLE_ID
HOUSE = ROOT / "pyproject.toml"

# Every test uses this repository's house, wherever pytest was started from and whatever the
# developer's own $PUBLISHER_HOUSE says (tests/test_house.py tests the search rule itself).
os.environ["PUBLISHER_HOUSE"] = str(HOUSE)
# Packages are dated when they are made: by the clock, or by SOURCE_DATE_EPOCH when set (the
# reproducible-builds.org convention). The suite sets it, so every build of it is the same;
# tests/archive/test_archive_dates.py unsets it to see the clock used.
SOURCE_DATE_EPOCH = 1700000000  # 2023-11-14T22:13:20Z
os.environ["SOURCE_DATE_EPOCH"] = str(SOURCE_DATE_EPOCH)

# A suite started in the background of a shell (`make test &`, nohup, a runner that starts
# it so) inherits SIGINT ignored, and Python then installs no Ctrl-C handler: the tests that
# interrupt themselves (``os.kill(os.getpid(), signal.SIGINT)``: the held signals, the
# temporary folders, the solver) saw no KeyboardInterrupt and failed. Ctrl-C as in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

FIXTURES = ROOT / "tests" / "fixtures"
# One real page of a local daily's 咸安 edition as plain text, verbatim: the source the sample
# edition was made from by hand, and the plain-text importer's first case.
SEED_PAGE = FIXTURES / "seeds" / "xianan-2019-10-page.txt"
# The face the typography tests that drive WeasyPrint directly set text in, by its fontconfig
# name (Debian's fonts-noto-cjk, which `make setup` installs; builds use the pinned copies in
# fonts/). Missing, those tests fail through the `noto_serif` fixture: they never skip.
NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")


# The make-up's measurement cache: one for the session, never the developer's own, made in
# pytest_configure (this module is imported a second time as ``tests.conftest`` by the tests
# that import from it: at import, a second folder was made and the first left behind).
CACHE_PREFIX = "publisher-test-cache-"
_cache: tuple[int, str] | None = None  # (the process that made it, the folder)


def _sweep_caches(older_than: float = 86400.0) -> None:
    """Remove the session caches of runs that ended without removing theirs (killed,
    crashed): those whose process is gone, and any without a process id in its name
    (before this rule) not written to for ``older_than`` seconds. A running suite's stays."""
    for folder in Path(tempfile.gettempdir()).glob(CACHE_PREFIX + "*"):
        pid, dash, _ = folder.name[len(CACHE_PREFIX):].partition("-")
        try:
            if dash and pid.isdigit():
                os.kill(int(pid), 0)
                continue  # its suite still runs (or the id is reused: kept until it ends)
            if time.time() - folder.stat().st_mtime < older_than:
                continue
        except (ProcessLookupError, OverflowError):  # its process is gone
            pass
        except OSError:  # not ours to signal, or gone meanwhile
            continue
        shutil.rmtree(folder, ignore_errors=True)


def pytest_configure(config):
    global _cache
    _sweep_caches()
    folder = tempfile.mkdtemp(prefix=f"{CACHE_PREFIX}{os.getpid()}-")
    os.environ["PUBLISHER_CACHE"] = folder
    _cache = (os.getpid(), folder)


def pytest_unconfigure(config):
    if _cache is not None and _cache[0] == os.getpid():
        shutil.rmtree(_cache[1], ignore_errors=True)


@pytest.fixture(autouse=True)
def _signal_handlers():
    """Each test ends with the signal handlers it began with. A CLI command run in this
    process installs its own for SIGTERM (``signals.on_sigterm``): left behind, every later
    test, and every worker it forks, runs under it, and a SIGTERM meant to stop the suite
    lands as an exception in whatever test is running while the run carries on."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in before.items():
        if handler is not None and signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture(scope="session")
def noto_serif() -> Path:
    if not NOTO_SERIF.is_file():
        pytest.fail(f"{NOTO_SERIF} is missing: `make setup` installs it (Debian fonts-noto-cjk)")
    return NOTO_SERIF


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


EVERY_FORMAT = ("epub", "pdf", "print", "archive")


def build_sample(out: Path, source: Path = SAMPLE, page_cache: bool = True) -> Path:
    from publisher.config import load_settings
    from publisher.publish import publish

    settings = load_settings()
    if not page_cache:
        settings = settings.model_copy(
            update={"print": settings.print.model_copy(update={"cache": False})})
    publish(source, out, EVERY_FORMAT, settings=settings)
    return out / SAMPLE_ID


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """OUT/<edition-id>/ of the sample built once in every format (EPUB, reading PDF, print
    PDFs, archive bag), shared by every test that only reads it: never write into it."""
    return build_sample(tmp_path_factory.mktemp("sample-build"))


@pytest.fixture(scope="session")
def sample_rebuild(tmp_path_factory) -> Path:
    """The same build once more, of a copy of the sample lying elsewhere, into another
    folder: for the reproducibility tests (same sources, wherever they lie)."""
    root = tmp_path_factory.mktemp("sample-rebuild-elsewhere")
    source = shutil.copytree(SAMPLE, root / "a" / "copy" / "of" / SAMPLE_ID)
    # every 版 rendered again, not taken from the page cache the first build filled
    return build_sample(root / "out", source, page_cache=False)


_HEAD = """\
[paper]
id = "test"
name = "测试日报"
publisher = "测试日报社"

[issue]
date = 2019-10-21
number = 100

"""

MINIMAL_TOML = _HEAD + """\
[[pages]]
number = 1
name = "要闻"
articles = ["one"]
"""

MINIMAL_ARTICLE = """\
+++
headline = "测试标题"
byline = "记者 张三"
+++
这是正文第一段，用于测试。

第二段。
"""


# A two-版 edition whose first article can jump (下转) to page 2: TWO_PAGES.format(jump=...)
# with jump "" or ", continued_on = 2"; long_article(n) is n paragraphs of it.
PARAGRAPH = "本报讯，全区各乡镇认真开展主题教育活动，深入基层调查研究，解决群众反映的突出问题，" * 3

TWO_PAGES = _HEAD + """\
[[pages]]
number = 1
name = "要闻"
articles = ["long", "one"]
layout = [{{ article = "long", columns = 3{jump} }}]

[[pages]]
number = 2
name = "综合"
articles = ["two"]
"""

SHORT = '+++\nheadline = "第二版稿件"\n+++\n第二版的正文。\n'


def three_pages(*first: str) -> str:
    """edition.toml of a three-版 edition: ``first`` (the articles of page 1, "long" among
    them, where it may jump), then "two" on page 2 and "three" on page 3 (THREE_PAGE_FILES)."""
    return _HEAD + f"""\
[[pages]]
number = 1
name = "要闻"
articles = [{", ".join(f'"{slug}"' for slug in first)}]

[[pages]]
number = 2
name = "综合"
articles = ["two"]

[[pages]]
number = 3
name = "专版"
articles = ["three"]
"""


THREE_PAGE_FILES = {"articles/two.md": SHORT, "articles/three.md": SHORT.replace("第二版", "第三版")}


def long_article(paragraphs: int) -> str:
    body = "\n\n".join(f"{PARAGRAPH}第{i}段。" for i in range(1, paragraphs)) + "\n\n最后一段到此结束。\n"
    return f'+++\nheadline = "一篇很长的稿件"\nbyline = "记者 张三"\n+++\n{body}'


def script_module(path: str):
    """A script of the repository (e.g. "scripts/make_placeholders.py") as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def big_edition_module():
    """benchmarks/make_big_edition.py (``make``, ``EDITION_ID``): the editions of any number
    of 版 the benchmarks use."""
    return script_module("benchmarks/make_big_edition.py")


def house_with(**makeup):
    """The tests' house with some ``[tool.publisher.makeup]`` settings changed (e.g. a
    house that does not jump: jumps="named")."""
    from publisher.config import load_settings

    settings = load_settings()
    return settings.model_copy(update={"makeup": settings.makeup.model_copy(update=makeup)})


@pytest.fixture
def make_edition(tmp_path):
    """Write a small edition: make_edition(files={"articles/one.md": "..."}) -> its folder."""

    def make(files: dict[str, str | bytes] | None = None, toml: str | None = MINIMAL_TOML,
             name: str = "ed") -> Path:
        root = tmp_path / name
        (root / "articles").mkdir(parents=True)
        (root / "images").mkdir()
        if toml is not None:
            (root / "edition.toml").write_text(toml, "utf-8")
        content = {"articles/one.md": MINIMAL_ARTICLE, **(files or {})}
        for rel, data in content.items():
            if data is None:
                continue
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(textwrap.dedent(data) if data.startswith("\n") else data, "utf-8")
        return root

    return make


@pytest.fixture
def copy_sample(tmp_path) -> Path:
    dst = tmp_path / "sample"
    shutil.copytree(SAMPLE, dst)
    return dst


# --- Goldens: outputs a person reviews as a diff -------------------------------------------------
# tests/goldens/<case>/ holds the expected files of one case, byte for byte (builds are
# reproducible: nothing is normalised). `pytest --regen-goldens` writes them anew from the
# current code; review the change with `git diff tests/goldens` and commit it with the code.
GOLDENS = ROOT / "tests" / "goldens"


def pytest_addoption(parser):
    parser.addoption("--regen-goldens", action="store_true", default=False,
                     help="write tests/goldens/<case>/ from the current outputs instead of "
                          "comparing (then review them with git diff)")


def _diff(name: str, expected: bytes, actual: bytes, limit: int = 60) -> str:
    import difflib

    try:
        old, new = expected.decode("utf-8"), actual.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: binary, {len(expected)} -> {len(actual)} bytes"
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                      f"golden/{name}", f"output/{name}", n=2))
    more = f"… {len(lines) - limit} more diff lines\n" if len(lines) > limit else ""
    return "".join(lines[:limit]) + more


@pytest.fixture
def golden(request):
    """golden(case, {relative name: bytes}): the outputs must equal tests/goldens/<case>/
    exactly, no file more or less; with --regen-goldens the case folder is rewritten."""

    def check(case: str, files: dict[str, bytes]) -> None:
        folder = GOLDENS / case
        if request.config.getoption("--regen-goldens"):
            if folder.exists():
                shutil.rmtree(folder)
            for name, data in files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
            return
        if not folder.is_dir():
            pytest.fail(f"no golden for {case}: run pytest --regen-goldens, then review "
                        f"tests/goldens/{case}/ and commit it")
        stored = {p.relative_to(folder).as_posix(): p.read_bytes()
                  for p in sorted(folder.rglob("*")) if p.is_file()}
        report = [f"{name}: not in the output any more" for name in sorted(stored.keys() - files.keys())]
        report += [f"{name}: new output, no golden" for name in sorted(files.keys() - stored.keys())]
        report += [_diff(name, stored[name], files[name]) for name in sorted(files.keys() & stored.keys())
                   if stored[name] != files[name]]
        if report:
            pytest.fail(f"outputs differ from tests/goldens/{case}/ (if intended: pytest "
                        f"--regen-goldens, then review git diff):\n" + "\n".join(report),
                        pytrace=False)

    return check


def count_pools(monkeypatch) -> list[int]:
    """The make-up's pools of galley workers counted from now on: each one's workers, in the
    order they are started (``makeup.measure.Pool``)."""
    from publisher.makeup import measure

    real, pools = measure.Pool, []

    def counted(workers):
        pools.append(workers)
        return real(workers)

    monkeypatch.setattr(measure, "Pool", counted)
    return pools


@contextlib.contextmanager
def without(*replacements):
    """The engine as WeasyPrint is without ``replacements`` (a patch module's
    ``replacements()``: ``engine.patching.Replacement``) for the block, for what they must not
    change; each applied again after it."""
    for replacement in reversed(replacements):
        replacement.revert()
    try:
        yield
    finally:
        for replacement in replacements:
            replacement.apply()


def drop_layout(edition: Path) -> Path:
    """Remove every page's print layout from an edition.toml (the make-up places all)."""
    toml = edition / "edition.toml"
    lines, skipping = [], False
    for line in toml.read_text("utf-8").splitlines():
        if line.startswith("layout = ["):
            skipping = not line.rstrip().endswith("]")
            continue
        if skipping:
            skipping = line.strip() != "]"
            continue
        lines.append(line)
    toml.write_text("\n".join(lines) + "\n", "utf-8")
    return edition
