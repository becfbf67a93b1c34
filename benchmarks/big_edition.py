"""Make a large edition from the sample: N pages (版), each holding copies of the sample's
articles, so benchmarks and load tests run on a realistic 16-page issue.

    python benchmarks/big_edition.py OUT_DIR [--pages 16]
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
PAGE_NAMES = ["要闻", "咸安新闻", "综合新闻", "经济", "社会", "政法", "教育", "文化", "体育", "副刊",
              "视点", "民生", "理论", "专题", "旅游", "健康"]


def make_big_edition(dst: Path, pages: int = 16) -> Path:
    """Write the edition into ``dst`` (replaced if it exists) and return it."""
    if dst.exists():
        shutil.rmtree(dst)
    (dst / "articles").mkdir(parents=True)
    shutil.copytree(SAMPLE / "images", dst / "images")
    toml = (SAMPLE / "edition.toml").read_text("utf-8")
    head = toml.split("[[pages]]")[0]
    head = re.sub(r'edition_code = "[^"]*"', 'edition_code = "big"', head)
    slugs = [p.stem for p in sorted((SAMPLE / "articles").glob("*.md"))]
    body = []
    for n in range(1, pages + 1):
        names = []
        for slug in slugs:
            new = f"{slug}-{n:02d}"
            shutil.copyfile(SAMPLE / "articles" / f"{slug}.md", dst / "articles" / f"{new}.md")
            names.append(new)
        body.append(f'[[pages]]\nnumber = {n}\nname = "{PAGE_NAMES[(n - 1) % len(PAGE_NAMES)]}"\n'
                    f'articles = [{", ".join(f"{s!r}".replace(chr(39), chr(34)) for s in names)}]\n')
    (dst / "edition.toml").write_text(head + "\n".join(body), "utf-8")
    return dst


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--pages", type=int, default=16)
    args = ap.parse_args()
    print(make_big_edition(args.out, args.pages))
