"""The print edition: newspaper pages on the basic grid as PDF/X, and the preflight.

Modules, one responsibility each: ``geometry`` (trim, bleed, marks, type area, grid),
``measure`` (galleys laid out and read back), ``grid`` (placement, overflow, jump lines),
``pages`` (the page markup), ``colour`` (photos to CMYK), ``lunar`` (the masthead's lunar
date), ``pdfx`` (PDF/X finishing and joining), ``build`` (the parallel pipeline) and
``preflight`` (checking any PDF the way a plant would).
"""
