"""The web portal's files (``web/dist``, built by ``make run`` / ``make test``), served by the gateway at ``/``.

Not an API route: the gateway answers a GET or HEAD that no API route matches, outside ``/api/``, from here
(``gateway.web.PortalWsgiApp``). A file of the build is served with its type; its precompressed ``.br`` or ``.gz``
twin when the browser accepts it. Files under ``/assets/`` carry a hash of their content in their name, so they
are cached for a year (``immutable``); everything else (``index.html``) is asked again every time (``no-cache``
with an ETag). Any other path without an extension is a page of the portal's client-side router: it gets
``index.html``. Every answer carries the security headers, among them a Content-Security-Policy that allows no
inline script or style.
"""
import hashlib
import mimetypes
import os
from pathlib import Path

from werkzeug.wrappers import Response

from services.runtime.config import ROOT

DEFAULT_DIST = ROOT / "web" / "dist"
ASSETS_PREFIX = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"
TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml",
         ".json": "application/json", ".webmanifest": "application/manifest+json", ".ico": "image/x-icon",
         ".png": "image/png", ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8", ".map": "application/json"}
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
NOT_BUILT = ("<!doctype html><html lang=\"es\"><meta charset=\"utf-8\"><title>Portal Judicial</title>"
             "<p>El portal web no está construido. Ejecute <code>make run</code> (o <code>make web</code>).</p></html>")


class PortalFiles:
    """The built portal on disk. ``production`` adds Strict-Transport-Security (served over HTTPS there)."""

    def __init__(self, root=None, production=False):
        self.root = Path(root or DEFAULT_DIST).resolve()
        self.production = production

    def headers(self, response):
        for key, value in SECURITY_HEADERS.items():
            response.headers[key] = value
        if self.production:
            response.headers["Strict-Transport-Security"] = HSTS
        return response

    def _file(self, relative):
        """The file of the build at ``relative`` (a URL path without its leading slash), or None."""
        if not relative or "\\" in relative or "\x00" in relative:
            return None
        parts = relative.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            return None
        candidate = self.root.joinpath(*parts)
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            return None
        if self.root not in resolved.parents or not resolved.is_file():
            return None
        if resolved.suffix in (".gz", ".br"):  # the compressed twins are served only as an encoding
            return None
        return resolved

    def respond(self, environ):
        path = environ.get("PATH_INFO", "/") or "/"
        relative = path.lstrip("/")
        found = self._file(relative)
        if found is None:
            last = relative.rsplit("/", 1)[-1]
            if "." in last or relative.startswith(ASSETS_PREFIX):
                return self.headers(Response("No existe.", status=404, mimetype="text/plain"))
            found = self._file("index.html")  # a page of the client-side router
            if found is None:
                return self.headers(Response(NOT_BUILT, status=503, mimetype="text/html"))
            relative = "index.html"
        return self._serve(environ, found, relative)

    def _serve(self, environ, found, relative):
        accepted = environ.get("HTTP_ACCEPT_ENCODING", "")
        body_path, encoding = found, None
        for name, suffix in ENCODINGS:
            if name in accepted:
                twin = found.with_name(found.name + suffix)
                if twin.is_file():
                    body_path, encoding = twin, name
                    break
        stat = body_path.stat()
        etag = '"' + hashlib.sha256(f"{body_path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:24] + '"'
        immutable = relative.startswith(ASSETS_PREFIX)
        headers = {"Cache-Control": IMMUTABLE if immutable else REVALIDATE, "ETag": etag, "Vary": "Accept-Encoding"}
        content_type = TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            return self.headers(Response(status=304, headers=headers))
        with open(body_path, "rb") as handle:
            data = handle.read()
        response = Response(b"" if environ.get("REQUEST_METHOD") == "HEAD" else data, status=200, headers=headers)
        response.headers["Content-Type"] = content_type
        response.headers["Content-Length"] = str(len(data))
        if encoding:
            response.headers["Content-Encoding"] = encoding
        return self.headers(response)


def portal_files(config):
    production = str(config.get("PORTAL_ENV", "development")).lower() == "production"
    return PortalFiles(config.get("WEB_DIST_DIR") or os.environ.get("WEB_DIST_DIR") or DEFAULT_DIST, production)
