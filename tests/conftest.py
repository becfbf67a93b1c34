"""Shared fixtures: the repository's paths, small editions made on the fly, and the sample
edition built once per test session (building it is the slow part of the suite)."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
HOUSE = ROOT / "pyproject.toml"

# Every test uses this repository's house, wherever pytest was started from and whatever the
# developer's own $PUBLISHER_HOUSE says (tests/test_house.py tests the search rule itself).
os.environ["PUBLISHER_HOUSE"] = str(HOUSE)


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The sample edition built with every format into a session folder."""
    from publisher.publish import publish

    out = tmp_path_factory.mktemp("sample-build")
    publish(SAMPLE, out)
    return out / "xnrb-2019-10-21-xianan"


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


def long_article(paragraphs: int) -> str:
    body = "\n\n".join(f"{PARAGRAPH}第{i}段。" for i in range(1, paragraphs)) + "\n\n最后一段到此结束。\n"
    return f'+++\nheadline = "一篇很长的稿件"\nbyline = "记者 张三"\n+++\n{body}'


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
