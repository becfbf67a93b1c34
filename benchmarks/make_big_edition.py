"""Make a 16-page edition for benchmarks: the sample's 9 articles copied onto every page.

    python benchmarks/make_big_edition.py OUT_DIR [--pages 16] [--no-layout] [--distinct]

Each page gets its own copies of the articles (slugs ``pNN-<slug>``), the sample's print
layout (``--no-layout``: none, the make-up places everything) and a page name of its own;
the photos are shared. The edition is the sample's paper and date under an edition of its
own, 基准 (``EDITION_ID``, xnrb-2019-10-21-bench), so that its outputs never stand in the
sample's folder. The result is an ordinary edition folder: ``publisher build OUT_DIR
--format print`` builds it.

By default every page repeats the sample's copy word for word, so whatever is measured or
cached by content (the make-up's galleys, shaped text) is done once for the first page and
found again for the others: cold figures for such an edition flatter a real issue.
``--distinct`` gives each page from the second on copy of its own: every paragraph, brief and
caption the same number of characters as the sample's, made of the sample's own sentences
drawn with a random generator seeded by the page and article (the same edition every run,
only characters the fonts cover), the headlines' Han characters shuffled likewise.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import tomllib
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "editions" / "xnrb-2019-10-21-xianan"
EDITION = ("基准", "bench")  # the big edition's [issue] edition and edition_code
EDITION_ID = "xnrb-2019-10-21-bench"  # its id, for those that look for its outputs
NAMES = ["咸安新闻", "要闻", "综合", "时政", "经济", "社会", "法治", "教育", "文化", "体育",
         "乡村振兴", "城市", "民生", "副刊", "专题", "广告"]


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)) or hasattr(v, "isoformat"):
        return v.isoformat() if hasattr(v, "isoformat") else str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


_SENTENCE = re.compile(r"[^。！？]+[。！？]”?")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _split(text: str) -> tuple[str, str]:
    """An article file as (front matter with its fences, body)."""
    head, sep, body = text.partition("\n+++\n")
    return head + sep, body


def _sentences(sample: Path, slugs: list[str]) -> list[str]:
    """The sample's sentences, in order, each with its quotes and brackets closed."""
    found: list[str] = []
    for slug in slugs:
        for line in _split((sample / "articles" / f"{slug}.md").read_text("utf-8"))[1].splitlines():
            if line and not line.startswith(("![", "#")):
                found += [s.strip() for s in _SENTENCE.findall(line.removeprefix("- "))]
    return [s for s in found if all(s.count(a) == s.count(b) for a, b in ("“”", "（）", "《》", "()"))]


def _copy(n: int, pool: list[str], rng: random.Random) -> str:
    """About ``n`` characters (never more) of ``pool``'s sentences drawn with ``rng``, ending with 。"""
    out = ""
    while len(out) < n:
        out += rng.choice(pool)
    return out[: n - 1].rstrip("，、；：“（《") + "。" if len(out) > n else out


def distinct(text: str, pool: list[str], rng: random.Random) -> str:
    """An article file with copy of its own: each paragraph, brief (its sender kept) and
    caption as many characters of drawn sentences as it had; the headline's Han characters
    shuffled; images, subheads and the front matter's other fields as they were."""
    head, body = _split(text)

    def headline(m: re.Match) -> str:
        han = _HAN.findall(m.group(2))
        rng.shuffle(han)
        chars = iter(han)
        return m.group(1) + _HAN.sub(lambda _: next(chars), m.group(2)) + '"'

    head = re.sub(r'^(headline = ")([^"]*)"', headline, head, flags=re.M)
    lines = []
    for line in body.splitlines():
        if not line or line.startswith(("![", "#")):
            lines.append(line)
            continue
        prefix = "- " if line.startswith("- ") else ""
        rest = line.removeprefix(prefix)
        sender = re.search(r"（[^（）]*）$", rest) if prefix else None
        tail = sender.group() if sender else ""
        lines.append(prefix + _copy(len(rest) - len(tail), pool, rng) + tail)
    return head + "\n".join(lines) + ("\n" if body.endswith("\n") else "")


def make(out: Path, pages: int = 16, sample: Path = SAMPLE, layout: bool = True,
         distinct_copy: bool = False) -> Path:
    data = tomllib.loads((sample / "edition.toml").read_text("utf-8"))
    data["issue"].update(edition=EDITION[0], edition_code=EDITION[1])
    page = data["pages"][0]
    if out.exists():
        shutil.rmtree(out)
    (out / "articles").mkdir(parents=True)
    shutil.copytree(sample / "images", out / "images")
    pool = _sentences(sample, page["articles"]) if distinct_copy else []
    lines = []
    for table in ("paper", "issue"):
        lines.append(f"[{table}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in data[table].items()]
        lines.append("")
    for n in range(1, pages + 1):
        prefix = f"p{n:02d}-"
        for slug in page["articles"]:
            text = (sample / "articles" / f"{slug}.md").read_text("utf-8")
            if distinct_copy and n > 1:
                text = distinct(text, pool, random.Random(f"{n}/{slug}"))
            (out / "articles" / f"{prefix}{slug}.md").write_text(text, "utf-8")
        pinned = [{**item, "article": prefix + item["article"]} for item in page.get("layout", [])]
        lines += ["[[pages]]", f"number = {n}", f"name = {_toml_value(NAMES[(n - 1) % len(NAMES)])}",
                  f'label = "第{n}版"',
                  f"editors = {_toml_value(page.get('editors', []))}",
                  f"articles = {_toml_value([prefix + s for s in page['articles']])}",
                  *([f"layout = {_toml_value(pinned)}"] if layout else []), ""]
    (out / "edition.toml").write_text("\n".join(lines), "utf-8")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--pages", type=int, default=16)
    ap.add_argument("--no-layout", action="store_true", help="no [[pages.layout]]: all automatic")
    ap.add_argument("--distinct", action="store_true",
                    help="each page from the second its own copy (the sample's sentences, seeded)")
    args = ap.parse_args()
    print(make(args.out, args.pages, layout=not args.no_layout, distinct_copy=args.distinct))
