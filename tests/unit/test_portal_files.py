"""The gateway's serving of the built portal (gateway.portal), on a folder of its own: types, caching, the
compressed twin the browser accepts, the client-side router's fallback, and nothing outside the build."""
from werkzeug.test import EnvironBuilder

from gateway.portal import IMMUTABLE, PortalFiles


def environ(path, **headers):
    built = EnvironBuilder(path="/", headers=headers).get_environ()
    built["PATH_INFO"] = path  # as the server hands it over, without normalising
    return built


def portal(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Portal</title>")
    (dist / "assets" / "main-ABC123.js").write_text("console.log(1)")
    (dist / "assets" / "main-ABC123.js.gz").write_bytes(b"\x1f\x8bcomprimido")
    (tmp_path / "secreto.txt").write_text("no")
    return PortalFiles(dist)


def test_assets_are_immutable_with_their_type_and_compressed_twin(tmp_path):
    files = portal(tmp_path)
    plain = files.respond(environ("/assets/main-ABC123.js"))
    assert plain.status_code == 200 and plain.headers["Content-Type"].startswith("text/javascript")
    assert plain.headers["Cache-Control"] == IMMUTABLE and "Content-Encoding" not in plain.headers
    gz = files.respond(environ("/assets/main-ABC123.js", **{"Accept-Encoding": "gzip, deflate"}))
    assert gz.headers["Content-Encoding"] == "gzip" and gz.get_data() == b"\x1f\x8bcomprimido"
    assert gz.headers["Vary"] == "Accept-Encoding"
    again = files.respond(environ("/assets/main-ABC123.js", **{"If-None-Match": plain.headers["ETag"]}))
    assert again.status_code == 304


def test_pages_of_the_router_get_index_html_with_the_security_headers(tmp_path):
    files = portal(tmp_path)
    for path in ("/", "/audiencias", "/amparos/00001-2026-00001"):
        page = files.respond(environ(path))
        assert page.status_code == 200 and page.get_data(as_text=True).startswith("<!doctype html>")
        assert page.headers["Cache-Control"] == "no-cache"
        assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY"


def test_nothing_outside_the_build_nor_a_missing_asset_is_served(tmp_path):
    files = portal(tmp_path)
    for path in ("/../secreto.txt", "/assets/../../secreto.txt", "/assets/nada.js", "/assets/main-ABC123.js.gz",
                 "/.hidden", "/assets/%2e%2e/secreto.txt", "/favicon.ico", "/a\\..\\secreto.txt"):
        answer = files.respond(environ(path))
        assert answer.status_code in (404, 200), path
        assert b"no" != answer.get_data(), path
        if "." in path.rsplit("/", 1)[-1]:
            assert answer.status_code == 404, path


def test_production_adds_strict_transport_security(tmp_path):
    files = portal(tmp_path)
    assert "Strict-Transport-Security" not in files.respond(environ("/")).headers
    files.production = True
    assert "max-age=" in files.respond(environ("/")).headers["Strict-Transport-Security"]


def test_an_unbuilt_portal_says_so(tmp_path):
    answer = PortalFiles(tmp_path / "vacio").respond(environ("/audiencias"))
    assert answer.status_code == 503 and "make run" in answer.get_data(as_text=True)
