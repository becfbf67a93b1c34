"""The pinned faces are checked before anything is read further: a font file that is not the
one pinned (its sha256), or missing, stops the build with the file named (publisher.fonts).
The files are hashed in a thread while the edition is read (``fonts.hash_ahead``): what it
finds is what hashing them in ``load_fonts`` found."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import load_settings
from publisher.errors import ConfigError
from publisher.fonts import hash_ahead, read_manifest, sha256_file
from publisher.publish import load

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "fonts"
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"


def _house(tmp_path: Path, changed: str | None = None, missing: str | None = None) -> Path:
    """A house using this repository's styles and a fonts folder of links to its pinned
    faces, but ``changed`` (a file of other bytes) and ``missing``."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / "fonts.toml").write_bytes((FONTS / "fonts.toml").read_bytes())
    for face in read_manifest(FONTS).faces:
        name = face.file.name
        if name == changed:
            (fonts / name).write_bytes(b"not the pinned face")
        elif name != missing:
            (fonts / name).symlink_to(face.file)
    house = tmp_path / "pyproject.toml"
    house.write_text(f'[tool.publisher]\nstyles = "{ROOT / "styles"}"\nfonts = "{fonts}"\n', "utf-8")
    return house


def test_a_font_file_that_is_not_the_pinned_one_or_is_missing_stops_the_build(tmp_path):
    faces = read_manifest(FONTS).faces
    changed, missing = faces[0].file.name, faces[-1].file.name
    assert changed != missing
    settings = load_settings(_house(tmp_path, changed, missing))
    with pytest.raises(ConfigError) as caught:
        load(SAMPLE, settings)
    found = {(p.code, p.path.name if p.path else None) for p in caught.value.problems}
    assert found == {("font-checksum", changed), ("font-missing", missing)}


def test_the_faces_hashed_ahead_are_the_files_hashes(tmp_path):
    faces = read_manifest(FONTS).faces
    changed = faces[0].file.name
    settings = load_settings(_house(tmp_path, changed))
    digests = hash_ahead(settings.fonts_dir, settings.font_manifest)()
    for face in read_manifest(settings.fonts_dir).faces:
        assert digests[face.file] == sha256_file(face.file)
        assert (digests[face.file] == face.sha256) == (face.file.name != changed)


def test_a_face_unchanged_since_a_build_before_is_not_hashed_again(tmp_path, monkeypatch):
    """With the house's cache of checksums (``known``), a face whose file is the same (device,
    inode, size, modification and change times) is not hashed again, and its checksum is the
    one hashing finds; a file written in the last seconds is not kept (its times may not
    tell a second write yet)."""
    import json

    import publisher.fonts as fonts

    faces = read_manifest(FONTS).faces
    changed = faces[0].file.name
    settings = load_settings(_house(tmp_path, changed))
    known = tmp_path / "cache" / "fonts-sha256.json"
    first = hash_ahead(settings.fonts_dir, settings.font_manifest, known)()
    kept = json.loads(known.read_text("utf-8"))
    assert str(settings.fonts_dir / changed) not in kept  # written just now: hashed each time
    assert len(kept) == len(faces) - 1
    hashed: list[str] = []
    real = fonts.sha256_file

    def counted(path):
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(fonts, "sha256_file", counted)
    again = hash_ahead(settings.fonts_dir, settings.font_manifest, known)()
    assert hashed == [changed]
    assert again == first
    for face in read_manifest(settings.fonts_dir).faces:
        assert again[face.file] == real(face.file)


def test_a_face_written_again_is_hashed_again_whatever_its_times_say(tmp_path, monkeypatch):
    """A face's file rewritten in place with other bytes of the same length, its modification
    time set back: its change time moved, so it is hashed again and the new bytes' checksum
    found (the build stops: not the pinned face)."""
    import os

    import publisher.fonts as fonts

    monkeypatch.setattr(fonts._Known, "SETTLED", -1)  # every file kept, however new
    faces = read_manifest(FONTS).faces
    changed = faces[0].file.name
    settings = load_settings(_house(tmp_path, changed))
    known = tmp_path / "cache" / "fonts-sha256.json"
    file = settings.fonts_dir / changed
    first = hash_ahead(settings.fonts_dir, settings.font_manifest, known)()
    before = file.stat()
    data = file.read_bytes()
    file.write_bytes(data.upper())  # as long, other bytes
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert file.stat().st_size == before.st_size and file.stat().st_mtime_ns == before.st_mtime_ns
    again = hash_ahead(settings.fonts_dir, settings.font_manifest, known)()
    assert again[file] == sha256_file(file) != first[file]
