"""Signing in to the web portal with OpenID Connect: authorization code flow with PKCE (S256) against the
issuer in ``OIDC_ISSUER``.

The gateway reads the issuer's discovery document, sends the browser to its authorization endpoint with a
random ``state``, ``nonce`` and PKCE challenge, exchanges the code it gets back (with the verifier) at the token
endpoint, and checks the ID token itself: signed with RS256 or ES256 by a key of the issuer's JWKS (fetched
once and kept ``OIDC_JWKS_MAX_AGE_SECONDS``; a token signed with a key id not in the cached set makes it fetch
the set again, at most once every ``OIDC_JWKS_MIN_REFRESH_SECONDS``, which is how a rotated key is picked up),
issued by the issuer, for our client id, not expired (60 s of clock skew), with our nonce. Any other algorithm
(``none``, HS256 with the public key as secret…) is refused. Its claims become the caller's identity:

- role: the claim ``OIDC_ROLE_CLAIM`` (default ``roles``; a string or a list), each value mapped through
  ``OIDC_ROLE_MAP`` (``"abogados:lawyer,jueces:judge"``; our own role names map to themselves), the first
  value that maps wins; none: the sign-in is refused;
- ``sub``, ``name`` (or ``given_name`` + ``family_name``), ``bar_number``, ``court_id``, ``id_number`` from the
  claims of those names, checked as the bearer tokens' are (a judge needs ``court_id``…).
"""
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt

from contracts.base import ROLES

ALGORITHMS = ("RS256", "ES256")
KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}
CLOCK_SKEW_SECONDS = 60
DISCOVERY_MAX_AGE_SECONDS = 3600


class OidcError(Exception):
    """A sign-in that cannot complete; ``code`` is what the login page is told (``/entrar?error=<code>``)."""

    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


def parse_role_map(text):
    mapping = {role: role for role in ROLES}
    for pair in (text or "").split(","):
        if ":" in pair:
            external, role = (part.strip() for part in pair.split(":", 1))
            if role not in ROLES:
                raise ValueError(f"OIDC_ROLE_MAP: «{role}» no es un rol del portal ({', '.join(ROLES)})")
            mapping[external] = role
    return mapping


def _secure_url(url):
    """https, or plain http to this machine's loopback (a provider on the same host, RFC 8252 §8.3)."""
    parts = urllib.parse.urlsplit(url or "")
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))


class OidcConfig:
    def __init__(self, settings):
        self.issuer = (settings.get("OIDC_ISSUER") or "").rstrip("/")
        self.client_id = settings.get("OIDC_CLIENT_ID") or ""
        self.client_secret = settings.get("OIDC_CLIENT_SECRET") or ""
        self.redirect_uri = settings.get("OIDC_REDIRECT_URI") or ""
        self.post_logout_redirect_uri = settings.get("OIDC_POST_LOGOUT_REDIRECT_URI") or ""
        self.scopes = settings.get("OIDC_SCOPES") or "openid profile email"
        self.role_claim = settings.get("OIDC_ROLE_CLAIM") or "roles"
        self.role_map = parse_role_map(settings.get("OIDC_ROLE_MAP"))
        self.min_refresh = settings.float("OIDC_JWKS_MIN_REFRESH_SECONDS", 10)
        self.max_age = settings.float("OIDC_JWKS_MAX_AGE_SECONDS", 3600)
        self.timeout = settings.float("OIDC_HTTP_TIMEOUT", 5)
        if self.issuer and settings.production:
            if not _secure_url(self.issuer):
                raise RuntimeError("OIDC_ISSUER must be an https:// URL when PORTAL_ENV=production")
            if not _secure_url(self.redirect_uri):
                raise RuntimeError("OIDC_REDIRECT_URI must be set (https://) when PORTAL_ENV=production")
        if self.issuer and not self.client_id:
            raise RuntimeError("OIDC_CLIENT_ID must be set with OIDC_ISSUER")

    @property
    def enabled(self):
        return bool(self.issuer)


