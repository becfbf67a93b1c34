"""Strict TOML files: a file read into a typed model, or every problem of it at once.

The house's files are read here: its settings (``[tool.publisher]``), its font manifest
(fonts.toml), its paper files (the importers' ``--paper``) and its feed mappings (``--map``);
``syntax_problem`` and ``line_of`` also place the problems of an edition's edition.toml.
Everything wrong with a file is reported together, each problem with the file, the line and
what to do: TOML syntax, an unknown section or key (with the nearest known name: "did you
mean print?"), a missing key, a value of the wrong type or out of range. Nothing unknown is
kept aside or ignored: a typo is never a silently unused setting.

tomllib gives no positions, so ``key_lines`` finds the line of every key and table header by
scanning the document (only once it has parsed, and only when there is a problem to place).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ConfigError, Problem, PublisherError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

MAX_BYTES = 1 << 20  # a settings or paper file is a few KB; refuse to parse anything huge


def read_toml(path: Path, model: type[M], *, table: tuple[str, ...] = (), fixed: Mapping[str, Any] = {},
              error: type[PublisherError] = ConfigError, code: str = "config",
              hint: str | None = None) -> M:
    """``model`` validated from the table at ``table`` of the TOML file ``path``.

    ``fixed`` are fields the program sets (e.g. the folder of the file): the file may not
    name them. ``hint`` is added to problems that are not about one key (a missing table,
    a syntax error). Raises ``error`` listing every problem, each with ``code``.
    """
    text = read_text(path, error=error, code=code)
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(syntax_problem(exc, text, path, code, hint)) from None
    except RecursionError:
        raise error(Problem("invalid TOML: nested too deeply", path, hint=hint, code=code)) from None
    except ValueError:  # int() refused a number of more than 4,300 digits; tomllib lets it out
        raise error(Problem("invalid TOML: a number of more than 4,300 digits", path, hint=hint,
                            code=code)) from None
    for name in table:
        data = data.get(name) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        raise error(Problem(f"no {_section(table, ())} table in the file", path, hint=hint, code=code))
    problems = [Problem(f"unknown key {key} in {_section(table, ())} (publisher sets it itself)",
                        path, _line(key_lines(text), table, (key,)), code=code)
                for key in fixed if key in data]
    try:
        value = model.model_validate({**data, **fixed})
    except ValidationError as exc:
        problems += describe(exc, model, path, text, table, code, hidden=frozenset(fixed))
    except RecursionError:
        problems.append(Problem("the values are nested too deeply", path, hint=hint, code=code))
    if problems:
        raise error(sorted(problems, key=lambda p: p.line or 0))
    return value


_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")


def syntax_problem(exc: tomllib.TOMLDecodeError, text: str, path: Path | None,
                   code: str = "toml", hint: str | None = None) -> Problem:
    """A TOML syntax error on its line, in words a person knows where we can tell more:
    tomllib says "Expected newline" for ``date = 2019-10-32``; this says it is not a date."""
    m = re.search(r"at line (\d+)", str(exc))
    line = getattr(exc, "lineno", None) or (int(m.group(1)) if m else None)
    message, fix = f"invalid TOML: {exc}", hint or "fix the TOML syntax"
    lines = text.split("\n")
    if line and line - 1 < len(lines):
        source = lines[line - 1]
        for d in _DATE.finditer(source.split("=", 1)[-1]):
            try:
                dt.date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
            except ValueError as bad:
                message = f"{d.group(0)} is not a valid date ({bad})"
                fix = "write a real date, YYYY-MM-DD, without quotes"
                break
    return Problem(message, path, line, fix, code=code)


def line_of(text: str, loc: Loc) -> int | None:
    """The line of a key path like ("pages", 2, "name") in TOML ``text``; a key that is
    missing, the header of the table that should hold it ([paper] for paper.name)."""
    return _line(key_lines(text), (), loc)


def line_at(lines: dict[Loc, int], loc: Loc) -> int | None:
    """``line_of`` with the document's ``key_lines`` made once (for many problems)."""
    return _line(lines, (), loc)


def did_you_mean(word: str, choices) -> str:
    """" (did you mean 'name'?)" or "": the nearest of ``choices`` to ``word``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def read_text(path: Path, *, error: type[PublisherError] = ConfigError, code: str = "config") -> str:
    """The file's text: UTF-8, a regular file of reasonable size, or a clear problem."""
    if not path.exists():
        raise error(Problem("no such file", path, code=code))
    if path.is_dir():
        raise error(Problem("this is a folder, not a TOML file", path, code=code))
    if not path.is_file():  # a FIFO or a device would block or never end
        raise error(Problem("not a regular file", path, code=code))
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(Problem(f"cannot read it: {exc.strerror or exc}", path, code=code)) from None
    if len(data) > MAX_BYTES:
        raise error(Problem(f"the file is larger than {MAX_BYTES // 1024} KB", path, code=code))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(Problem("not UTF-8", path, line, "save the file as UTF-8", code=code)) from None


