"""rendering.load: WeasyPrint's C libraries are looked up from one reading of the dynamic
loader's cache, not by starting gcc and ld for every name it tries (``ctypes.util``'s
fallbacks), and they are the same libraries as ctypes' own look-up finds. Each case loads
the engine in a process of its own (a process loads WeasyPrint once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_SCRIPT = """
import ctypes.util, json, sys
from publisher import engine
from publisher.engine import rendering
from publisher.config import load_settings
from publisher.fonts import load_fonts

started = []  # the compiler and linker ctypes.util would start
for name in ("_findLib_gcc", "_findLib_ld"):
    original = getattr(ctypes.util, name)
    def counted(lib, original=original, name=name):
        started.append(name)
        return original(lib)
    setattr(ctypes.util, name, counted)
if sys.argv[1] == "empty-cache":  # the loader's cache knows none of the names asked for
    rendering._loader_cache = lambda: ("libc6,x86-64", b"")
if sys.argv[1] == "fails-once":  # a library not found on the first try (OSError, as cffi raises)
    class Missing:
        def find_spec(self, name, path=None, target=None):
            if name == "weasyprint.text.ffi":
                sys.meta_path.remove(self)
                print("WeasyPrint could not import some external libraries")  # as its _dlopen does
                raise OSError("cannot load library 'gobject-2.0-0'")
    sys.meta_path.insert(0, Missing())
settings = load_settings()
engine.load(load_fonts(settings.fonts_dir))
with open("/proc/self/maps") as maps:
    libraries = sorted({line.split()[-1] for line in maps
                        if any(n in line for n in ("libpango", "libgobject", "libharfbuzz", "libfontconfig"))})
print(json.dumps({"started": len(started), "libraries": libraries}))
"""


def _loaded(how: str, **env: str) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, how], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/sbin/ldconfig").exists(),
                    reason="the loader's cache is read on Linux, with ldconfig")
def test_weasyprint_libraries_are_looked_up_in_the_loaders_cache_once():
    quick, _ = _loaded("cache")
    # LIBRARY_PATH set: find_library is left as ctypes has it (gcc and ld for each miss)
    slow, _ = _loaded("ctypes", LIBRARY_PATH="/nonexistent")
    # none of the names in the cache: cffi opens the sonames WeasyPrint also names itself
    empty, _ = _loaded("empty-cache")
    # the import fails for a library on the first try: done again with ctypes' own look-up
    retried, out = _loaded("fails-once")
    assert quick["started"] == empty["started"] == 0
    assert slow["started"] > 0 and retried["started"] > 0
    assert quick["libraries"] and quick["libraries"] == slow["libraries"] == empty["libraries"] == \
        retried["libraries"]
    assert "WeasyPrint could not import" not in out  # its advice, printed on the first try, kept