class OidcClient:
    """One per gateway process: the discovery document and the JWKS, cached."""

    def __init__(self, config, fetch=None):
        self.config = config
        self._fetch = fetch or self._http
        self._lock = threading.Lock()
        self._discovery = None
        self._discovery_at = 0.0
        self._keys = {}
        self._keys_at = 0.0

    # --- HTTP ---------------------------------------------------------------------------------------------
    def _http(self, url, data=None, headers=None):
        request = urllib.request.Request(url, data=data, headers={"Accept": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                return json.loads(response.read(1024 * 1024))
        except urllib.error.HTTPError as exc:
            try:
                body = json.loads(exc.read(65536))
            except ValueError:
                body = {}
            raise OidcError("oidc_failed", f"{url}: HTTP {exc.code} {body.get('error', '')}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise OidcError("oidc_unavailable", f"{url}: {exc}")

    def discovery(self):
        with self._lock:
            if self._discovery is not None and time.monotonic() - self._discovery_at < DISCOVERY_MAX_AGE_SECONDS:
                return self._discovery
        document = self._fetch(self.config.issuer + "/.well-known/openid-configuration")
        if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != self.config.issuer:
            raise OidcError("oidc_failed", "the discovery document names another issuer")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(key), str):
                raise OidcError("oidc_failed", f"the discovery document has no {key}")
        with self._lock:
            self._discovery, self._discovery_at = document, time.monotonic()
        return document

    def _load_keys(self):
        document = self._fetch(self.discovery()["jwks_uri"])
        keys = {}
        for entry in (document or {}).get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK.from_dict(entry)
            except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                continue  # a key type or curve we do not use
            keys[entry.get("kid")] = (entry.get("kty"), key)
        with self._lock:
            self._keys, self._keys_at = keys, time.monotonic()
        return keys

    def signing_key(self, kid, alg):
        """The issuer's key ``kid`` for ``alg``: from the cache, or from the JWKS fetched again when the key is
        unknown (a rotation) and the last fetch is older than the minimum interval, or the cache too old."""
        with self._lock:
            keys, age = self._keys, time.monotonic() - self._keys_at
        if not keys or age > self.config.max_age or (kid not in keys and age >= self.config.min_refresh):
            keys = self._load_keys()
        found = keys.get(kid)
        if found is None and kid is None and len(keys) == 1:
            found = next(iter(keys.values()))
        if found is None:
            raise OidcError("oidc_token_invalid", f"no key {kid!r} in the issuer's JWKS")
        kty, key = found
        if kty != KEY_TYPES[alg]:
            raise OidcError("oidc_token_invalid", f"key {kid!r} is {kty}, the token says {alg}")
        return key

    # --- the flow -----------------------------------------------------------------------------------------
    def authorization_url(self, redirect_uri, state, nonce, challenge):
        params = {"response_type": "code", "client_id": self.config.client_id, "redirect_uri": redirect_uri,
                  "scope": self.config.scopes, "state": state, "nonce": nonce, "code_challenge": challenge,
                  "code_challenge_method": "S256"}
        endpoint = self.discovery()["authorization_endpoint"]
        return endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(params)

    def exchange(self, code, verifier, redirect_uri):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": verifier}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.config.client_secret:
            pair = f"{urllib.parse.quote(self.config.client_id, safe='')}:" \
                   f"{urllib.parse.quote(self.config.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.config.client_id
        answer = self._fetch(self.discovery()["token_endpoint"], urllib.parse.urlencode(form).encode(), headers)
        if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
            raise OidcError("oidc_failed", "the token endpoint returned no id_token")
        return answer

    def verify_id_token(self, id_token, nonce, now=None):
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OidcError("oidc_token_invalid", f"malformed: {exc}")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OidcError("oidc_token_invalid", f"algorithm {alg!r} not accepted")
        key = self.signing_key(header.get("kid"), alg)
        try:
            claims = jwt.decode(id_token, key=key.key, algorithms=[alg], audience=self.config.client_id,
                                issuer=self.discovery()["issuer"], leeway=CLOCK_SKEW_SECONDS,
                                options={"require": ["exp", "iat", "sub", "aud", "iss"]})
        except jwt.ExpiredSignatureError:
            raise OidcError("oidc_token_invalid", "expired")
        except jwt.PyJWTError as exc:
            raise OidcError("oidc_token_invalid", str(exc))
        if not nonce or claims.get("nonce") != nonce:
            raise OidcError("oidc_token_invalid", "nonce does not match")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise OidcError("oidc_token_invalid", "azp is not this client")
        return claims

    def actor(self, claims):
        """Our identity from the ID token's claims (mapped role), not yet checked as a whole."""
        values = claims.get(self.config.role_claim)
        values = values if isinstance(values, list) else [values]
        role = next((self.config.role_map[v] for v in values if isinstance(v, str) and v in self.config.role_map),
                    None)
        if role is None:
            raise OidcError("oidc_no_role", f"no role in claim {self.config.role_claim!r}: {values!r}")
        name = claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p)
        actor = {"sub": str(claims["sub"]), "role": role, "name": name or None}
        for key in ("bar_number", "court_id", "id_number"):
            if claims.get(key) not in (None, ""):
                actor[key] = str(claims[key])
        return actor

    def logout_url(self, id_token):
        endpoint = (self._discovery or {}).get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"client_id": self.config.client_id}
        if id_token:
            params["id_token_hint"] = id_token
        if self.config.post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = self.config.post_logout_redirect_uri
        return endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(params)
