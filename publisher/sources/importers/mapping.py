"""Feed mappings: which field of a feed's records is which part of an article.

A mapping is a small TOML file (``--map FILE``, or ``--map NAME`` for the house's
``mappings/NAME.toml``), documented with examples in docs/importing.md:

- ``[feed]``: where the list of articles is (``articles``), the house paper the feed
  belongs to (``paper``), the feed's field holding the issue date (``date``);
- ``[match]``: ``fields`` every article of a feed carries for this mapping to be used
  without ``--map`` (a house mapping only);
- ``[fields]``: for each part of an article (headline, kicker, subtitle, byline, reporter,
  source, channel, page, page_name, publish_time, body, images and the image's src,
  caption, credit and alt, kind) the feed's field, a dotted path, or a list of candidates of
  which the first present and not empty wins; ``ignore`` lists fields known and not wanted;
- ``[channels]``: a channel's 版: ``"财经要闻" = { page = 1, name = "要闻" }`` (or ``= 1``).

The default mapping (``default-map.toml`` beside this file) holds the names CMS feeds
commonly use; a given mapping replaces the candidates of each part it names. Mapping files
are read strictly: an unknown key is an error with "did you mean".

This module turns one record into an ``entries.Entry`` and says which of its fields it did
not know; values are taken as the feed gives them: empty strings and nulls are absent, a
number is text, ``{"name": …}`` is its name, a list of names is names.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ...config import Settings
from ...errors import ConfigError, Problem
from ...tomlfile import did_you_mean, read_toml
from .entries import ChannelPage, Entry, RawImage
from .html import looks_like_html

DEFAULT_FILE = "default-map.toml"
CODE = "mapping"

Path_ = str | list[str] | None  # a field: a dotted path or candidates


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedTable(_Strict):
    articles: Path_ = None
    paper: str | None = None
    date: str | None = None


class MatchTable(_Strict):
    fields: list[str] = Field(min_length=1)


class FieldsTable(_Strict):
    headline: Path_ = None
    kicker: Path_ = None
    subtitle: Path_ = None
    byline: Path_ = None
    reporter: Path_ = None
    source: Path_ = None
    channel: Path_ = None
    page: Path_ = None
    page_name: Path_ = None
    publish_time: Path_ = None
    body: Path_ = None
    images: Path_ = None
    image_src: Path_ = None
    image_caption: Path_ = None
    image_credit: Path_ = None
    image_alt: Path_ = None
    kind: Path_ = None
    ignore: list[str] = []


class ChannelTable(_Strict):
    page: int = Field(ge=1, le=999)
    name: str | None = Field(default=None, min_length=1)
    label: str | None = Field(default=None, min_length=1)  # 版次 as printed: A03


class MappingSchema(_Strict):
    feed: FeedTable = FeedTable()
    match: MatchTable | None = None
    fields: FieldsTable = FieldsTable()
    channels: dict[str, ChannelTable | int] = {}


PARTS = [f for f in FieldsTable.model_fields if f != "ignore"]
IMAGE_PARTS = ("image_src", "image_caption", "image_credit", "image_alt")


@dataclass(frozen=True)
class Mapping:
    """A mapping merged over the default: every part with its candidate paths."""

    fields: dict[str, tuple[str, ...]]
    articles: tuple[str, ...]
    ignore: frozenset[str]
    channels: dict[str, ChannelPage] = field(default_factory=dict)
    paper: str | None = None
    date: str | None = None
    match: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path else "the default mapping"

    # ---------------------------------------------------------------- records

    def entry(self, record: dict, where: str) -> tuple[Entry, set[str], list[tuple[str, str]]]:
        """The Entry of ``record``; the top-level keys it used or knows; its problems as
        (part, message) pairs (a field whose value cannot be read as that part)."""
        used: set[str] = set()
        problems: list[tuple[str, str]] = []
        e = Entry(where=where)
        for part in PARTS:
            if part in IMAGE_PARTS:
                continue
            key, value = self._pick(record, part, used)
            if key is None:
                if part in ("headline", "body") and self.fields.get(part):
                    # messages about a missing part name the field the mapping looks for first
                    e.fields[part] = self.fields[part][0]
                continue
            e.fields[_model_part(part)] = key
            try:
                _assign(e, part, value)
            except _Unreadable as bad:
                problems.append((_model_part(part), f"{key} is {bad}"))
                e.unreadable.add(_model_part(part))
        if e.fields.get("images"):
            e.images = []
            raw = _get(record, e.fields["images"])
            for k, img in enumerate(raw if isinstance(raw, list) else [raw]):
                if isinstance(img, str):
                    e.images.append(RawImage(src=img))
                elif isinstance(img, dict):
                    got = {p: self._pick(img, p, set())[1] for p in IMAGE_PARTS}
                    e.images.append(RawImage(*(_text(got[p]) for p in IMAGE_PARTS)))  # type: ignore[arg-type]  # its fields in order
                elif img is not None:
                    problems.append(("images", f"{e.fields['images']}[{k}] is {_kind(img)}, not an image"))
        used |= {k for k in record if k in self.ignore}
        return e, used, problems

    def _pick(self, record: dict, part: str, used: set[str]) -> tuple[str | None, Any]:
        found: tuple[str | None, Any] = (None, None)
        for path in self.fields.get(part, ()):
            value = _get(record, path)
            if value is None or value == "" or value == [] or value == {}:
                if path.split(".")[0] in record:
                    used.add(path.split(".")[0])  # known, empty: absent
                continue
            used.add(path.split(".")[0])
            if found[0] is None:
                found = (path, value)
        return found

    def find_articles(self, feed: Any) -> tuple[str, list] | None:
        """(where, the list of articles) in a parsed feed, or None."""
        if isinstance(feed, list):
            return "", feed
        if not isinstance(feed, dict):
            return None
        for path in self.articles:
            value = _get(feed, path)
            if isinstance(value, list) and (not value or any(isinstance(v, dict) for v in value)):
                return path, value
        return None

    def matches(self, records: list) -> bool:
        return bool(self.match) and bool(records) and all(
            isinstance(r, dict) and all(_get(r, f, missing=_MISSING) is not _MISSING for f in self.match)
            for r in records)


class _Unreadable(Exception):
    pass


_MISSING = object()


def _get(record: Any, path: str, missing: Any = None) -> Any:
    value = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return missing
        value = value[part]
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)


def _text(value: Any) -> str | None:
    """A text field: str, number, {"name"/"text"/"value"/…: …}; empty and null are absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Unreadable("true/false, not text")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        for key in ("name", "text", "value", "title", "label", "#text", "content"):
            if key in value:
                return _text(value[key])
        raise _Unreadable(f"an object ({', '.join(list(value)[:4])}), not text")
    if isinstance(value, list):
        texts = [t for t in (_text(v) for v in value) if t]
        return texts[0] if texts else None
    raise _Unreadable(f"{_kind(value)}, not text")


