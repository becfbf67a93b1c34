"""Fuzzing the source reader: any input gives a model or a PublisherError, never another exception.

Nine targets, each fed raw bytes:
- ``decode``: the strict text decoder (every source byte passes through it);
- ``article``: an article file (front matter + Markdown) read as part of an edition;
- ``edition``: an ``edition.toml`` read with a valid article;
- ``markdown``: an article body straight into the Markdown -> model step;
- ``image``: a photo's bytes into the reader's image check (decode, profile, shape);
- ``import_text``, ``import_json``, ``import_rss`` and ``import_nitf``: every importer
  (plain text, JSON feeds, RSS/Atom, NITF), to a model.

Inputs are mutations of seeds — the sample edition's files (the seed page), the hostile
catalog's articles and ``edition.toml``s, the test fixtures' feeds, photos with and without
colour profiles, and hostile fragments (``+++``, ``![](``, ``<``, ``%2e%2e``, BOMs, NULs,
bidi controls, invisible fillers, deep nesting…) — made by a seeded random mutator (byte
flips, inserts of hostile tokens, splices, truncation, repetition). A crash (any exception
but PublisherError) is saved to ``tests/fuzz/crashes/`` and reported; so is an input that
takes more than 2 s (a newsroom would see a hang).

    PYTHONPATH=. .venv/bin/python tests/fuzz/fuzz_sources.py --runs 100000 [--seed 1]
    PYTHONPATH=. .venv/bin/python tests/fuzz/fuzz_sources.py --atheris -runs=100000   # coverage-guided

``tests/test_fuzz_sources.py`` runs a short fixed-seed pass and hypothesis properties.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from publisher.errors import Problems, PublisherError  # noqa: E402
from publisher.sources import markdown  # noqa: E402
from publisher.sources.edition import read_edition, resolve_image  # noqa: E402
from publisher.sources.text import decode  # noqa: E402

SLOW_SECONDS = 2.0
TARGETS = ("decode", "article", "edition", "markdown", "image", "import_text", "import_json",
           "import_rss", "import_nitf")

EDITION_TOML = b"""[paper]
id = "fuzz"
name = "\xe6\xb5\x8b\xe8\xaf\x95\xe6\x97\xa5\xe6\x8a\xa5"
publisher = "fuzz"

[issue]
date = 2019-10-21
number = 1

