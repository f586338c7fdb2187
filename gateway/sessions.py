"""Browser sessions of the web portal: the browser holds only an opaque, HttpOnly cookie; the session lives here.

The gateway's own MongoDB database (``<prefix>_gateway``, no service reads it) keeps:

- ``sessions``: one document per signed-in browser, ``_id`` = SHA-256 of the cookie's value (a copy of the
  database does not give anyone a usable cookie), the caller's identity (``actor``), the CSRF token every write
  made with the cookie must carry in ``X-CSRF-Token``, how it signed in (``demo`` or ``oidc``) and
  ``expires_at`` (a TTL index removes it then; a lookup also refuses it from that instant). Signing out deletes
  it: the cookie is worthless from then on, on every replica of the gateway.
- ``oidc_logins``: a sign-in under way with the identity provider (state, nonce, PKCE verifier), 10 minutes at
  most, taken exactly once by the callback.

The cookie: ``HttpOnly``, ``SameSite=Strict``, ``Path=/``, ``Max-Age`` the session's life. ``Secure`` is on by
default when ``PORTAL_ENV=production`` (served over HTTPS; the name then carries the ``__Host-`` prefix, which
browsers only accept from a secure origin, on ``/``, without ``Domain``) and off in development, where the
portal is plain HTTP on loopback; ``SESSION_COOKIE_SECURE`` overrides either way.
"""
import datetime
import hashlib
import hmac
import secrets
import threading

import pymongo
from pymongo.errors import PyMongoError

from services.runtime.errors import ServiceUnavailable
from services.runtime.mongo import database_name, get_client, utcnow

DATABASE = "gateway"
SESSIONS = "sessions"
OIDC_LOGINS = "oidc_logins"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_TTL_SECONDS = 8 * 3600
LOGIN_TTL_SECONDS = 600
SECURE_COOKIE = "__Host-pj_session"
PLAIN_COOKIE = "pj_session"
OIDC_COOKIE = "pj_oidc"
OIDC_COOKIE_PATH = "/api/v1/auth/oidc"
MAX_COOKIE_LENGTH = 256


def _truthy(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class CookiePolicy:
    def __init__(self, settings):
        default = "true" if settings.production else "false"
        self.secure = _truthy(settings.get("SESSION_COOKIE_SECURE", default) or default)
        self.name = SECURE_COOKIE if self.secure else PLAIN_COOKIE
        self.ttl = int(settings.get("SESSION_TTL_SECONDS", DEFAULT_TTL_SECONDS) or DEFAULT_TTL_SECONDS)

    def set_session(self, response, token):
        response.set_cookie(self.name, token, max_age=self.ttl, path="/", secure=self.secure, httponly=True,
                            samesite="Strict")

    def clear_session(self, response):
        response.set_cookie(self.name, "", max_age=0, expires=0, path="/", secure=self.secure, httponly=True,
                            samesite="Strict")

    def set_login(self, response, binding):
        # Lax: the identity provider sends the browser back with a top-level GET from its own site
        response.set_cookie(OIDC_COOKIE, binding, max_age=LOGIN_TTL_SECONDS, path=OIDC_COOKIE_PATH,
                            secure=self.secure, httponly=True, samesite="Lax")

    def clear_login(self, response):
        response.set_cookie(OIDC_COOKIE, "", max_age=0, expires=0, path=OIDC_COOKIE_PATH, secure=self.secure,
                            httponly=True, samesite="Lax")


def digest(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same(a, b):
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def unavailable():
    return ServiceUnavailable("database_unavailable", "El servicio no está disponible, intente de nuevo.")


class SessionStore:
    """The two collections, on the gateway's own database (indexes made on first use)."""

    _indexed = set()
    _lock = threading.Lock()

    def __init__(self, db):
        self.db = db
        self.sessions = db[SESSIONS]
        self.logins = db[OIDC_LOGINS]

    @classmethod
    def for_settings(cls, settings):
        return cls(get_client(settings.mongo_uri)[database_name(settings.db_prefix, DATABASE)])

    def ensure_indexes(self):
        key = (id(self.db.client), self.db.name)
        if key in self._indexed:
            return
        with self._lock:
            if key in self._indexed:
                return
            self.sessions.create_index([("expires_at", pymongo.ASCENDING)], expireAfterSeconds=0)
            self.sessions.create_index([("actor.sub", pymongo.ASCENDING)])
            self.logins.create_index([("expires_at", pymongo.ASCENDING)], expireAfterSeconds=0)
            self._indexed.add(key)

    # --- sessions ---------------------------------------------------------------------------------------
    def create(self, actor, ttl_seconds, source, id_token=None, now=None):
        """A new session; returns (cookie value, document)."""
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        document = {"_id": digest(token), "actor": dict(actor), "csrf_token": secrets.token_urlsafe(32),
                    "source": source, "created_at": now,
                    "expires_at": now + datetime.timedelta(seconds=ttl_seconds)}
        if id_token:
            document["id_token"] = id_token
        try:
            self.ensure_indexes()
            self.sessions.insert_one(document)
        except PyMongoError:
            raise unavailable()
        return token, document

    def find(self, token, now=None):
        """The live session of a cookie value, or None."""
        if not token or len(token) > MAX_COOKIE_LENGTH:
            return None
        try:
            document = self.sessions.find_one({"_id": digest(token)})
        except PyMongoError:
            raise unavailable()
        if document is None or document["expires_at"] <= (now or utcnow()):
            return None
        return document

    def delete(self, token):
        try:
            return self.sessions.delete_one({"_id": digest(token)}).deleted_count == 1
        except PyMongoError:
            raise unavailable()

    # --- sign-ins under way (OpenID Connect) --------------------------------------------------------------
    def save_login(self, state, binding, data, now=None):
        now = now or utcnow()
        try:
            self.ensure_indexes()
            self.logins.insert_one({"_id": digest(state), "binding": digest(binding), **data, "created_at": now,
                                    "expires_at": now + datetime.timedelta(seconds=LOGIN_TTL_SECONDS)})
        except PyMongoError:
            raise unavailable()

    def take_login(self, state, now=None):
        """The sign-in of ``state``, removed (a callback replayed finds nothing), or None if unknown or late."""
        if not state or len(state) > MAX_COOKIE_LENGTH:
            return None
        try:
            document = self.logins.find_one_and_delete({"_id": digest(state)})
        except PyMongoError:
            raise unavailable()
        if document is None or document["expires_at"] <= (now or utcnow()):
            return None
        return document
