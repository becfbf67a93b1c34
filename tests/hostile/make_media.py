"""Binary inputs of the hostile-input catalog, made on demand so the repository stays small.

A case's ``expect.toml`` names the files it needs under ``[media]``, e.g.
``"images/bomb.png" = "bomb_png"``; the catalog test copies the case's edition to a
temporary folder and calls ``make(kind, path)`` for each. Every generator is deterministic
(fixed content, no clock, no randomness) and streams its output, so even the bomb and the
huge photo cost little memory to make.

Run it by hand to look at the files: ``python tests/hostile/make_media.py OUTDIR``.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, bit_depth: int, colour_type: int, rows) -> bytes:
    """A PNG written by hand (Pillow cannot write 16-bit RGB), rows streamed into zlib."""
    z = zlib.compressobj(9)
    idat = bytearray()
    for row in rows:
        idat += z.compress(b"\x00" + row)
    idat += z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", bytes(idat)) + _chunk(b"IEND", b"")


def bomb_png() -> bytes:
    """20000 x 20000 px, 1 bit: ~50 KB on disk, 400 megapixels (1.2 GB as RGB) decoded."""
    width = height = 20000
    row = bytes((width + 7) // 8)
    return _png(width, height, 1, 0, (row for _ in range(height)))


def png16_rgb() -> bytes:
    """A 16-bit-per-channel RGB PNG (scanner output), 240 x 160, a smooth gradient."""
    w, h = 240, 160
    rows = (b"".join(struct.pack(">HHH", x * 273, y * 409, 40000) for x in range(w)) for y in range(h))
    return _png(w, h, 16, 2, rows)


def png16_gray() -> bytes:
    """A 16-bit greyscale PNG, 200 x 150."""
    w, h = 200, 150
    rows = (b"".join(struct.pack(">H", (x * 300 + y * 20) & 0xFFFF) for x in range(w)) for y in range(h))
    return _png(w, h, 16, 0, rows)


def _photo(w: int, h: int, mode: str = "RGB"):
    from PIL import Image

    im = Image.linear_gradient("L").resize((w, h))
    if mode == "L":
        return im
    return Image.merge("RGB", (im, im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), im.rotate(90, expand=False)))


def jpeg(w: int = 320, h: int = 240, **save) -> bytes:
    buf = io.BytesIO()
    _photo(w, h).save(buf, "JPEG", quality=80, **save)
    return buf.getvalue()


def ok_jpg() -> bytes:
    return jpeg()


def truncated_jpg() -> bytes:
    """A valid JPEG cut off after 40 % of its bytes (an interrupted upload)."""
    data = jpeg(640, 480)
    return data[: len(data) * 2 // 5]


def cmyk_jpg() -> bytes:
    """A CMYK JPEG as print desks export them (Adobe APP14 marker)."""
    buf = io.BytesIO()
    _photo(320, 240).convert("CMYK").save(buf, "JPEG", quality=80)
    return buf.getvalue()


def gray_icc(gamma: float = 2.2) -> bytes:
    """A minimal ICC v2 Gray display profile (D50 white, a gamma curve), written by hand:
    what desks embed in black-and-white photos ("Gray Gamma 2.2")."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def text_desc(text: str) -> bytes:
        ascii_ = text.encode("ascii") + b"\0"
        return (b"desc" + bytes(4) + struct.pack(">I", len(ascii_)) + ascii_ + bytes(4)
                + bytes(4) + bytes(2) + bytes(1) + bytes(67))

    d50 = s15(0.9642) + s15(1.0) + s15(0.8249)
    tags = [(b"desc", text_desc("Gray Gamma 2.2 (hostile test)")),
            (b"wtpt", b"XYZ " + bytes(4) + d50),
            (b"kTRC", b"curv" + bytes(4) + struct.pack(">IH", 1, round(gamma * 256)) + bytes(2)),
            (b"cprt", b"text" + bytes(4) + b"public domain\0" + bytes(2))]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntr" + b"GRAY"
              + b"XYZ " + struct.pack(">6H", 2019, 10, 21, 5, 0, 0) + b"acsp" + b"APPL" + bytes(4)
              + bytes(4) + bytes(4) + bytes(8) + bytes(4) + d50 + b"lcms" + bytes(16) + bytes(28))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def gray_profile_jpg() -> bytes:
    """A black-and-white photo with its Gray profile: a desk's ordinary export."""
    buf = io.BytesIO()
    _photo(320, 240, "L").save(buf, "JPEG", quality=85, icc_profile=gray_icc())
    return buf.getvalue()


