"""A real OpenID Connect provider on loopback, small and scriptable, for the portal's sign-in tests.

Authorization code flow with PKCE, as a provider does it:

- ``GET /.well-known/openid-configuration``: discovery (issuer, endpoints, ``jwks_uri``, S256, RS256/ES256);
- ``GET /jwks``: the public keys (counted in ``jwks_requests``); ``rotate(alg)`` adds a new key and signs with
  it from then on (the old one leaves the set, as after a rotation);
- ``GET /authorize``: a sign-in page (an HTML form, as a provider shows) listing the users given with ``users``;
  choosing one (``POST /authorize``) redirects to ``redirect_uri`` with ``code`` and ``state``; a request with
  an unknown client, a redirect URI other than the registered one or no S256 challenge is refused there;
- ``POST /token``: the code (once, within 60 s) for an ID token, after checking the client's secret (Basic),
  the redirect URI and the PKCE verifier against the challenge;
- ``GET /logout``: end_session_endpoint (recorded).

``next_id_token``: how the next ID token is spoiled, to test that the gateway refuses it: ``expired``,
``wrong_key`` (signed by a key not in the JWKS, with its kid), ``forged_kid`` (a foreign key under the real
kid), ``wrong_audience``, ``wrong_issuer``, ``wrong_nonce``, ``alg_none``, ``hs256`` (signed with HMAC).
"""
import base64
import hashlib
import html
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Key:
    def __init__(self, alg):
        self.alg = alg
        self.kid = secrets.token_hex(8)
        self.private = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if alg == "RS256"
                        else ec.generate_private_key(ec.SECP256R1()))

    def jwk(self):
        algorithm = jwt.algorithms.RSAAlgorithm if self.alg == "RS256" else jwt.algorithms.ECAlgorithm
        data = json.loads(algorithm.to_jwk(self.private.public_key()))
        data.update(kid=self.kid, use="sig", alg=self.alg)
        return data

    def sign(self, claims, kid=None):
        return jwt.encode(claims, self.private, algorithm=self.alg, headers={"kid": kid or self.kid})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="application/json", headers=None):
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _json(self, status, payload):
        self._send(status, json.dumps(payload))

    def _form(self):
        length = int(self.headers.get("Content-Length") or 0)
        return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))

    def do_GET(self):
        provider = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/.well-known/openid-configuration":
            return self._json(200, provider.discovery())
        if url.path == "/jwks":
            with provider.lock:
                provider.jwks_requests += 1
                keys = [key.jwk() for key in provider.keys]
            return self._json(200, {"keys": keys})
        if url.path == "/authorize":
            problem = provider.check_authorization(query)
            if problem:
                return self._send(400, f"<p>{html.escape(problem)}</p>", "text/html; charset=utf-8")
            return self._send(200, provider.login_page(query), "text/html; charset=utf-8")
        if url.path == "/logout":
            provider.logouts.append(query)
            return self._send(200, "<p>Sesión cerrada en el proveedor.</p>", "text/html; charset=utf-8")
        return self._json(404, {"error": "not_found"})

    def do_POST(self):
        provider = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        form = self._form()
        if url.path == "/authorize":
            problem = provider.check_authorization(form)
            if problem or form.get("user") not in provider.users:
                return self._send(400, "<p>Solicitud inválida</p>", "text/html; charset=utf-8")
            code = provider.issue_code(form)
            target = form["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": form.get("state", "")})
            return self._send(302, "", "text/plain", {"Location": target})
        if url.path == "/token":
            status, payload = provider.exchange(form, self.headers.get("Authorization", ""))
            return self._json(status, payload)
        return self._json(404, {"error": "not_found"})


