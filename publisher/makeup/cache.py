"""The make-up's measurement cache on disk: one small JSON file per measured head or body;
where the caches lie, and the digest of the code that filled them.

Where: ``$PUBLISHER_CACHE`` if set, else ``$XDG_CACHE_HOME/publisher/makeup`` (default
``~/.cache/publisher/makeup``), in a folder named by the style key (stylesheets,
templates, fonts, settings and versions: ``measure.style_key``), so a change of house or
tool never reads another's numbers. An entry is named by the hash of its key (content hash,
width, tier). Entries are written whole (temporary file, then rename); one that cannot be
read is measured again, and a cache that cannot be written is skipped: the cache only saves
time, it never changes an output (a measurement read back is the same number).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from functools import cache
from importlib.metadata import version
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "PUBLISHER_CACHE"


def root() -> Path:
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_CACHE_HOME", "")
    base_dir = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return base_dir / "publisher" / "makeup"


@cache
def code_digest() -> str:
    """The bytes of publisher's own modules and templates, its version and the pinned engine's:
    what an entry made by code (a plan, a rendered page) was made with."""
    from ..engine import WEASYPRINT_VERSION

    h = hashlib.sha256(f"{version('publisher')}|{WEASYPRINT_VERSION}".encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".j2") and path.is_file():
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class Cache:
    def __init__(self, style_key: str, folder: Path | None = None):
        self.folder = (folder or root()) / style_key
        self.writable = True

    def _path(self, key: tuple) -> Path:
        name = hashlib.sha256(json.dumps(key).encode("utf-8")).hexdigest()
        return self.folder / name[:2] / f"{name}.json"

    def get(self, key: tuple):
        path = self._path(key)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != list(key):
            return None
        return data.get("value")

    def put(self, key: tuple, value) -> None:
        if not self.writable:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"key": list(key), "value": value}, f, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError as exc:
            self.writable = False
            log.warning("make-up cache %s not written (%s); measuring without it", self.folder, exc)
