"""The web edition's test editions, builds, site, server and browser, made once per session.

Three issues of the sample's paper: the sample (2019-10-21, one 版), the sample's articles on
two 版 dated 2019-10-22 with the feature continued from 第1版 on 第2版 (下转/上接), and the
sample dated 2019-10-24 (a day without an issue between). Each of the first two is built with
the archive and the web edition in one run (the ALTO and the zones from one print layout);
the site is built with two issues, then the third is added (tests/web/test_site.py checks
what that rewrote). The site is served by ``python -m http.server`` on localhost and read by
Debian's Chromium driven by Playwright (its own browser download is not used).
"""

from __future__ import annotations

import hashlib
import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import SAMPLE

CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium as root, offline: no sandbox (root), and none of its own network traffic
# (a closed network refuses it, many connections at a time).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]

TWO_PAGES = """\
[paper]
id = "xnrb"
name = "咸宁日报"
publisher = "咸宁日报社"
cn = "CN 42-0032"

[issue]
date = 2019-10-22
number = 8217
edition = "咸安"
edition_code = "xianan"

[[pages]]
number = 1
name = "咸安新闻"
editors = [{ role = "责任编辑", name = "周敏" }]
articles = ["jiceng-zhili", "mingchu-liangzao", "guanbuqiao-zhenggai", "hesheng-minjing", "yaozui-daqiao"]
# the feature on two grid columns does not fit: the rest is continued on 第2版
layout = [
    { article = "jiceng-zhili", columns = 2, column = 1, continued_on = 2 },
    { article = "mingchu-liangzao", columns = 6, column = 3 },
    { article = "guanbuqiao-zhenggai", columns = 6, column = 3 },
    { article = "hesheng-minjing", columns = 6, column = 3 },
    { article = "yaozui-daqiao", columns = 6, column = 3 },
]

[[pages]]
number = 2
name = "综合新闻"
editors = [{ role = "责任编辑", name = "周敏" }]
articles = ["rencai-dasai", "kunlun-xingdong", "shuihulu", "xiangcheng-jianxun"]
"""

DATES = ("2019-10-21", "2019-10-22", "2019-10-24")


def make_editions(root: Path) -> dict[str, Path]:
    """The three test issues as edition folders under ``root``, by date."""
    out = {"2019-10-21": SAMPLE}
    two = root / "xnrb-2019-10-22-xianan"
    shutil.copytree(SAMPLE, two)
    (two / "edition.toml").write_text(TWO_PAGES, "utf-8")
    out["2019-10-22"] = two
    later = root / "xnrb-2019-10-24-xianan"
    shutil.copytree(SAMPLE, later)
    toml = (later / "edition.toml").read_text("utf-8")
    toml = toml.replace("date = 2019-10-21", "date = 2019-10-24").replace("number = 8216", "number = 8219")
    (later / "edition.toml").write_text(toml, "utf-8")
    out["2019-10-24"] = later
    return out


@pytest.fixture(scope="session", autouse=True)
def web_cache(tmp_path_factory):
    """The 版 image cache of this session: builds share it, the user's is not touched."""
    folder = tmp_path_factory.mktemp("publisher-cache")
    old = os.environ.get("PUBLISHER_CACHE")
    os.environ["PUBLISHER_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("PUBLISHER_CACHE", None)
    else:
        os.environ["PUBLISHER_CACHE"] = old


@pytest.fixture(scope="session")
def editions(tmp_path_factory) -> dict[str, Path]:
    return make_editions(tmp_path_factory.mktemp("web-editions"))


@pytest.fixture(scope="session")
def builds(editions, tmp_path_factory) -> dict[str, Path]:
    """The sample and the two-版 issue built with the archive and the web edition (and the
    EPUB and reading PDFs, which the web edition links): date -> OUT/<edition-id>/."""
    from publisher.publish import publish

    out = tmp_path_factory.mktemp("web-builds")
    done = {}
    for date in DATES[:2]:
        result = publish(editions[date], out, ["archive", "web", "epub", "pdf", "phone"])
        done[date] = out / result.edition.id
    return done


def digest_tree(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file under ``root``: path -> (sha256, inode, mtime in ns)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(root).as_posix()] = (
                hashlib.sha256(path.read_bytes()).hexdigest(), st.st_ino, st.st_mtime_ns)
    return out


@pytest.fixture(scope="session")
def site_run(editions, tmp_path_factory):
    """The site built with the first two issues, then the third added:
    (site folder, files before, files after, the second run's SiteResult)."""
    from publisher.config import load_settings
    from publisher.site import build_site

    site = tmp_path_factory.mktemp("web-site") / "site"
    settings = load_settings()
    build_site([editions[d] for d in DATES[:2]], site, settings)
    before = digest_tree(site)
    time.sleep(0.05)  # a file written again gets a later mtime
    result = build_site([editions[d] for d in DATES], site, settings)
    return site, before, digest_tree(site), result


@pytest.fixture(scope="session")
def site(site_run) -> Path:
    return site_run[0]


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``folder`` served by python -m http.server on a free localhost port: its URL; the
    server is stopped and reaped after.

    The server binds port 0 itself and says which port it got ("Serving HTTP on 127.0.0.1
    port N ..." once it listens). A port found free here and handed to it could be taken by
    another process in between (the machine's ephemeral ports are everyone's: Dask, the
    browsers, the other test runs), and the test then read another server's pages."""
    proc = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                             "--directory", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    try:
        # a bound for a hang (the server says its port at once), not a measure of speed
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        said = proc.stdout.readline() if ready else ""
        port = re.search(r" port (\d+) ", said)
        if port is None:
            raise RuntimeError(f"python -m http.server did not start: {said!r}")
        yield f"http://127.0.0.1:{port.group(1)}"
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        proc.stdout.close()


@pytest.fixture(scope="session")
def site_url(site):
    with serving(site) as url:
        yield url


@pytest.fixture(scope="package")
def browser():
    """Debian's Chromium, headless, driven by Playwright; closed after tests/web (one sync
    Playwright runs at a time in a process: the EPUB reader tests start their own)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run `make test-tools` "
                    "(scripts/setup-system.sh test)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield _Patient(chromium)
        chromium.close()


# ms Playwright waits for a page to load, an element, a function (its default: 30 s): a bound
# for a hang, not a measure of Chromium's speed, which at load 24 on two cores is a fraction
# of what it is idle
BROWSER_TIMEOUT = 120_000


class _Patient:
    """The browser, whose contexts and pages wait up to BROWSER_TIMEOUT."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.set_default_timeout(BROWSER_TIMEOUT)
        return context

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.set_default_timeout(BROWSER_TIMEOUT)
        return page

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture
def page(browser, site_url):
    """A fresh browser page that may only reach the site: any other request fails the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    elsewhere: list[str] = []

    def check(route):
        if route.request.url.startswith(site_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", check)
    yield tab
    context.close()
    assert not elsewhere, f"the page asked for something outside the site: {elsewhere}"
