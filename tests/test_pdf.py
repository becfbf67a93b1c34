"""The engine's sandbox: WeasyPrint reads only the edition, styles and fonts folders."""

from __future__ import annotations

import pytest

from publisher.config import load_settings
from publisher.engine import Sandbox, render
from publisher.errors import RenderError
from publisher.fonts import load_fonts


@pytest.fixture(scope="module")
def env():
    settings = load_settings()
    return settings, load_fonts(settings.fonts_dir)


def _render(html, tmp_path, env):
    _settings, fonts = env
    return render(html, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                  sandbox=Sandbox((tmp_path.resolve(),)), what="test").pdf


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "../../../../etc/hostname", "http://127.0.0.1:9/x.png",
    "https://example.com/x.png", "data:image/png;base64,iVBORw0KGgo=",
])
def test_urls_outside_the_sandbox_fail_the_build(url, tmp_path, env):
    html = f'<html lang="zh-Hans"><body><p>图</p><img src="{url}"></body></html>'
    with pytest.raises(RenderError) as info:
        _render(html, tmp_path, env)
    assert "refused to fetch" in str(info.value)


def test_attachment_links_cannot_embed_local_files(tmp_path, env):
    html = '<html><head><link rel="attachment" href="file:///etc/passwd"></head><body>x</body></html>'
    with pytest.raises(RenderError):
        _render(html, tmp_path, env)


def test_files_inside_the_sandbox_are_read(tmp_path, env):
    from PIL import Image

    Image.new("RGB", (10, 10), "red").save(tmp_path / "ok.png")
    pdf = _render('<html><body><img src="ok.png"></body></html>', tmp_path, env)
    assert pdf.startswith(b"%PDF") and b"/Image" in pdf