class OidcProvider:
    def __init__(self, port, client_id, client_secret, redirect_uri, users=None, alg="RS256"):
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = {redirect_uri}
        self.users = dict(users or {})      # user id -> claims (sub, name, roles, court_id...)
        self.keys = [_Key(alg)]
        self.lock = threading.Lock()
        self.codes = {}
        self.jwks_requests = 0
        self.token_requests = []
        self.logouts = []
        self.next_id_token = None
        self.server = None

    # --- lifecycle ------------------------------------------------------------------------------------------
    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self.server.daemon_threads = True
        self.server.owner = self
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # --- scripting ------------------------------------------------------------------------------------------
    def rotate(self, alg="RS256"):
        """A new signing key; the previous one leaves the JWKS (a completed rotation)."""
        with self.lock:
            self.keys = [_Key(alg)]
        return self.keys[0]

    def allow_redirect(self, uri):
        """Register another client's redirect URI (a second gateway)."""
        self.redirect_uris.add(uri)

    @property
    def key(self):
        return self.keys[-1]

    def discovery(self):
        base = self.issuer
        return {"issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks", "end_session_endpoint": f"{base}/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"]}

    # --- the flow -------------------------------------------------------------------------------------------
    def check_authorization(self, params):
        if params.get("client_id") != self.client_id:
            return "cliente desconocido"
        if params.get("redirect_uri") not in self.redirect_uris:
            return "redirect_uri no registrada"
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return "solicitud inválida"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "se requiere PKCE S256"
        return None

    def login_page(self, params):
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items())
        buttons = "".join(f'<button name="user" value="{html.escape(uid)}">{html.escape(c.get("name", uid))}</button>'
                          for uid, c in self.users.items())
        return (f'<!doctype html><html lang="es"><title>Proveedor de identidad</title><h1>Iniciar sesión</h1>'
                f'<form method="post" action="/authorize">{hidden}{buttons}</form></html>')

    def issue_code(self, params):
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {"user": params["user"], "nonce": params.get("nonce"),
                                "challenge": params["code_challenge"], "redirect_uri": params["redirect_uri"],
                                "at": time.time()}
        return code

    def exchange(self, form, authorization):
        with self.lock:
            self.token_requests.append(dict(form))
            grant = self.codes.pop(form.get("code", ""), None)
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        if grant is None or time.time() - grant["at"] > 60 or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        return 200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                     "id_token": self.id_token(grant["user"], grant["nonce"])}

    def id_token(self, user, nonce):
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": nonce,
                  **self.users[user]}
        spoil, self.next_id_token = self.next_id_token, None
        if spoil == "expired":
            claims.update(iat=now - 3600, exp=now - 600)
        elif spoil == "wrong_audience":
            claims["aud"] = "otro-cliente"
        elif spoil == "wrong_issuer":
            claims["iss"] = "http://127.0.0.1:1"
        elif spoil == "wrong_nonce":
            claims["nonce"] = "otro"
        if spoil == "wrong_key":
            return _Key(self.key.alg).sign(claims)
        if spoil == "forged_kid":
            return _Key(self.key.alg).sign(claims, kid=self.key.kid)
        if spoil == "alg_none":
            return jwt.encode(claims, None, algorithm="none", headers={"kid": self.key.kid})
        if spoil == "hs256":
            return jwt.encode(claims, "secreto-compartido-falso-de-32-bytes!!", algorithm="HS256",
                              headers={"kid": self.key.kid})
        return self.key.sign(claims)


DEFAULT_USERS = {
    "ana": {"sub": "oidc-ana", "name": "Lic. Ana Institucional", "roles": ["portal-abogados"], "bar_number": "55555"},
    "juez": {"sub": "oidc-juez", "name": "Juez Institucional", "roles": "portal-jueces", "court_id": "01001"},
    "sin_rol": {"sub": "oidc-sin-rol", "name": "Persona Sin Rol", "roles": ["biblioteca"]},
    "juez_sin_tribunal": {"sub": "oidc-juez-2", "name": "Juez Sin Tribunal", "roles": ["judge"]},
}


def provider_for(stack):
    """The one provider of a TestStack (its gateway is configured with it: ``stack.oidc_port``), started on
    first use and kept on the stack; stopped with ``stop_provider``."""
    from tests.support.stack import OIDC_CLIENT_ID, OIDC_CLIENT_SECRET

    provider = getattr(stack, "oidc_provider", None)
    if provider is None:
        provider = OidcProvider(stack.oidc_port, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, stack.oidc_redirect_uri,
                                users=DEFAULT_USERS).start()
        stack.oidc_provider = provider
    return provider


def stop_provider(stack):
    provider = getattr(stack, "oidc_provider", None)
    if provider is not None:
        provider.stop()
        stack.oidc_provider = None
