"""The typeset pass: pure text functions shared by the EPUB and the PDF (no I/O).

``punctuation.normalize`` fixes the source text (ASCII marks inside Chinese to full width,
quotes paired, dashes and ellipses whole); ``spacing.to_html`` turns normalised text into an
escaped XHTML fragment with the spans the house CSS (styles/typeset.css) needs for CJK–Latin
spacing and punctuation squeezing. Neither inserts or removes a character that a reader sees
in the output beyond what ``normalize`` documents.
"""

from .punctuation import normalize
from .spacing import to_html

__all__ = ["normalize", "to_html"]
