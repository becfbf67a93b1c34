"""The XML schemas the archive is checked against, found on disk, never fetched.

Where each comes from (no network, ever; every file is pinned by its SHA-256):

- ALTO 4.4 — ``alto-4-4.xsd`` as shipped in the ``htrflow`` 0.2.6 wheel (PyPI);
- METS 1.12.1 and the LoC XLink schema it and ALTO import — ``mets.xsd`` and
  ``xlink.xsd`` as shipped in the ``ocrd-validators`` 2.67.1 wheel (PyPI);
- MODS 3.6 and PREMIS 3.0, which the METS file embeds — ``mods.xsd`` and ``premis.xsd`` as
  shipped in the ``eulxml`` 1.1.3 wheel (PyPI; its build fetched them from loc.gov), and
  the W3C schema of the ``xml:`` namespace that MODS imports — ``xml.xsd`` as shipped in the
  ``xmlschema`` 4.3.2 wheel (PyPI);
- NITF 3.6 — no package reachable here ships it: ``schemas/nitf-3.6-subset.xsd`` in this
  package is publisher's own schema for the elements it writes (see its header).

These packages are used as data only (htrflow's and ocrd-validators' code needs torch,
opencv or pydantic 1), so they are installed without dependencies (``requirements/schemas.txt``,
``pip install --no-deps -r requirements/schemas.txt``) and never imported; the files are
found through the installed distributions' metadata. A missing or altered schema is an
error that says how to install it — verification never passes without its schemas.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from lxml import etree

from ..errors import ConfigError, Problem

XLINK_URL = "http://www.loc.gov/standards/xlink/xlink.xsd"
XML_URLS = ("http://www.loc.gov/mods/xml.xsd", "http://www.w3.org/2001/xml.xsd")
INSTALL_HINT = "pip install --no-deps -r requirements/schemas.txt (data-only packages holding the XSDs)"


@dataclass(frozen=True)
class SchemaFile:
    name: str
    distribution: str | None  # None: ships inside publisher
    member: str
    sha256: str


ALTO = SchemaFile("ALTO 4.4", "htrflow", "htrflow/serialization/schemas/alto-4-4.xsd",
                  "5564fd29d2dd090d8102b8a0aa081906afd677cd5ecc632312e56f21ea14702b")
METS = SchemaFile("METS 1.12.1", "ocrd-validators", "ocrd_validators/mets.xsd",
                  "d16aecf5b39b9f49fec841085b282e21c514bae3fa28c1230f823fa75fd49706")
XLINK = SchemaFile("LoC XLink", "ocrd-validators", "ocrd_validators/xlink.xsd",
                   "f1f5bb6003165cdd8f6c1fcc32f8fd1f965e1681010f3b9806d9460bcffa8a3c")
MODS = SchemaFile("MODS 3.6", "eulxml", "eulxml/schema_data/mods.xsd",
                  "ec844ae37c7aefcc123124176a9802a917a3a6f40e74f66c902f4563b06191d0")
PREMIS = SchemaFile("PREMIS 3.0", "eulxml", "eulxml/schema_data/premis.xsd",
                    "3782f286f9d58f2266b3e59eaa359b9fc238deca58e8c00c80334af35a0b98d0")
XML = SchemaFile("W3C xml: namespace", "xmlschema", "xmlschema/schemas/XML/xml.xsd",
                 "61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c")
NITF = SchemaFile("NITF 3.6 (publisher's subset)", None, "nitf-3.6-subset.xsd", "")


def locate(schema: SchemaFile) -> Path:
    if schema.distribution is None:
        return Path(str(resources.files("publisher.archive") / "schemas" / schema.member))
    try:
        dist = metadata.distribution(schema.distribution)
    except metadata.PackageNotFoundError:
        raise ConfigError(Problem(f"the {schema.name} schema is not installed "
                                  f"(it comes from the {schema.distribution} package)",
                                  hint=INSTALL_HINT, code="schema-missing")) from None
    path = Path(str(dist.locate_file(schema.member)))
    if not path.is_file():
        raise ConfigError(Problem(f"the {schema.name} schema is missing from {path}",
                                  hint=INSTALL_HINT, code="schema-missing"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if schema.sha256 and digest != schema.sha256:
        raise ConfigError(Problem(f"the {schema.name} schema at {path} is not the pinned one "
                                  f"(sha256 {digest})", path, hint=INSTALL_HINT,
                                  code="schema-changed"))
    return path


class _Local(etree.Resolver):
    """Serve the schemas that ALTO, METS and MODS import (XLink, xml:) from disk instead of
    the web."""

    def resolve(self, url, pubid, context):
        if url in (XLINK_URL, "xlink.xsd") or url.endswith("/xlink.xsd"):
            return self.resolve_filename(str(locate(XLINK)), context)
        if url in XML_URLS or url == "xml.xsd":
            return self.resolve_filename(str(locate(XML)), context)
        return None


def _load(schema: SchemaFile) -> etree.XMLSchema:
    path = locate(schema)
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    if schema is not NITF:
        parser.resolvers.add(_Local())
    doc = etree.parse(str(path), parser)
    return etree.XMLSchema(doc)


def _bundle(*members: SchemaFile) -> etree.XMLSchema:
    """One schema of several namespaces: METS with what its files embed (MODS, PREMIS), so
    that its ``xmlData`` (processContents lax) is validated against them too."""
    imports = "".join(f'<xs:import namespace="{_namespace(locate(m))}" '
                      f'schemaLocation="{locate(m).as_uri()}"/>' for m in members)
    text = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            f'targetNamespace="urn:publisher:schema-bundle">{imports}</xs:schema>')
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.fromstring(text.encode(), parser))


def _namespace(path: Path) -> str:
    return etree.parse(str(path), etree.XMLParser(no_network=True)).getroot().get("targetNamespace")


@cache
def alto() -> etree.XMLSchema:
    return _load(ALTO)


@cache
def mets() -> etree.XMLSchema:
    """METS, with the MODS and PREMIS it embeds validated too."""
    return _bundle(METS, MODS, PREMIS)


@cache
def mods() -> etree.XMLSchema:
    return _load(MODS)


@cache
def premis() -> etree.XMLSchema:
    return _load(PREMIS)


@cache
def nitf() -> etree.XMLSchema:
    return _load(NITF)


def validate(schema: etree.XMLSchema, data: bytes) -> list[str]:
    """Schema errors of ``data`` as ``line N: message`` strings (empty when valid)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        doc = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
