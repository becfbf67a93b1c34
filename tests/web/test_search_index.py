"""Pagefind's index of a site given by a relative path (`publisher site … --out site`): it
runs in a temporary folder, so a relative site path must not reach it as given."""

from __future__ import annotations

from pathlib import Path

from publisher.web import index_site, urls

PAGE = ('<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>窑咀大桥合龙</title>'
        '</head><body><main data-pagefind-body><h1>窑咀大桥合龙</h1><p>本报讯 窑咀大桥今日合龙。</p>'
        '</main></body></html>')


def test_a_relative_site_is_indexed(tmp_path, monkeypatch):
    page = tmp_path / "site" / "2019" / "10" / "21" / "01" / "p01-a01" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE, "utf-8")
    monkeypatch.chdir(tmp_path)
    bundle = index_site(Path("site"))
    assert f"{urls.PAGEFIND}/pagefind.js" in bundle
    assert any(p.startswith(f"{urls.PAGEFIND}/index/") for p in bundle)