def cmyk_profile_jpg() -> bytes:
    """A CMYK photo with its CMYK profile embedded (the repository's newsprint profile)."""
    from PIL import ImageCms

    profile = (Path(__file__).resolve().parent.parent.parent / "profiles"
               / "publisher-newsprint-240.icc").read_bytes()
    cmyk = ImageCms.profileToProfile(_photo(320, 240), ImageCms.createProfile("sRGB"),
                                     ImageCms.ImageCmsProfile(io.BytesIO(profile)), outputMode="CMYK")
    assert cmyk is not None  # a new image, not converted in place
    buf = io.BytesIO()
    cmyk.save(buf, "JPEG", quality=85, icc_profile=profile)
    return buf.getvalue()


def damaged_profile_jpg() -> bytes:
    """A colour photo whose embedded profile is not an ICC profile at all."""
    buf = io.BytesIO()
    _photo(320, 240).save(buf, "JPEG", quality=85, icc_profile=b"not a profile " * 16)
    return buf.getvalue()


def mismatched_profile_jpg() -> bytes:
    """A colour (RGB) photo carrying a Gray profile: the profile cannot describe its pixels."""
    buf = io.BytesIO()
    _photo(320, 240).save(buf, "JPEG", quality=85, icc_profile=gray_icc())
    return buf.getvalue()


