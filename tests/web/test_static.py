"""Page weight: fingerprinted static files cached for a year, brotli/gzip for text answers,
downloads left as they are, and htmx + our CSS + our JS within 25 KB compressed."""

import gzip
import re
from pathlib import Path

import brotli
import pytest

from bwportal.domain.public.issues import stored_key
from tests.web.test_transparency import listed  # noqa: F401 - a listed factory with a public PDF

ASSETS = ("css/app.css", "js/htmx-2.0.11.min.js", "js/app.js")
BUDGET = 25_000  # bytes, brotli, for everything a page loads besides its HTML


def decode(answer):
    encoding = answer.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(answer.data)
    if encoding == "gzip":
        return gzip.decompress(answer.data)
    assert encoding is None, encoding
    return answer.data


def page_assets(client):
    """The static URLs the sign-in page (base.html) links to."""
    html = client.get("/sign-in").get_data(as_text=True)
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_fingerprinted_names_that_change_with_the_content(app, client):
    urls = page_assets(client)
    assert len(urls) == len(ASSETS)
    for name, url in zip(ASSETS, urls, strict=True):
        stem, ext = name.rsplit(".", 1)
        assert re.fullmatch(rf"/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{ext}", url), url
        original = (Path(app.static_folder) / name).read_bytes()
        assert decode(client.get(url, headers={"Accept-Encoding": "br"})) == original


def test_an_edited_file_gets_a_new_name_and_the_old_one_is_gone(app, client, tmp_path, monkeypatch):
    from bwportal.web.assets import asset_url

    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    (tmp_path / "css").mkdir()
    file = tmp_path / "css" / "site.css"
    file.write_text("body { color: black; }\n" * 40)
    with app.test_request_context():
        first = asset_url("css/site.css")
    file.write_text("body { color: navy; }\n" * 40)
    with app.test_request_context():
        second = asset_url("css/site.css")
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert b"navy" in client.get(second).data


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_static_css_and_js_are_compressed_when_asked(app, client, encoding):
    for url in page_assets(client):
        answer = client.get(url, headers={"Accept-Encoding": encoding})
        assert answer.status_code == 200
        assert answer.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in answer.headers["Vary"]
        assert int(answer.headers["Content-Length"]) == len(answer.data)
        name = re.sub(r"\.[0-9a-f]{12}\.", ".", url.removeprefix("/static/"))
        original = (Path(app.static_folder) / name).read_bytes()
        assert len(answer.data) < len(original) / 2
        assert decode(answer) == original
    plain = client.get(page_assets(client)[0])  # a client that accepts no encoding
    assert "Content-Encoding" not in plain.headers


def test_fingerprinted_names_are_immutable_for_a_year_and_plain_names_are_short_lived(client):
    for url in page_assets(client):
        answer = client.get(url, headers={"Accept-Encoding": "br"})
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200
    max_age = int(re.search(r"max-age=(\d+)", plain.headers["Cache-Control"])[1])
    assert max_age <= 3600 and "immutable" not in plain.headers["Cache-Control"]


def test_unknown_and_outside_paths_are_not_found(client):
    assert client.get("/static/css/app.0123456789ab.css").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404
    assert client.get("/static/%2e%2e/config.py").status_code == 404


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_html_pages_are_compressed(client, encoding):
    answer = client.get("/transparency", headers={"Accept-Encoding": encoding})
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in answer.headers["Vary"]
    assert b"<html" in decode(answer)
    assert "Content-Encoding" not in client.get("/transparency").headers  # not asked: not compressed


def test_tiny_answers_are_not_compressed(client):
    answer = client.get("/healthz", headers={"Accept-Encoding": "br"})
    assert answer.status_code in (200, 503)
    assert len(answer.data) < 500 and "Content-Encoding" not in answer.headers


def test_downloads_are_sent_as_they_are_with_their_headers(app, client, listed):  # noqa: F811
    path = Path(app.config["STORAGE_DIR"], stored_key(listed["scan"].stored_name))
    content = b"%PDF-1.4\n" + b"0 0 0 RG\n" * 2000 + b"%%EOF\n"  # very compressible, and still left alone
    path.write_bytes(content)
    answer = client.get(f"/transparency/files/{listed['scan'].id}", headers={"Accept-Encoding": "br, gzip"})
    assert answer.status_code == 200 and answer.data == content
    assert "Content-Encoding" not in answer.headers
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_htmx_our_css_and_our_js_weigh_at_most_25_kb_compressed(client):
    sizes = {}
    for url in page_assets(client):
        answer = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert answer.headers["Content-Encoding"] == "br"
        sizes[url.rsplit("/", 1)[-1]] = len(answer.data)
    total = sum(sizes.values())
    print(f"\nstatic weight (brotli, as served): {sizes} = {total} bytes (budget {BUDGET})")
    assert len(sizes) == 3 and total <= BUDGET


def test_static_files_are_compressed_once_at_the_strongest_level(app, client):
    """A static file never changes between requests: it goes out at brotli 11 / gzip 9
    (what the pages' per-request level, brotli 5, would not reach), compressed once."""
    url = next(u for u in page_assets(client) if "htmx" in u)
    original = (Path(app.static_folder) / "js/htmx-2.0.11.min.js").read_bytes()
    br = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert len(br.data) == len(brotli.compress(original, quality=11)) < len(brotli.compress(original, quality=5))
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and len(gz.data) == len(gzip.compress(original, 9))
    plain = client.get(url)
    assert plain.data == original
    # Each representation has its own tag; a tag of another one gets the body, not a 304.
    tags = {br.headers["ETag"], gz.headers["ETag"], plain.headers["ETag"]}
    assert len(tags) == 3
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": br.headers["ETag"]}).status_code == 200
    assert client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": br.headers["ETag"]}).status_code == 304
