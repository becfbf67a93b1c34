"""Sources: reading editions (the native format) and importing newsroom copy into it."""

from .edition import read_edition

__all__ = ["read_edition"]
