#!/usr/bin/env bash
# Install the Debian packages a build and the test suite need, if any is missing.
# Run by `make` on first use; idempotent and quick when everything is there.
#   fonts-noto-cjk, fonts-lxgw-wenkai  the pinned faces (copied into fonts/ and checksummed)
#   fonts-babelstone-han                the pinned fallback face for rare characters (𪚥 U+2A6A5)
#   libharfbuzz-subset0                 WeasyPrint subsets fonts 10x faster with it
#   libpango-1.0-0 libpangoft2-1.0-0    WeasyPrint's text layout
#   default-jre-headless                Java for EPUBCheck 5
#   poppler-utils                       pdftoppm/pdffonts for tests and previews
#   ghostscript                         tiffsep separations measure total ink (preflight); its
#                                       srgb.icc is the source gamut of the newsprint profile
#   argyll                              colprof builds the default newsprint output profile
#   openssh-client                      ssh-keygen -Y sign/verify: the archive's bag signatures
#   libopenjp2-tools                    opj_compress encodes the NDNP profile's JPEG 2000 pages
#   python3-venv                        the virtual environment in .venv
# With the argument "test", also what only the test suite needs:
#   chromium, nodejs + npm              DAISY Ace (npm @daisy/ace-cli) checks the EPUB's accessibility;
#                                       foliate-js and epub.js (npm) read it in chromium; the web
#                                       edition's tests drive chromium with Playwright and run
#                                       axe-core (npm) in it
#   mupdf-tools                         mutool: the EPUB as MuPDF (SumatraPDF, zathura) lays it out
set -euo pipefail
packages=(fonts-noto-cjk fonts-lxgw-wenkai fonts-babelstone-han libharfbuzz-subset0 libpango-1.0-0
          libpangoft2-1.0-0 default-jre-headless poppler-utils ghostscript argyll openssh-client
          libopenjp2-tools)
missing=()
if [ "${1:-}" = test ]; then
  packages+=(chromium mupdf-tools)
  # A node from elsewhere (nodesource bundles npm) is fine: only install Debian's when absent.
  command -v npm >/dev/null || packages+=(nodejs npm)
fi
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then missing+=(python3-venv); fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "setup: installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "setup: run as root, or install these packages: ${missing[*]}" >&2; exit 1; fi
else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