def wide_png() -> bytes:
    """70,000 x 10 px (0.7 megapixels): wider than any JPEG encoder writes (65,500)."""
    w, h = 70_000, 10
    row = bytes(range(256)) * (w * 3 // 256) + bytes(w * 3 % 256)
    return _png(w, h, 8, 2, (row for _ in range(h)))


def tall_png() -> bytes:
    """10 x 100,000 px: a very tall, thin strip."""
    w, h = 10, 100_000
    return _png(w, h, 8, 0, (bytes([y % 256] * w) for y in range(h)))


def photo_a() -> bytes:
    return jpeg(320, 240)


def photo_b() -> bytes:
    """Another photo, another size (400 x 300): a name clash must not make it photo_a."""
    return jpeg(400, 300)


def animated_gif() -> bytes:
    from PIL import Image

    frames = [Image.new("P", (120, 80), i * 40) for i in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def animated_png() -> bytes:

    frames = [_photo(120, 80).rotate(i * 90) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def webp() -> bytes:
    buf = io.BytesIO()
    _photo(120, 80).save(buf, "WEBP")
    return buf.getvalue()


def tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (255, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def huge_jpg() -> bytes:
    """8000 x 6000 px (48 megapixels, under the 60 MP limit): valid, just enormous."""
    return jpeg(8000, 6000)


def huge_sideways_jpg() -> bytes:
    """8000 x 6000 px stored sideways (EXIF orientation 6, as phones store a portrait photo):
    turning it upright is one more full-size copy for whatever decodes it whole."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6
    return jpeg(8000, 6000, exif=exif.tobytes())


def png_as_jpg() -> bytes:
    """A PNG file named .jpg: the content decides, not the name."""
    buf = io.BytesIO()
    _photo(160, 120).save(buf, "PNG")
    return buf.getvalue()


def exif_jpg() -> bytes:
    """A JPEG with a comment and EXIF text that must not reach the outputs (metadata leak)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = "EXIF-SECRET-8c41 source phone location"  # ImageDescription
    return jpeg(320, 240, exif=exif.tobytes(), comment=b"COMMENT-SECRET-8c41")


def not_an_image() -> bytes:
    return "这不是图片，是一段文字。\n".encode() * 20


def empty() -> bytes:
    return b""


def secret_jpg() -> bytes:
    """The planted secret photo outside the edition: an unusual size (173 x 59) and a
    comment carrying the token, so a leak shows in image sizes and in raw bytes."""
    return jpeg(173, 59, comment=b"SECRET-JPEG-TOKEN-5e2b")


GENERATORS = {name: fn for name, fn in globals().items()
              if callable(fn) and not name.startswith("_") and name not in ("jpeg", "make", "main", "make_tree")
              and name not in ("huge_data_url", "paragraph_20000", "articles_500", "gray_icc",
                               "paragraph_1000000", "front_matter_8000", "toml_deep",
                               "front_matter_deep", "json_deep")
              and fn.__module__ == __name__}


# ---------------------------------------------------------------- generated text

_TOML_HEAD = """[paper]
id = "hostile"
name = "测试日报"
publisher = "测试日报社"

[issue]
date = 2019-10-21
number = 100

"""


def _article(headline: str, body: str) -> str:
    return f'+++\nheadline = "{headline}"\n+++\n{body}\n'


def huge_data_url(root: Path) -> None:
    """An article whose figure is a 6 MB data: URL (the base edition's edition.toml)."""
    payload = "A" * 6_000_000
    (root / "articles" / "one.md").write_text(
        _article("测试标题", f"第一段。\n\n![图](data:image/png;base64,{payload})\n图片说明。"), "utf-8")


def paragraph_20000(root: Path) -> None:
    """One paragraph of exactly 20,000 characters, marked at both ends."""
    filler = "这是一个很长的段落用于测试排版。"  # 16 characters
    middle = (filler * 1300)[: 20_000 - 10]
    (root / "articles" / "one.md").write_text(_article("长段落", "长段落开始" + middle + "长段落结束"), "utf-8")


def articles_500(root: Path) -> None:
    """500 short articles, all on page 1."""
    slugs = [f"a{i:03d}" for i in range(1, 501)]
    for i, slug in enumerate(slugs, 1):
        (root / "articles" / f"{slug}.md").write_text(_article(f"第{i}篇", f"第{i}篇正文。"), "utf-8")
    (root / "articles" / "one.md").unlink()
    listed = ", ".join(f'"{s}"' for s in slugs)
    (root / "edition.toml").write_text(
        _TOML_HEAD + f'[[pages]]\nnumber = 1\nname = "要闻"\narticles = [{listed}]\n', "utf-8")


def paragraph_1000000(root: Path) -> None:
    """One paragraph of 1,000,000 characters (a paste that lost its line breaks)."""
    filler = "这是一个很长的段落用于测试排版。"
    (root / "articles" / "one.md").write_text(_article("长段落", (filler * 62_500)[:1_000_000]), "utf-8")


def front_matter_8000(root: Path) -> None:
    """A front matter of 8,000 unknown keys (a CMS dumping its fields)."""
    keys = "".join(f"field{i} = {i}\n" for i in range(8000))
    (root / "articles" / "one.md").write_text(
        f'+++\nheadline = "标题"\n{keys}+++\n正文。\n', "utf-8")


def toml_deep(root: Path) -> None:
    """edition.toml with an array nested 1,000 deep."""
    text = (root / "edition.toml").read_text("utf-8")
    (root / "edition.toml").write_text("deep = " + "[" * 1000 + "]" * 1000 + "\n" + text, "utf-8")


def front_matter_deep(root: Path) -> None:
    """A front matter whose value is an inline table nested 1,000 deep."""
    value = "{ a = " * 1000 + "1" + " }" * 1000
    (root / "articles" / "one.md").write_text(
        f'+++\nheadline = "标题"\nbyline = {value}\n+++\n正文。\n', "utf-8")


def json_deep(root: Path) -> None:
    """A JSON "feed" of arrays nested 5,000 deep (input/feed.json)."""
    (root / "feed.json").write_text("[" * 5000 + "]" * 5000, "utf-8")


TREES = {"huge_data_url": huge_data_url, "paragraph_20000": paragraph_20000, "articles_500": articles_500,
         "paragraph_1000000": paragraph_1000000, "front_matter_8000": front_matter_8000,
         "toml_deep": toml_deep, "front_matter_deep": front_matter_deep, "json_deep": json_deep}


def make_tree(kind: str, root: Path) -> None:
    """Write the generated files of ``kind`` into the edition folder ``root``."""
    TREES[kind](root)


def make(kind: str, path: Path) -> None:
    """Write the input ``kind`` (a generator's name) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(GENERATORS[kind]())


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "hostile-media")
    for name in GENERATORS:
        make(name, out / name)
        print(f"{out / name}: {(out / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
