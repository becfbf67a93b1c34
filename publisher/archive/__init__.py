"""The archive package of an issue: a BagIt bag of PDF/A, page PDFs, ALTO, METS, NITF,
the EPUB and the edition sources, and the verification of such a bag.

- ``build``: assembles every file of the bag in memory (``build_archive``);
- ``pages``: each 版's print page and the text blocks on it;
- ``alto``, ``mets``, ``nitf``: the three XML formats; ``schemas``: their XSDs on disk;
- ``pdfa``: the print pages made PDF/A (cut to the trim), and the structural PDF/A check;
- ``bag``: BagIt manifests and bag-info; ``sign``: the tag manifest's SSH signature;
- ``verify``: ``publisher verify BAG``, with ``pdfa_rules`` (the PDF/A rules a structural
  check sees) and ``crosscheck`` (ALTO against the pages, bag-info against METS).
"""

from .build import build_archive
from .sign import sign_bag
from .verify import verify_bag

__all__ = ["build_archive", "sign_bag", "verify_bag"]
