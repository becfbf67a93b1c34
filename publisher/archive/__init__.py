"""The archive package of an issue: a BagIt bag of PDF/A, page PDFs, ALTO, METS, NITF,
the EPUB and the edition sources, and the verification of such a bag.

- ``build``: assembles every file of the bag in memory (``build_archive``);
- ``pages``: each 版's print page and the text blocks on it;
- ``alto``, ``mets``, ``nitf``: the three XML formats; ``schemas``: their XSDs on disk;
- ``pdfa``: the print pages made PDF/A (cut to the trim), and the structural PDF/A check;
- ``bag``: BagIt manifests and bag-info; ``sign``: the tag manifest's SSH signature;
- ``verify``: ``publisher verify BAG``, with ``pdfa_rules`` (the PDF/A rules a structural
  check sees) and ``crosscheck`` (ALTO against the pages, bag-info against METS);
- ``ndnp``: the NDNP profile (``--profile ndnp``): an issue and a batch of issues as the
  Library of Congress's newspaper program takes them, and the check of its rules.
"""

from .build import build_archive, made_at
from .ndnp import build_issue as build_ndnp_issue
from .sign import sign_bag
from .verify import verified, verify_bag

__all__ = ["build_archive", "build_ndnp_issue", "made_at", "sign_bag", "verified", "verify_bag"]