def describe(exc: ValidationError, model: type[BaseModel], path: Path, text: str,
             table: tuple[str, ...], code: str, hidden: frozenset[str] = frozenset()) -> list[Problem]:
    """Each validation error of ``exc`` as a Problem with its line and a suggestion
    (``hidden``: fields the file may not set, never suggested)."""
    lines = key_lines(text)
    out = []
    for err in exc.errors():
        loc: Loc = tuple(err["loc"])
        line = _line(lines, table, loc)
        # the key is the last name, with any indices after it: trim_size[1]
        last = max((i for i, k in enumerate(loc) if isinstance(k, str)), default=-1)
        parent = loc[:last] if last >= 0 else ()
        key = "".join([str(loc[last]) if last >= 0 else "", *(f"[{i}]" for i in loc[last + 1:])])
        where = _section(table, parent)
        if err["type"] == "extra_forbidden":
            kind = "section" if isinstance(err.get("input"), dict) else "key"
            name = _section(table, loc) if kind == "section" else f"{key} in {where}"
            known = {k: v for k, v in fields_at(model, parent).items() if parent or k not in hidden}
            guess = suggest(key, list(known), model, table, hidden)
            message = f"unknown {kind} {name}" + (f" (did you mean {guess}?)" if guess else "")
            out.append(Problem(message, path, line, _listing(where, known), code=code))
        elif err["type"] == "missing":
            out.append(Problem(f"missing key {key} in {where}", path, line,
                               f"add {key} = … to {where}", code=code))
        else:
            shown = f" = {_toml(err.get('input'))}" if "input" in err else ""
            out.append(Problem(f"{where} {key}{shown}: {_message(err)}", path, line, code=code))
    return out


def _listing(where: str, known: dict[str, bool]) -> str:
    """"the keys of [x] are: a, b; its sections: c, d" (``known``: name -> is a section)."""
    keys = sorted(k for k, section in known.items() if not section)
    sections = sorted(k for k, section in known.items() if section)
    if not known:
        return f"{where} takes no keys"
    if not keys:
        return f"the sections of {where} are: {', '.join(sections)}"
    text = f"the keys of {where} are: {', '.join(keys)}"
    return text + (f"; its sections: {', '.join(sections)}" if sections else "")


def _message(err: Any) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ")  # a validator's own words
    return msg[0].lower() + msg[1:] if msg else msg


