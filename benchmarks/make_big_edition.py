"""Make a 16-page edition for benchmarks: the sample's 9 articles copied onto every page.

    python benchmarks/make_big_edition.py OUT_DIR [--pages 16] [--no-layout]

Each page gets its own copies of the articles (slugs ``pNN-<slug>``), the sample's print
layout (``--no-layout``: none, the make-up places everything) and a page name of its own;
the photos are shared. The result is an ordinary
edition folder: ``publisher build OUT_DIR --format print`` builds it.
"""

from __future__ import annotations

import argparse
import shutil
import tomllib
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "editions" / "xnrb-2019-10-21-xianan"
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


def make(out: Path, pages: int = 16, sample: Path = SAMPLE, layout: bool = True) -> Path:
    data = tomllib.loads((sample / "edition.toml").read_text("utf-8"))
    page = data["pages"][0]
    if out.exists():
        shutil.rmtree(out)
    (out / "articles").mkdir(parents=True)
    shutil.copytree(sample / "images", out / "images")
    lines = []
    for table in ("paper", "issue"):
        lines.append(f"[{table}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in data[table].items()]
        lines.append("")
    for n in range(1, pages + 1):
        prefix = f"p{n:02d}-"
        for slug in page["articles"]:
            text = (sample / "articles" / f"{slug}.md").read_text("utf-8")
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
    args = ap.parse_args()
    print(make(args.out, args.pages, layout=not args.no_layout))
