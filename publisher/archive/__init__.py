"""The archive package of an issue: a BagIt bag of PDF/A, page PDFs, ALTO, METS, NITF,
the EPUB and the edition sources, and the verification of such a bag.

- ``build``: assembles every file of the bag in memory (``build_archive``);
- ``pages``: each 版's print page and the text blocks on it;
- ``alto``, ``mets``, ``nitf``: the three XML formats; ``schemas``: their XSDs on disk;
- ``pdfa``: the print pages made PDF/A (cut to the trim), and the structural PDF/A check;
- ``bag``: BagIt manifests and bag-info; ``verify``: ``publisher verify BAG``.
"""

from .build import build_archive
from .verify import verify_bag

__all__ = ["build_archive", "verify_bag"]