def _toml(value: Any) -> str:
    """A value as TOML writes it, shortened for a message."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict):
        text = "{…}"
    elif isinstance(value, list):
        text = "[…]" if value else "[]"
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _section(table: tuple[str, ...], loc: Loc) -> str:
    """The TOML name of a table: ("tool", "publisher"), ("print",) -> [tool.publisher.print]."""
    names = [*table, *(str(k) for k in loc if isinstance(k, str))]
    return f"[{'.'.join(names)}]" if names else "the top level"


def _line(lines: dict[Loc, int], table: tuple[str, ...], loc: Loc) -> int | None:
    """The line of the innermost part of ``loc`` that the file spells out."""
    full: Loc = (*table, *loc)
    for n in range(len(full), 0, -1):
        if full[:n] in lines:
            return lines[full[:n]]
    return None


# ---------------------------------------------------------------- did you mean


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation holds: Model, Model | None, list[Model], tuple[Model, ...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, tuple, dict):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    return []


def fields_at(model: type[BaseModel], loc: Loc) -> dict[str, bool]:
    """The fields of the model found at ``loc`` inside ``model`` (indices skipped), each
    with whether it is a section (a table of its own) rather than a key."""
    current = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        current = [m for c in current if part in c.model_fields
                   for m in _models(c.model_fields[part].annotation)]
    return {name: bool(_models(field.annotation))
            for c in current for name, field in c.model_fields.items()}


def _all_fields(model: type[BaseModel], table: tuple[str, ...], loc: Loc = ()) -> list[tuple[str, str]]:
    """Every (field name, TOML table it belongs to) of the model and its sub-models."""
    out = [(name, _section(table, loc)) for name in model.model_fields]
    for name, field in model.model_fields.items():
        for sub in _models(field.annotation):
            out += _all_fields(sub, table, (*loc, name))
    return out


def suggest(key: str, known: list[str], model: type[BaseModel], table: tuple[str, ...],
            hidden: frozenset[str] = frozenset()) -> str | None:
    """The nearest known name: a sibling first ("prnt" -> "print"), else a key of another
    table ("lunar_dat" -> "lunar_date in [tool.publisher.print]")."""
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if near:
        return near[0]
    elsewhere = [(name, t) for name, t in _all_fields(model, table) if name not in hidden]
    near = difflib.get_close_matches(key, [name for name, _ in elsewhere], n=1, cutoff=0.75)
    if near:
        return f"{near[0]} in " + next(t for name, t in elsewhere if name == near[0])
    return None


# ---------------------------------------------------------------- lines of keys


def key_lines(text: str) -> dict[Loc, int]:
    """The line of every table header and key of a TOML document that tomllib accepted,
    by its path: ``("tool", "publisher", "print", "bleed")``; tables of an array by index:
    ``("face", 2, "sha256")``; values in arrays too: ``("print", "trim_size", 1)``."""
    scanner = _Scanner(text)
    # for messages only: a line we cannot place is left out
    with contextlib.suppress(RecursionError, IndexError, ValueError):
        scanner.document()
    return scanner.found


_BARE = re.compile(r"[A-Za-z0-9_-]+")


class _Scanner:
    """A small reader of TOML's structure (not its values): keys, headers, nesting."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.found: dict[Loc, int] = {}
        self.arrays: dict[Loc, int] = {}  # an array of tables -> the index of its last table

    def document(self) -> None:
        table: Loc = ()
        while True:
            self.blank(newlines=True)
            if self.i >= len(self.s):
                return
            if self.s.startswith("[[", self.i):
                self.i += 2
                names = self.keys()
                path = (*self.resolve(names[:-1]), names[-1])  # a new table of this array
                self.expect("]]")
                index = self.arrays.get(path, -1) + 1
                self.arrays[path] = index
                table = (*path, index)
                self.found.setdefault(path, self.line)
                self.found[table] = self.line
            elif self.s[self.i] == "[":
                self.i += 1
                table = self.resolve(self.keys())
                self.expect("]")
                self.found.setdefault(table, self.line)
            else:
                self.keyval(table)

    def resolve(self, names: list[str]) -> Loc:
        """A header's path with the current index of every array of tables it passes."""
        path: Loc = ()
        for name in names:
            path = (*path, name)
            if path in self.arrays:
                path = (*path, self.arrays[path])
        return path

    def blank(self, newlines: bool) -> None:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\n" and newlines:
                self.i += 1
                self.line += 1
            elif c == "#":
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def expect(self, token: str) -> None:
        self.blank(newlines=False)
        if not self.s.startswith(token, self.i):
            raise ValueError(f"expected {token} at line {self.line}")
        self.i += len(token)

    def keys(self) -> list[str]:
        names = []
        while True:
            self.blank(newlines=False)
            c = self.s[self.i]
            if c in "\"'":
                start = self.i
                self.string()
                names.append(tomllib.loads(f"k = {self.s[start:self.i]}")["k"])
            else:
                m = _BARE.match(self.s, self.i)
                if not m:
                    raise ValueError(f"no key at line {self.line}")
                names.append(m.group())
                self.i = m.end()
            self.blank(newlines=False)
            if self.i < len(self.s) and self.s[self.i] == ".":
                self.i += 1
                continue
            return names

    def keyval(self, base: Loc) -> None:
        line = self.line
        names = self.keys()
        for n in range(1, len(names) + 1):
            self.found.setdefault((*base, *names[:n]), line)
        self.expect("=")
        self.blank(newlines=False)
        self.value((*base, *names))

    def value(self, path: Loc) -> None:
        s = self.s
        c = s[self.i]
        if c in "\"'":
            self.string()
        elif c == "[":
            self.i += 1
            index = 0
            while True:
                self.blank(newlines=True)
                if s[self.i] == "]":
                    self.i += 1
                    return
                self.found.setdefault((*path, index), self.line)
                self.value((*path, index))
                index += 1
                self.blank(newlines=True)
                if s[self.i] == ",":
                    self.i += 1
        elif c == "{":
            self.i += 1
            while True:
                self.blank(newlines=True)
                if s[self.i] == "}":
                    self.i += 1
                    return
                self.keyval(path)
                self.blank(newlines=True)
                if s[self.i] == ",":
                    self.i += 1
        else:  # a number, a boolean, a date or time (which may hold one space)
            start = self.i
            while self.i < len(s) and s[self.i] not in ",]}\n#":
                self.i += 1
            if self.i == start:
                raise ValueError(f"no value at line {self.line}")

    def string(self) -> None:
        s = self.s
        quote = s[self.i]
        if s.startswith(quote * 3, self.i):
            end = self.i + 3
            while True:
                end = s.index(quote * 3, end)
                if quote == "'" or not _escaped(s, end):
                    break
                end += 1
            while s.startswith(quote, end + 3):  # up to two quotes may end the content
                end += 1
            self.line += s.count("\n", self.i, end)
            self.i = end + 3
            return
        end = self.i + 1
        while True:
            end = s.index(quote, end)
            if quote == "'" or not _escaped(s, end):
                break
            end += 1
        self.i = end + 1


def _escaped(s: str, at: int) -> bool:
    """Whether the quote at ``at`` is escaped (an odd run of backslashes before it)."""
    n = 0
    while at - n - 1 >= 0 and s[at - n - 1] == "\\":
        n += 1
    return n % 2 == 1
