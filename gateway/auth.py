"""Who is calling: a JWT bearer token (HS256; API clients, the mobile app) or the web portal's session cookie.

A request with ``Authorization: Bearer`` is judged by its token alone. Without one, the session cookie
(``gateway.sessions``) names a server-side session; a write made with it (any method but GET, HEAD, OPTIONS)
must also carry that session's token in ``X-CSRF-Token`` (403 ``csrf_failed`` otherwise, before anything is
read or stored). A cookie of a session that ended (signed out, expired) is 401.

Claims: ``sub``, ``role`` (lawyer, clerk, judge, citizen, admin, records_officer, chat_agent,
chat_supervisor, notary, archive_officer), ``name``,
``bar_number`` (lawyers and notaries), ``court_id`` (clerks and judges), ``id_number`` (a citizen's CUI), ``exp``.
"""
import datetime
import time

import jwt
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider

from contracts.base import ActorSchema
from gateway.oidc import OidcClient, OidcConfig
from gateway.sessions import CSRF_HEADER, SAFE_METHODS, CookiePolicy, SessionStore, same
from services.runtime.config import Settings
from services.runtime.errors import Forbidden, Unauthenticated
from services.runtime.memo import BoundedMemo

DEV_SECRET = "portal-judicial-dev-secret-no-usar-en-produccion"
ALGORITHM = "HS256"
_ACTOR_SCHEMA = ActorSchema()

# Tokens already verified, with the identity they carry, until they expire: a client sends the
# same token with every request, and checking the signature each time is most of the gateway's
# work on a small read. Only valid tokens are kept; an expired one is checked (and refused) again.
VERIFIED_CACHE_SIZE = 10000
_verified = BoundedMemo(VERIFIED_CACHE_SIZE)


def resolve_secret(settings):
    """The signing secret; production refuses to start without a real one."""
    secret = settings.get("JWT_SECRET")
    if settings.production:
        if not secret or secret == DEV_SECRET or len(secret.encode("utf-8")) < 32:
            raise RuntimeError("JWT_SECRET must be set to a strong secret (32 bytes or more) when PORTAL_ENV=production")
        return secret
    return secret or DEV_SECRET


def mint_token(secret, sub, role, name=None, bar_number=None, court_id=None, ttl_hours=8, now=None, id_number=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    claims = {"sub": sub, "role": role, "iat": now, "exp": now + datetime.timedelta(hours=ttl_hours)}
    for key, value in (("name", name), ("bar_number", bar_number), ("court_id", court_id), ("id_number", id_number)):
        if value:
            claims[key] = value
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _unauthenticated(message, code="invalid_token"):
    return Unauthenticated(code, message)


def decode_actor(secret, header_value):
    """The caller's identity from an ``Authorization: Bearer`` header value."""
    if not header_value:
        raise _unauthenticated("Se requiere autenticación (encabezado Authorization: Bearer o la sesión del portal).",
                               "missing_token")
    scheme, _, token = header_value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 8192:
        raise _unauthenticated("El encabezado Authorization debe ser 'Bearer <token>'.")
    token = token.strip()
    cached = _verified.get((secret, token))
    if cached is not None and cached[1] > time.time():
        return cached[0]
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "role"]})
    except jwt.ExpiredSignatureError:
        raise _unauthenticated("La sesión expiró; vuelva a iniciar sesión.", "token_expired")
    except jwt.PyJWTError:
        raise _unauthenticated("El token de acceso no es válido.")
    actor = check_actor({key: claims.get(key) for key in ("sub", "role", "name", "bar_number", "court_id",
                                                          "id_number")})
    _verified.put((secret, token), (actor, float(claims["exp"])))
    return actor


def check_actor(actor):
    """An identity (from a token, a session or an identity provider) checked as a whole, or 401."""
    try:
        actor = _ACTOR_SCHEMA.load({k: v for k, v in actor.items() if v is not None})
    except ValidationError:
        raise _unauthenticated("El token de acceso no contiene una identidad válida.")
    if actor["role"] in ("clerk", "judge") and not actor.get("court_id"):
        raise _unauthenticated("El token de personal del tribunal debe indicar court_id.")
    if actor["role"] == "lawyer" and not actor.get("bar_number"):
        raise _unauthenticated("El token de abogado debe indicar el número de colegiado (bar_number).")
    if actor["role"] == "notary" and not actor.get("bar_number"):
        raise _unauthenticated("El token de notario debe indicar el número de colegiado (bar_number).")
    return actor


class Auth(DependencyProvider):
    def setup(self):
        settings = Settings(self.container.config)
        self.secret = resolve_secret(settings)
        self.cookies = CookiePolicy(settings)
        self.store = SessionStore.for_settings(settings)
        self.oidc = OidcClient(OidcConfig(settings))

    def get_dependency(self, worker_ctx):
        return Authenticator(self.secret, self.cookies, self.store, self.oidc)


class Authenticator:
    def __init__(self, secret, cookies=None, store=None, oidc=None):
        self.secret = secret
        self.cookies = cookies
        self.store = store
        self.oidc = oidc

    def session(self, request):
        """The live session of the request's cookie, or None."""
        token = request.cookies.get(self.cookies.name) if self.cookies else None
        return self.store.find(token) if token else None

    def actor(self, request, roles=None):
        """The caller (``request.portal_session`` is the session document when it came from the cookie)."""
        request.portal_session = None
        header = request.headers.get("Authorization")
        if header or not self.cookies or self.cookies.name not in request.cookies:
            actor = decode_actor(self.secret, header)
        else:
            session = self.session(request)
            if session is None:
                raise _unauthenticated("La sesión terminó; vuelva a entrar.", "session_expired")
            if request.method not in SAFE_METHODS and not same(request.headers.get(CSRF_HEADER),
                                                               session["csrf_token"]):
                raise Forbidden("csrf_failed", "Falta el token CSRF de la sesión o no corresponde; recargue la "
                                               "página e intente de nuevo.", {"header": CSRF_HEADER})
            request.portal_session = session
            actor = session["actor"]
        if roles and actor["role"] not in roles:
            raise Forbidden("forbidden", "Su rol no permite esta operación.", {"role": actor["role"]})
        return actor
