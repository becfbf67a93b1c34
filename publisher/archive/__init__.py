"""The archive package of an issue: a BagIt bag of PDF/A, page PDFs, ALTO, METS, NITF,
the EPUB and the edition sources, and the verification of such a bag.

- ``build``: assembles every file of the bag in memory (``build_archive``);
- ``pages``: which rendered pages and text blocks make up each 版;
- ``alto``, ``mets``, ``nitf``: the three XML formats; ``schemas``: their XSDs on disk;
- ``pdfa``: page PDFs cut from the issue PDF/A, and the structural PDF/A check;
- ``bag``: BagIt manifests and bag-info; ``verify``: ``publisher verify BAG``.
"""

from .build import FOLDER, build_archive
from .verify import verify_bag

__all__ = ["FOLDER", "build_archive", "verify_bag"]
