"""Signing in to the web portal: a server-side session named by an HttpOnly cookie (``gateway.sessions``).

In development, any demo user (``gateway.demo``) can be picked (``/auth/demo-users``, ``/auth/demo-login``); those
routes answer 404 when ``PORTAL_ENV=production``. With ``OIDC_ISSUER`` set, ``/auth/oidc/login`` sends the browser
to the identity provider (authorization code with PKCE) and ``/auth/oidc/callback`` makes the session from its
verified ID token (``gateway.oidc``). Bearer-token clients need none of this and keep working unchanged.
"""
import logging
import secrets
import urllib.parse

from werkzeug.wrappers import Response

from contracts.auth import (AuthOptionsSchema, DemoUserListSchema, LogoutSchema, OidcCallbackQuerySchema,
                            OidcLoginQuerySchema, SessionViewSchema)
from contracts.base import ContractSchema, one_of
from gateway.auth import check_actor
from gateway.base import GatewayBase
from gateway.demo import DEMO_SUBS, DEMO_USERS, demo_user
from gateway.oidc import OidcError, pkce_pair
from gateway.openapi import doc
from gateway.ratelimit import rate_limited
from gateway.sessions import OIDC_COOKIE, digest, same
from gateway.web import json_response, route
from services.runtime.errors import NotFound, PortalError

log = logging.getLogger(__name__)

TAG = "sesión del portal"
CALLBACK_PATH = "api/v1/auth/oidc/callback"
LOGIN_PAGE = "/entrar"
DEFAULT_NEXT = "/inicio"


class DemoLoginSchema(ContractSchema):
    sub = one_of(DEMO_SUBS, required=True, metadata={"description": "Uno de los usuarios de demostración"})


def _no_demo():
    return NotFound("not_found", "No existe: los usuarios de demostración solo existen en desarrollo.")


def _iso(instant):
    return instant.isoformat().replace("+00:00", "Z") if instant else None


def session_view(document):
    return {"actor": document["actor"], "source": document["source"], "csrf_token": document["csrf_token"],
            "expires_at": _iso(document["expires_at"])}


def _redirect(location):
    response = Response(status=302)
    response.headers["Location"] = location
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_error(code):
    return _redirect(f"{LOGIN_PAGE}?{urllib.parse.urlencode({'error': code})}")


