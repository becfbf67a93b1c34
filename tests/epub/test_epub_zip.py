"""The book's zip is written by ``epub._zip`` (so that members compressed ahead, while the
cover renders, are not compressed again): the same bytes as zipfile writes with the ZipInfo
settings the book always had (fixed date, mode 0644 from Unix, ``mimetype`` stored, the rest
deflated at level 9), whatever the names and contents."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from publisher.epub import _zip, pack


def _zipfile(members: list[tuple[str, bytes]], stamp: tuple[int, ...]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                dst.writestr(info, data)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, data, compresslevel=9)
    return out.getvalue()


def _members(rnd: random.Random) -> list[tuple[str, bytes]]:
    contents = [b"", b"x", rnd.randbytes(rnd.randint(1, 70_000)),
                ("宋体《咸安新闻》" * rnd.randint(1, 4000)).encode(), b"<p/>" * rnd.randint(1, 30_000)]
    names = [f"EPUB/text/a-{rnd.randint(0, 999)}.xhtml", f"EPUB/images/照片{rnd.randint(0, 9)}.jpg",
             "META-INF/container.xml", f"EPUB/fonts/song-{rnd.randint(1, 9)}00.otf"]
    chosen = rnd.sample(names, rnd.randint(1, len(names)))
    return [("mimetype", b"application/epub+zip")] + [(name, rnd.choice(contents)) for name in chosen]


@pytest.mark.parametrize("seed", range(40))
def test_the_zip_is_zipfiles_bytes(seed):
    rnd = random.Random(seed)
    members = _members(rnd)
    stamp = (rnd.randint(1980, 2107), rnd.randint(1, 12), rnd.randint(1, 31), 0, 0, 0)
    expected = _zipfile(members, stamp)
    assert _zip(members, stamp, {}) == expected
    # members compressed ahead (some of them, and some bytes no member has) change nothing
    ahead = pack([data for _, data in members[::2]] + [b"not a member"])
    assert _zip(members, stamp, ahead) == expected
    with zipfile.ZipFile(io.BytesIO(expected)) as z:
        assert z.testzip() is None


def test_a_member_compressed_ahead_is_not_compressed_again(monkeypatch):
    import publisher.epub as epub_module

    members = [("mimetype", b"application/epub+zip"), ("EPUB/a.xhtml", b"<p>a</p>" * 100),
               ("EPUB/b.xhtml", b"<p>b</p>" * 100)]
    ahead = pack([members[1][1]])
    compressed: list[bytes] = []
    deflate = epub_module._deflate
    monkeypatch.setattr(epub_module, "_deflate", lambda data: compressed.append(data) or deflate(data))
    book = _zip(members, (2019, 10, 21, 0, 0, 0), ahead)
    assert compressed == [members[2][1]]
    assert book == _zipfile(members, (2019, 10, 21, 0, 0, 0))


def _book(repeat: bool):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("urn:uuid:0b7c6a1e-5d0c-4f7e-9d7a-3b2f0c1d2e3f")
    book.set_title("咸安新闻")
    book.set_language("zh")
    chapter = epub.EpubHtml(title="头版", file_name="text/a.xhtml", lang="zh")
    chapter.content = "<h1>咸安新闻</h1><p>正文</p>"
    book.add_item(chapter)
    book.add_item(epub.EpubItem(uid="css", file_name="styles/epub.css", media_type="text/css",
                                content="p { margin: 0 }"))
    book.add_item(epub.EpubItem(uid="photo", file_name="images/照片.jpg", media_type="image/jpeg",
                                content=bytes(range(256)) * 40))
    if repeat:  # a name written twice: the zip read back has its last bytes, where it was first
        book.add_item(epub.EpubItem(uid="css2", file_name="styles/epub.css", media_type="text/css",
                                    content=b"p { margin: 1em }"))
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.toc = [epub.Link("text/a.xhtml", "头版", "a")]
    book.spine = ["nav", chapter]
    return book


@pytest.mark.parametrize("repeat", [False, True])
def test_the_writers_members_are_what_its_zip_reads_back(repeat):
    """``_Writer`` keeps ebooklib's members instead of zipping them: the same names in the same
    order with the same bytes as ``write_epub``'s zip, read back, gives."""
    import warnings
    from datetime import UTC, datetime

    from ebooklib import epub

    from publisher.epub import _Writer

    options = {"mtime": datetime(2019, 10, 21, tzinfo=UTC), "epub2_guide": False, "epub3_landmark": False,
               "epub3_pages": False, "raise_exceptions": True, "spine_direction": False}
    raw = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile: a duplicate name
        epub.write_epub(raw, _book(repeat), {**options, "compresslevel": 0})
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as z:
        expected = {name: z.read(name) for name in z.namelist()}
    writer = _Writer(_book(repeat), options)
    writer.process()
    writer.write()
    assert list(writer.out.members) == list(expected)
    assert writer.out.members == expected
