"""The lock covers the project: every dependency pyproject.toml names (runtime and [test])
is pinned in requirements/lock.txt, with hashes, at a version its specifier allows, and this
environment has every locked package at its locked version (the outputs are byte-identical
only with the same pikepdf, pypdfium2, Pillow, uharfbuzz, pydyf and WeasyPrint).

A dependency added to pyproject.toml without `make lock` fails here, not as an ImportError
somewhere else.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LOCK = ROOT / "requirements" / "lock.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)",
                 re.M)


def _locked() -> dict[str, str]:
    return {canonicalize_name(m[1]): m[2] for m in PIN.finditer(LOCK.read_text("utf-8"))}


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_every_pin_has_hashes():
    pins = re.findall(r"^[A-Za-z0-9][A-Za-z0-9._-]*==", LOCK.read_text("utf-8"), re.M)
    assert len(_locked()) == len(pins) > 50


def test_every_dependency_is_locked_at_an_allowed_version():
    locked = _locked()
    missing = [str(r) for r in _requirements() if canonicalize_name(r.name) not in locked]
    assert missing == [], "not in requirements/lock.txt: run `make lock`"
    outside = [f"{r} (locked {locked[canonicalize_name(r.name)]})" for r in _requirements()
               if not r.specifier.contains(locked[canonicalize_name(r.name)], prereleases=True)]
    assert outside == [], "the lock is older than pyproject.toml: run `make lock`"


def test_every_locked_package_is_installed_at_its_version():
    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    wrong = {name: (want, installed(name)) for name, want in _locked().items() if installed(name) != want}
    assert wrong == {}, "(locked, installed): run `make setup`, which installs the lock"