def _names(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [t for t in (_text(v) for v in value) if t]
    text = _text(value)
    return [text] if text else []


def _model_part(part: str) -> str:
    return {"reporter": "reporter"}.get(part, part)


def _assign(e: Entry, part: str, value: Any) -> None:
    if part in ("byline", "reporter"):
        names = _names(value)
        if part == "byline":
            e.byline = names
        else:
            e.reporters = names
    elif part == "body":
        _body(e, value)
    elif part == "images":
        pass  # read in Mapping.entry
    else:
        setattr(e, part, _text(value))


def _body(e: Entry, value: Any) -> None:
    """A string (text or HTML), a list of paragraphs (strings, or {type, text}), or an object
    holding one of those."""
    if isinstance(value, dict):
        for key in ("html", "text", "content", "paragraphs", "value"):
            if key in value:
                return _body(e, value[key])
        raise _Unreadable(f"an object ({', '.join(list(value)[:4])}), not text")
    if isinstance(value, str):
        if looks_like_html(value):
            e.html = value
        else:
            e.paragraphs = [value]
        return
    if isinstance(value, list):
        items = [v for v in value if v is not None and v != ""]
        if any(isinstance(v, str) and looks_like_html(v) for v in items):
            e.html = "".join(v if looks_like_html(v) else f"<p>{_escape(v)}</p>"
                             for v in items if isinstance(v, str))
            return
        for v in items:
            if not isinstance(v, (str, dict, int, float)) or isinstance(v, bool):
                raise _Unreadable(f"a list holding {_kind(v)}, not paragraphs")
            if isinstance(v, dict) and "text" not in v:
                raise _Unreadable(f"a list holding objects without \"text\" ({', '.join(list(v)[:4])})")
        e.paragraphs = [str(v) if isinstance(v, (int, float)) else v for v in items]
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        e.paragraphs = [str(value)]
        return
    raise _Unreadable(f"{_kind(value)}, not text")


def _escape(text: str) -> str:
    import html

    return html.escape(text)


# ---------------------------------------------------------------- files


@lru_cache(maxsize=1)
def _default_schema() -> MappingSchema:
    text = resources.files(__package__).joinpath(DEFAULT_FILE).read_text("utf-8")
    return MappingSchema.model_validate(tomllib.loads(text))


def _paths(value: Path_) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def default_mapping() -> Mapping:
    return merge(None)


def merge(schema: MappingSchema | None, path: Path | None = None) -> Mapping:
    """``schema`` over the default: each part it names replaces the default's candidates."""
    base = _default_schema()
    fields = {}
    for part in PARTS:
        own = _paths(getattr(schema.fields, part)) if schema else ()
        fields[part] = own or _paths(getattr(base.fields, part))
    articles = (_paths(schema.feed.articles) if schema else ()) or _paths(base.feed.articles)
    channels = {}
    if schema:
        for name, value in schema.channels.items():
            if isinstance(value, int):
                channels[name] = ChannelPage(value)
            else:
                channels[name] = ChannelPage(value.page, value.name, value.label)
    ignore = set(base.fields.ignore) | (set(schema.fields.ignore) if schema else set())
    return Mapping(fields=fields, articles=articles, ignore=frozenset(ignore), channels=channels,
                   paper=schema.feed.paper if schema else None,
                   date=schema.feed.date if schema else None,
                   match=tuple(schema.match.fields) if schema and schema.match else (), path=path)


def read_mapping(path: Path) -> Mapping:
    """A mapping file, read strictly and merged over the default."""
    schema = read_toml(Path(path), MappingSchema, code=CODE,
                       hint="a feed mapping: [feed], [match], [fields], [channels] (docs/importing.md)")
    return merge(schema, Path(path))


def house_mappings(settings: Settings) -> dict[str, Path]:
    folder = settings.mappings_dir
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def find_mapping(name: str, settings: Settings) -> Mapping:
    """``--map NAME`` (the house's mappings/NAME.toml) or ``--map FILE``."""
    candidate = Path(name)
    if candidate.suffix == ".toml" or "/" in name or candidate.is_file():
        if not candidate.is_file():
            raise ConfigError(Problem("no such mapping file", candidate, code="mapping",
                                      hint="give the path of a mapping's .toml file"))
        return read_mapping(candidate)
    known = house_mappings(settings)
    if name in known:
        return read_mapping(known[name])
    raise ConfigError(Problem(f"unknown mapping {name!r}{did_you_mean(name, known)}",
                              settings.mappings_dir, code="mapping",
                              hint=f"known mappings: {', '.join(known) or 'none'}; or pass "
                                   "--map FILE.toml (see docs/importing.md)"))


def matching_mapping(records: list, settings: Settings) -> Mapping | None:
    """The house mapping whose ``[match]`` fields every record carries (the first by name)."""
    for _name, path in house_mappings(settings).items():
        try:
            mapping = read_mapping(path)
        except ConfigError:
            continue  # a broken house mapping is reported when it is asked for by name
        if mapping.matches(records):
            return mapping
    return None


def preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:40] + "…"


__all__ = [
    "PARTS",
    "Mapping",
    "MappingSchema",
    "default_mapping",
    "find_mapping",
    "house_mappings",
    "matching_mapping",
    "read_mapping",
]
