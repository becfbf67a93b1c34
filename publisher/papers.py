"""The papers of the house: who publishes an edition, read from one TOML file per paper.

A paper file lives in the house's ``papers/`` folder (``[tool.publisher] papers``) and is
named for the name users type: ``--paper xnrb`` reads ``papers/xnrb.toml``. It holds what
never changes from issue to issue: the paper's name, publisher, CN and ISSN numbers, the
regional edition (name and ASCII code) the file stands for, and the 版 names by number.
Importers take the paper from here, so no edition is titled with a placeholder; an unknown
name is an error listing the papers the house knows.

A paper with several regional editions has one file per edition (``xnrb.toml``,
``xnrb-jiayu.toml``), each with the same ``[paper]`` and its own ``[edition]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .config import Settings
from .errors import ConfigError, Problem
from .model import Paper
from .tomlfile import did_you_mean, read_toml

CODE = "paper"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PaperTable(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    cn: str | None = Field(default=None, pattern=r"^CN ?\d{2}-\d{4}(/[A-Z]{1,2})?$")
    issn: str | None = Field(default=None, pattern=r"^\d{4}-\d{3}[\dX]$")
    language: str = "zh-Hans"
    url: str | None = None


class EditionTable(_Strict):
    name: str = Field(min_length=1)  # 咸安
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")  # xianan


class PaperFileSchema(_Strict):
    paper: PaperTable
    edition: EditionTable | None = None
    pages: dict[str, str] = {}  # "1" = "要闻": TOML keys are strings

    @field_validator("pages")
    @classmethod
    def _numbers(cls, v: dict[str, str]) -> dict[str, str]:
        for key, name in v.items():
            if not key.isdigit() or int(key) < 1:
                raise ValueError(f"page key {key!r} is not a page number (1, 2, …)")
            if not name.strip():
                raise ValueError(f"page {key} has an empty name")
        return v


@dataclass(frozen=True)
class PaperFile:
    """A paper as its house file describes it."""

    paper: Paper
    edition: str | None = None  # regional edition name (咸安)
    edition_code: str | None = None  # its ASCII code (xianan)
    pages: dict[int, str] = field(default_factory=dict)  # 版 number -> 版名
    path: Path | None = None

    @property
    def title(self) -> str:
        return self.paper.name + (f"·{self.edition}版" if self.edition else "")


def read_paper_file(path: Path) -> PaperFile:
    """Read one paper file strictly (unknown keys are errors, with "did you mean")."""
    schema = read_toml(Path(path), PaperFileSchema, code=CODE,
                       hint="a paper file holds [paper] id, name and publisher (docs/importing.md)")
    ed = schema.edition
    return PaperFile(paper=Paper(**schema.paper.model_dump()), edition=ed.name if ed else None,
                     edition_code=ed.code if ed else None,
                     pages={int(k): v.strip() for k, v in schema.pages.items()}, path=Path(path))


def known_papers(settings: Settings) -> dict[str, Path]:
    """Every paper file of the house, by the name ``--paper`` takes."""
    folder = settings.papers_dir
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.toml")) if _NAME.match(p.stem)}


def find_paper(name: str, settings: Settings) -> PaperFile:
    """``--paper NAME``: the house's ``papers/NAME.toml``, or a path to a paper file."""
    candidate = Path(name)
    if candidate.suffix == ".toml" or "/" in name:
        return read_paper_file(candidate)
    papers = known_papers(settings)
    if name in papers:
        return read_paper_file(papers[name])
    raise ConfigError(Problem(
        f"unknown paper {name!r}{did_you_mean(name, papers)}", settings.papers_dir,
        hint=(f"known papers: {describe_papers(settings)}; " if papers else "the house has no papers; ")
        + f"add papers/{name}.toml beside the house file {settings.house_file} "
        "(see docs/importing.md), or pass --paper FILE.toml", code="paper-unknown"))


def describe_papers(settings: Settings) -> str:
    """"jjrb (经济日报), xnrb (咸宁日报·咸安版)": for messages."""
    out = []
    for stem, path in known_papers(settings).items():
        try:
            out.append(f"{stem} ({read_paper_file(path).title})")
        except ConfigError:
            out.append(f"{stem} (unreadable)")
    return ", ".join(out) or "none"


__all__ = ["PaperFile", "describe_papers", "find_paper", "known_papers", "read_paper_file"]
