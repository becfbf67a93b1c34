"""The print edition: newspaper pages on the basic grid as PDF/X, and the preflight.

Where each article goes is the make-up's (``publisher.makeup``: page plans). Modules, one
responsibility each: ``pages`` (the page markup from a plan, and the proof that the page
was set as planned), ``colour`` (photos to CMYK), ``lunar`` (the masthead's lunar
date), ``pdfx`` (PDF/X finishing and joining), ``build`` (the parallel pipeline) and
``preflight`` (checking any PDF the way a plant would).
"""
