"""The archive package of an issue: a BagIt bag of PDF/A, page PDFs, ALTO, METS, NITF,
the EPUB and the edition sources, and the verification of such a bag.

- ``build``: assembles every file of the bag in memory (``build_archive``);
- ``pages``: each 版's print page and the text blocks on it;
- ``alto``, ``mets``, ``nitf``: the three XML formats; ``schemas``: their XSDs on disk;
- ``pdfa``: the print pages made PDF/A (cut to the trim), and the structural PDF/A check;
- ``bag``: BagIt manifests and bag-info; ``verify``: ``publisher verify BAG``;
- ``ndnp``: the NDNP profile (``--profile ndnp``): an issue and a batch of issues as the
  Library of Congress's newspaper program takes them, and the check of its rules.
"""

from .build import build_archive, made_at
from .ndnp import build_issue as build_ndnp_issue
from .verify import verify_bag

__all__ = ["build_archive", "build_ndnp_issue", "made_at", "verify_bag"]