[[pages]]
number = 1
name = "p"
articles = ["one"]
"""
ARTICLE = "+++\nheadline = \"标题\"\n+++\n正文。\n".encode()

TOKENS = [b"+++", b"+++\n", b"\n", b"\r\n", b"\r", b"![", b"](", b")", b"![a](images/ok.jpg)\n", b"![]()",
          b"](images/../../x.jpg)", b"](%2e%2e/%2e%2e/x)", b"](file:///etc/passwd)", b"](data:,x)",
          b"](//h/x)", b"<", b">", b"<script>", b"</div>", b"<!--", b"&lt;", b"&#0;", b"&#x202e;",
          b"**", b"*", b"_", b"`", b"```", b"    ", b"\t", b"> ", b"- ", b"1. ", b"## ", b"# ", b"---",
          b"|a|b|\n|-|-|\n", b"[[pages]]\n", b"[paper]\n", b"headline = ", b"kind = \"briefs\"\n",
          b"kind = \"photo\"\n", b"\"\"\"", b"'''", b"\"", b"=", b"\\", b"\\u0000", b"\\U0010FFFF",
          b"date = 2019-02-30", b"date = \"2019-10-21\"", b"number = 99999999999999999999999",
          b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
          "\u202e".encode(), "\u200b".encode(), "\ufeff".encode(), "\U0001F600".encode(),
          "\ue000".encode(), "\u0301".encode(), "（".encode(), "）".encode(), "、".encode(),
          "？".encode(), "通讯员".encode(), "记者".encode(), b"\x1b", b"\x7f", "\uffff".encode(),
          b"[" * 50, b">" * 60, b"- " * 40, b"*" * 100, "\u2028".encode(), "\u3164".encode(),
          "\u115f".encode(), "\u2800".encode(), "\u00ad".encode(), b"{ a = " * 80, b"[" * 2000,
          b"<nitf>", b"<body.content>", b"<p>", b"<rss version=\"2.0\"><channel><item>",
          b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", b"&e;", b"\"paragraphs\": [",
          b"{\"title\": ", b"\"images\": [{\"src\": \"", b"ICC_PROFILE\x00", b"\xff\xd8\xff\xe2",
          b"\x89PNG\r\n\x1a\n", b"iCCP", b"IHDR",
          # numbers int() refuses though str.isdigit() takes them, or too long for it; dates
          # that do not exist; a lettered 版
          "²".encode(), "٣".encode(), b"9" * 5000, b'norm="20191399"', b'issue="', b"A03",
          b'position.section="', b'position.sequence="', "（ 2026年06月12日 A03 版）".encode(),
          "第99999版".encode()]


def seeds() -> list[bytes]:
    """The sample edition's files, the catalog's text files, the fixtures' copy and feeds,
    photos (made here, with and without colour profiles) and the two templates above."""
    out = [EDITION_TOML, ARTICLE]
    for folder in (ROOT / "editions", ROOT / "tests" / "hostile", ROOT / "tests" / "fixtures"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if (path.suffix in (".md", ".toml", ".txt", ".json", ".xml", ".rss", ".atom", ".nitf")
                        and path.is_file() and path.stat().st_size < 50_000):
                    out.append(path.read_bytes())
    sys.path.insert(0, str(ROOT / "tests" / "hostile"))
    import make_media

    out += [getattr(make_media, name)() for name in
            ("ok_jpg", "gray_profile_jpg", "damaged_profile_jpg", "mismatched_profile_jpg",
             "png16_gray", "png_as_jpg", "truncated_jpg", "exif_jpg", "tiny_png", "cmyk_jpg")]
    return out


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        op = rng.randrange(8)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip a byte
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op in (1, 2):  # insert a hostile token
            buf[pos:pos] = rng.choice(TOKENS)
        elif op == 3 and buf:  # delete a range
            buf[pos:pos + rng.randrange(1, 40)] = b""
        elif op == 4:  # splice in a piece of another seed
            other = rng.choice(pool)
            start = rng.randrange(len(other) + 1)
            buf[pos:pos] = other[start:start + rng.randrange(1, 200)]
        elif op == 5 and buf:  # repeat a range
            piece = bytes(buf[pos:pos + rng.randrange(1, 20)])
            buf[pos:pos] = piece * rng.randrange(2, 200)
        elif op == 6:  # truncate
            del buf[pos:]
        elif op == 7 and buf:  # swap two lines
            lines = bytes(buf).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            buf = bytearray(b"\n".join(lines))
    return bytes(buf[:200_000])


class Harness:
    """A scratch edition (on tmpfs when there is one) the targets write their input into."""

    def __init__(self, folder: Path | None = None):
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
        self._tmp = tempfile.TemporaryDirectory(prefix="publisher-fuzz-", dir=folder or base)
        self.root = Path(self._tmp.name) / "ed"
        (self.root / "articles").mkdir(parents=True)
        (self.root / "images").mkdir()
        from PIL import Image

        Image.new("RGB", (64, 48), (90, 120, 150)).save(self.root / "images" / "ok.jpg", "JPEG")
        self.article = self.root / "articles" / "one.md"
        self.toml = self.root / "edition.toml"
        self.copy = self.root.parent / "page.txt"
        self.feed = self.root.parent / "feed.json"
        self.rss = self.root.parent / "feed.rss"
        self.nitf = self.root.parent / "story.xml"

    def close(self) -> None:
        self._tmp.cleanup()

    def run(self, target: str, data: bytes) -> None:
        """Run one input; PublisherError is an answer, anything else propagates (a crash)."""
        with contextlib.suppress(PublisherError):
            getattr(self, "t_" + target)(data)

    def t_decode(self, data: bytes) -> None:
        text, problem = decode(data, Path("fuzz.md"))
        assert (text is None) != (problem is None), "decode must give text or a problem"
        if text is not None:
            assert "\x00" not in text and "\r" not in text

    def t_article(self, data: bytes) -> None:
        self.toml.write_bytes(EDITION_TOML)
        self.article.write_bytes(data)
        _check_model(read_edition(self.root, Problems()))

    def t_edition(self, data: bytes) -> None:
        self.toml.write_bytes(data)
        self.article.write_bytes(ARTICLE)
        _check_model(read_edition(self.root, Problems()))

    def t_import_text(self, data: bytes) -> None:
        from publisher.sources.importers.plaintext import import_text

        self.copy.write_bytes(data)
        # an importer's model may still hold what its report names (bidi controls…): the
        # written edition is read back by the reader, which refuses them; here: no crash
        import_text(self.copy, date="2019-10-21", paper="xnrb")

    def t_import_json(self, data: bytes) -> None:
        from publisher.sources.importers.jsonfeed import import_json

        self.feed.write_bytes(data)
        import_json(self.feed, date="2019-10-21", paper="xnrb")

    def t_import_rss(self, data: bytes) -> None:
        from publisher.sources.importers.syndication import import_feed

        self.rss.write_bytes(data)
        import_feed(self.rss, date="2019-10-21", paper="xnrb")

    def t_import_nitf(self, data: bytes) -> None:
        from publisher.sources.importers.nitf import import_nitf

        self.nitf.write_bytes(data)
        import_nitf(self.nitf, date="2019-10-21", paper="xnrb")

    def t_image(self, data: bytes) -> None:
        from publisher.sources.edition import Measured, check_image

        result = check_image(data, "images/fuzz.jpg")
        assert isinstance(result, Measured) or (len(result) == 3 and all(result)), result

    def t_markdown(self, data: bytes) -> None:
        text = data.decode("utf-8", "replace").replace("\x00", "")
        problems = Problems()
        path = self.article
        root = self.root.resolve()
        for briefs in (False, True):
            markdown.parse_body(text, path, 3, problems,
                                lambda src, line, p: resolve_image(src, root, path, line, p), briefs)
        for p in problems.items:
            assert p.line is None or p.line >= 1, f"line {p.line} in {p}"


def _check_model(edition) -> None:
    """A model that came out is usable: no control character (XML would refuse it), no
    invisible character (bidi controls, zero-width, separators, blank fillers), in any
    text it prints."""
    from publisher.sources.text import control_characters, invisible_characters

    texts = [edition.paper.name, edition.paper.publisher]
    for page in edition.pages:
        texts += [page.name, page.label or "", *(e.name for e in page.editors)]
    for article in edition.articles:
        texts += list(article.texts())
        texts += [getattr(b, "alt", None) or "" for b in article.body]
    for text in texts:
        assert not control_characters(text) and not invisible_characters(text), repr(text[:80])


def save_crash(target: str, data: bytes, exc: BaseException) -> Path:
    folder = HERE / "crashes"
    folder.mkdir(exist_ok=True)
    name = f"{target}-{hashlib.sha256(data).hexdigest()[:12]}"
    (folder / f"{name}.bin").write_bytes(data)
    (folder / f"{name}.txt").write_text("".join(traceback.format_exception(exc)), "utf-8")
    return folder / f"{name}.bin"


def fuzz(runs: int, seed: int = 1, report=print, targets=TARGETS) -> dict:
    """``runs`` mutated inputs spread over the targets; returns the counts and the crashes."""
    import logging

    # quiet while fuzzing, and as loud as before afterwards: left disabled, it hid WeasyPrint's
    # warnings from the engine (which makes them errors) in every later test of the session
    quiet = logging.root.manager.disable
    logging.disable(logging.WARNING)
    rng = random.Random(seed)
    pool = seeds()
    harness = Harness()
    crashes: dict[str, str] = {}
    slow: list[tuple[float, str, str]] = []
    start = time.monotonic()
    try:
        for i in range(runs):
            target = targets[i % len(targets)]
            data = mutate(rng.choice(pool), rng, pool)
            t0 = time.process_time()  # CPU time: a loaded machine does not make an input slow
            try:
                harness.run(target, data)
            except Exception as exc:  # the point: any other exception is a crash
                key = f"{type(exc).__name__}: {str(exc)[:120]} @ {traceback.extract_tb(exc.__traceback__)[-1].name}"
                if key not in crashes:
                    crashes[key] = str(save_crash(target, data, exc))
                    report(f"CRASH in {target}: {key} -> {crashes[key]}")
            took = time.process_time() - t0
            if took > SLOW_SECONDS:  # not a crash, but a newsroom would see a hang: keep it
                slow.append((took, target, str(save_crash(f"slow-{target}", data, TimeoutError(f"{took:.1f} s")))))
                if report:
                    report(f"SLOW {target}: {took:.1f} s -> {slow[-1][2]}")
            if report and (i + 1) % 10000 == 0:
                report(f"{i + 1} inputs, {len(crashes)} distinct crashes, {time.monotonic() - start:.0f} s")
    finally:
        harness.close()
        logging.disable(quiet)
    return {"runs": runs, "seconds": time.monotonic() - start, "crashes": crashes, "slow": slow}


def atheris_main(argv: list[str]) -> None:
    import atheris

    # the reader is imported already (above): instrument what is loaded for coverage feedback
    atheris.instrument_all()
    harness = Harness()

    def one(data: bytes) -> None:
        if not data:
            return
        harness.run(TARGETS[data[0] % len(TARGETS)], data[1:])

    corpus = Path(tempfile.mkdtemp(prefix="publisher-fuzz-corpus-"))
    for i, s in enumerate(seeds()):
        (corpus / f"seed-{i:03d}").write_bytes(bytes([i % len(TARGETS)]) + s)
    print(f"corpus (seeds, and what libFuzzer adds): {corpus}")
    atheris.Setup([argv[0], *argv[1:], str(corpus)], one)
    atheris.Fuzz()


def main() -> int:
    if "--atheris" in sys.argv:
        atheris_main([a for a in sys.argv if a != "--atheris"])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma-separated subset")
    args = ap.parse_args()
    result = fuzz(args.runs, args.seed, report=lambda m: print(m, flush=True),
                  targets=tuple(args.targets.split(",")))
    print(f"{result['runs']} inputs in {result['seconds']:.0f} s: {len(result['crashes'])} distinct crashes, "
          f"{len(result['slow'])} inputs slower than {SLOW_SECONDS} s")
    for key, path in result["crashes"].items():
        print(f"  {key}\n    input: {path}")
    return 1 if result["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