class SessionRoutes(GatewayBase):
    def _production(self):
        return self.settings.production

    def _start_session(self, actor, source, id_token=None, status=200, location=None):
        token, document = self.auth.store.create(actor, self.auth.cookies.ttl, source, id_token=id_token)
        response = _redirect(location) if location else json_response(session_view(document), status=status)
        self.auth.cookies.set_session(response, token)
        response.headers["Cache-Control"] = "no-store"
        return response

    @route("GET", "/api/v1/auth/options")
    @doc("Cómo se entra al portal en este servidor", TAG, auth=False, response=AuthOptionsSchema)
    def auth_options(self, request):
        return json_response({"environment": "production" if self._production() else "development",
                              "demo": not self._production(), "oidc": self.auth.oidc.config.enabled})

    @route("GET", "/api/v1/auth/demo-users")
    @doc("Usuarios de demostración, uno o más de cada rol (solo en desarrollo)", TAG, auth=False,
         response=DemoUserListSchema, errors=(404,), description="Con PORTAL_ENV=production no existe: 404.")
    def demo_users(self, request):
        if self._production():
            raise _no_demo()
        return json_response({"items": DEMO_USERS})

    @route("POST", "/api/v1/auth/demo-login")
    @doc("Entrar como un usuario de demostración (solo en desarrollo)", TAG, auth=False, body=DemoLoginSchema,
         response=SessionViewSchema, errors=(404,),
         description="Crea la sesión y la entrega en una cookie HttpOnly (SameSite=Strict); la respuesta trae el "
                     "token CSRF que cada escritura hecha con la cookie lleva en X-CSRF-Token. Con "
                     "PORTAL_ENV=production no existe: 404.")
    def demo_login(self, request):
        if self._production():
            raise _no_demo()
        user = demo_user(request.body["sub"])
        return self._start_session(check_actor(user), "demo")

    @route("GET", "/api/v1/auth/session")
    @doc("Quién es el usuario de esta sesión, y su token CSRF", TAG, response=SessionViewSchema,
         description="Con la cookie de sesión: la identidad, el token CSRF y el vencimiento; sin sesión o con una "
                     "que terminó, 401. Con un token Bearer: su identidad (sin token CSRF).")
    def current_session(self, request):
        session = request.portal_session
        if session is None:
            return json_response({"actor": request.actor, "source": "bearer", "csrf_token": None, "expires_at": None})
        response = json_response(session_view(session))
        response.headers["Cache-Control"] = "no-store"
        return response

    @route("POST", "/api/v1/auth/logout")
    @doc("Salir: la sesión queda revocada en el servidor", TAG, response=LogoutSchema,
         description="Borra la sesión (la cookie ya no sirve en ninguna réplica) y la cookie. Si entró con OpenID "
                     "Connect y el proveedor lo permite, logout_url cierra también la sesión allá. Con un token "
                     "Bearer no hay nada que revocar (revoked false).")
    def logout(self, request):
        session = request.portal_session
        if session is None:
            return json_response({"revoked": False, "logout_url": None})
        self.auth.store.delete(request.cookies[self.auth.cookies.name])
        logout_url = None
        if session["source"] == "oidc" and self.auth.oidc.config.enabled:
            logout_url = self.auth.oidc.logout_url(session.get("id_token"))
        response = json_response({"revoked": True, "logout_url": logout_url})
        self.auth.cookies.clear_session(response)
        response.headers["Cache-Control"] = "no-store"
        return response

    # --- OpenID Connect ---------------------------------------------------------------------------------------
    def _redirect_uri(self, request):
        return self.auth.oidc.config.redirect_uri or request.host_url + CALLBACK_PATH

    @route("GET", "/api/v1/auth/oidc/login")
    @rate_limited
    @doc("Entrar con la cuenta institucional (OpenID Connect): redirige al proveedor de identidad", TAG,
         auth=False, query=OidcLoginQuerySchema, status=302, errors=(404, 429),
         description="302 al proveedor con un código de autorización PKCE (S256), state y nonce; el intento dura "
                     "10 minutos y queda atado a este navegador (cookie pj_oidc). next: adónde volver (una ruta de "
                     "este sitio). 404 si OIDC no está configurado; 503 si el proveedor no responde.")
    def oidc_login(self, request):
        oidc = self.auth.oidc
        if not oidc.config.enabled:
            raise NotFound("not_found", "El inicio de sesión con OpenID Connect no está configurado.")
        state, nonce, binding = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        redirect_uri = self._redirect_uri(request)
        try:
            location = oidc.authorization_url(redirect_uri, state, nonce, challenge)
        except OidcError:
            raise PortalError("oidc_unavailable", "El proveedor de identidad no está disponible; intente de nuevo.",
                              status=503)
        self.auth.store.save_login(state, binding, {"verifier": verifier, "nonce": nonce,
                                                    "next": request.query.get("next") or DEFAULT_NEXT,
                                                    "redirect_uri": redirect_uri})
        response = _redirect(location)
        self.auth.cookies.set_login(response, binding)
        return response

    @route("GET", "/api/v1/auth/oidc/callback")
    @rate_limited
    @doc("Vuelta del proveedor de identidad: crea la sesión y redirige al portal", TAG, auth=False,
         query=OidcCallbackQuerySchema, status=302, errors=(429,),
         description="Canjea el código (con el verificador PKCE) y verifica el ID token: firma RS256 o ES256 con "
                     "una clave del JWKS del emisor, emisor, audiencia, vencimiento y nonce; sus claims dan el rol. "
                     "Siempre 302: a la página pedida con la cookie de sesión, o a /entrar?error=<código> "
                     "(oidc_denied, oidc_state, oidc_token_invalid, oidc_no_role, oidc_unavailable, oidc_failed) "
                     "sin sesión.")
    def oidc_callback(self, request):
        oidc = self.auth.oidc
        if not oidc.config.enabled:
            return _login_error("oidc_failed")
        query = request.query
        login = self.auth.store.take_login(query.get("state"))
        binding = request.cookies.get(OIDC_COOKIE)
        if login is None or not binding or not same(login.get("binding"), digest(binding)):
            return self._clear_login(_login_error("oidc_state"))
        if query.get("error") or not query.get("code"):
            return self._clear_login(_login_error("oidc_denied"))
        try:
            tokens = oidc.exchange(query["code"], login["verifier"], login["redirect_uri"])
            claims = oidc.verify_id_token(tokens["id_token"], login["nonce"])
            actor = oidc.actor(claims)
            try:
                actor = check_actor(actor)
            except PortalError:
                raise OidcError("oidc_no_role", "the identity lacks what its role needs")
        except OidcError as exc:
            log.warning("oidc sign-in refused", extra={"code": exc.code, "detail": exc.detail})
            return self._clear_login(_login_error(exc.code))
        response = self._start_session(actor, "oidc", id_token=tokens["id_token"], location=login["next"])
        return self._clear_login(response)

    def _clear_login(self, response):
        self.auth.cookies.clear_login(response)
        return response

