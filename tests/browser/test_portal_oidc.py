"""Signing in to the portal with OpenID Connect (authorization code + PKCE) against a real provider on loopback
(tests/support/oidc.py): in the browser, in and out; over HTTP, every ID token the gateway must refuse, the JWKS
cache and a key rotation, ES256, a replayed or foreign callback; and a production gateway, where the demo users
do not exist and the cookie is Secure with the __Host- prefix. Signing in and out is also done against an
independent provider (oidc-provider-mock, from PyPI) through a gateway configured with it."""
import os
import urllib.parse

import pytest
import requests

from gateway.sessions import OIDC_COOKIE, PLAIN_COOKIE, SECURE_COOKIE
from services.runtime import devstack


def provider_round(stack, provider, user, http=None, base=None, next_path="/audiencias"):
    """The browser's round trip, by HTTP: the gateway's login, the provider's sign-in page, the callback.
    Returns (the callback's response, the HTTP session)."""
    http = http or requests.Session()
    base = base or stack.url
    start = http.get(f"{base}/api/v1/auth/oidc/login", params={"next": next_path}, allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text
    authorize = urllib.parse.urlsplit(start.headers["Location"])
    assert authorize.netloc == f"127.0.0.1:{provider.port}"
    params = dict(urllib.parse.parse_qsl(authorize.query))
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]
    chosen = http.post(f"{provider.issuer}/authorize", data={**params, "user": user}, allow_redirects=False,
                       timeout=10)
    assert chosen.status_code == 302, chosen.text
    # the sign-in's binding cookie, sent by hand: a Secure one (production) is not sent over plain http by requests
    binding = {"Cookie": f"{OIDC_COOKIE}={start.cookies[OIDC_COOKIE]}"}
    callback = http.get(chosen.headers["Location"], headers=binding, allow_redirects=False, timeout=10)
    return callback, http


def login_error(response):
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["Location"])
    if location.path != "/entrar":
        return None
    return dict(urllib.parse.parse_qsl(location.query)).get("error")


def signed_in_cookie(page, base, actor):
    """After an OpenID sign-in: the session cookie (HttpOnly, SameSite=Strict), nothing in the page's storage, and a
    session of source ``oidc`` whose actor is ``actor``. Returns the cookie."""
    cookie = next(c for c in page.context.cookies() if c["name"] == PLAIN_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    session = requests.get(base + "/api/v1/auth/session", headers={"Cookie": f"{PLAIN_COOKIE}={cookie['value']}"},
                           timeout=10).json()
    assert session["source"] == "oidc"
    assert session["actor"] == actor
    return cookie


def test_a_lawyer_signs_in_and_out_with_the_institutional_account(new_page, stack, oidc_provider):
    page = new_page()
    page.goto("/entrar?siguiente=/audiencias")
    page.get_by_role("link", name="Entrar con la cuenta institucional").click()
    page.get_by_role("heading", name="Iniciar sesión").wait_for()           # the provider's own page
    page.get_by_role("button", name="Lic. Ana Institucional").click()
    page.get_by_role("heading", name="Agenda de audiencias").wait_for()     # back where the user was going
    page.get_by_test_id("account-name").get_by_text("Lic. Ana Institucional").wait_for()
    cookie = signed_in_cookie(page, stack.url, {"sub": "oidc-ana", "role": "lawyer", "name": "Lic. Ana Institucional",
                                                "bar_number": "55555"})
    assert oidc_provider.token_requests[-1]["code_verifier"]               # PKCE: the verifier went to the token endpoint
    logouts = len(oidc_provider.logouts)
    page.get_by_role("button", name="Salir").click()
    page.get_by_text("Sesión cerrada en el proveedor.").wait_for()          # the provider's end_session too
    assert len(oidc_provider.logouts) == logouts + 1
    assert oidc_provider.logouts[-1]["id_token_hint"] and oidc_provider.logouts[-1]["post_logout_redirect_uri"]
    gone = requests.get(stack.url + "/api/v1/auth/session", headers={"Cookie": f"{PLAIN_COOKIE}={cookie['value']}"},
                        timeout=10)
    assert gone.status_code == 401


@pytest.mark.parametrize("spoil", ["expired", "wrong_key", "forged_kid", "wrong_audience", "wrong_issuer",
                                   "wrong_nonce", "alg_none", "hs256"])
def test_an_id_token_that_is_expired_or_wrongly_signed_is_refused(stack, oidc_provider, spoil):
    before = stack.db("gateway").sessions.count_documents({"actor.sub": "oidc-ana"})
    oidc_provider.next_id_token = spoil
    callback, http = provider_round(stack, oidc_provider, "ana")
    assert login_error(callback) == "oidc_token_invalid"
    assert PLAIN_COOKIE not in callback.cookies and PLAIN_COOKIE not in http.cookies
    assert stack.db("gateway").sessions.count_documents({"actor.sub": "oidc-ana"}) == before


def test_the_browser_is_told_why_an_expired_token_was_refused(new_page, oidc_provider):
    page = new_page()
    oidc_provider.next_id_token = "expired"
    page.goto("/entrar")
    page.get_by_role("link", name="Entrar con la cuenta institucional").click()
    page.get_by_role("button", name="Lic. Ana Institucional").click()
    page.get_by_text("entregó una identidad que no se pudo verificar").wait_for()
    assert not [c for c in page.context.cookies() if c["name"] == PLAIN_COOKIE]


def test_the_jwks_is_cached_and_a_rotated_key_is_fetched_once(stack, oidc_provider):
    assert login_error(provider_round(stack, oidc_provider, "ana")[0]) is None   # keys now cached
    fetched = oidc_provider.jwks_requests
    for _ in range(2):
        assert login_error(provider_round(stack, oidc_provider, "juez")[0]) is None
    assert oidc_provider.jwks_requests == fetched                               # the cache served both
    oidc_provider.rotate("RS256")
    callback, _ = provider_round(stack, oidc_provider, "ana")
    assert login_error(callback) is None and callback.headers["Location"] == "/audiencias"
    assert oidc_provider.jwks_requests == fetched + 1                           # one fetch for the new key
    oidc_provider.rotate("ES256")                                              # an elliptic-curve key too
    assert login_error(provider_round(stack, oidc_provider, "juez")[0]) is None
    oidc_provider.rotate("RS256")


def test_claims_without_a_role_of_the_portal_are_refused(stack, oidc_provider):
    assert login_error(provider_round(stack, oidc_provider, "sin_rol")[0]) == "oidc_no_role"
    assert login_error(provider_round(stack, oidc_provider, "juez_sin_tribunal")[0]) == "oidc_no_role"


def test_a_replayed_or_foreign_callback_is_refused(stack, oidc_provider):
    callback, http = provider_round(stack, oidc_provider, "ana")
    assert login_error(callback) is None
    replay = http.get(stack.url + callback.request.path_url, allow_redirects=False, timeout=10)
    assert login_error(replay) == "oidc_state"                 # the state is taken once
    # a callback carried to another browser (without the sign-in's binding cookie) makes no session there
    http2 = requests.Session()
    start = http2.get(stack.url + "/api/v1/auth/oidc/login", allow_redirects=False, timeout=10)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.headers["Location"]).query))
    chosen = http2.post(f"{oidc_provider.issuer}/authorize", data={**params, "user": "ana"}, allow_redirects=False,
                        timeout=10)
    stranger = requests.get(chosen.headers["Location"], allow_redirects=False, timeout=10)
    assert login_error(stranger) == "oidc_state" and PLAIN_COOKIE not in stranger.cookies
    assert OIDC_COOKIE in http2.cookies


def test_the_login_target_must_be_a_path_of_this_site(stack, oidc_provider):
    for target in ("https://malo.example/", "//malo.example/x", "/\\malo.example"):
        answer = requests.get(stack.url + "/api/v1/auth/oidc/login", params={"next": target}, allow_redirects=False,
                              timeout=10)
        assert answer.status_code == 422 and "next" in answer.json()["details"]["fields"]


@pytest.fixture(scope="module")
def production_gateway(stack, oidc_provider, tmp_path_factory):
    """A second gateway on the same stack, with PORTAL_ENV=production (its own secrets)."""
    port = devstack.free_port()
    redirect = f"http://127.0.0.1:{port}/api/v1/auth/oidc/callback"
    oidc_provider.allow_redirect(redirect)
    env = {"PORTAL_ENV": "production", "JWT_SECRET": "p" * 48, "WHATSAPP_APP_SECRET": "a" * 40,
           "WHATSAPP_VERIFY_TOKEN": "v" * 40, "PAYMENT_SECRET_BANCO_DEMO": "b" * 40, "OIDC_REDIRECT_URI": redirect}
    with stack.extra_gateway("gateway", env, port, tmp_path_factory.mktemp("prod")) as url:
        yield url


def test_in_production_there_are_no_demo_users_and_the_cookie_is_secure(production_gateway, new_page, stack,
                                                                        oidc_provider):
    options = requests.get(production_gateway + "/api/v1/auth/options", timeout=10).json()
    assert options == {"environment": "production", "demo": False, "oidc": True}
    assert requests.get(production_gateway + "/api/v1/auth/demo-users", timeout=10).status_code == 404
    refused = requests.post(production_gateway + "/api/v1/auth/demo-login", json={"sub": "abogado.perez"}, timeout=10)
    assert refused.status_code == 404 and "Set-Cookie" not in refused.headers
    page = new_page()
    response = page.goto(production_gateway + "/entrar")
    assert "max-age=" in response.headers["strict-transport-security"]
    page.get_by_role("link", name="Entrar con la cuenta institucional").wait_for()
    assert page.get_by_role("heading", name="Usuarios de demostración").count() == 0
    callback, _ = provider_round(stack, oidc_provider, "juez", base=production_gateway)
    set_cookie = next(h for h in callback.raw.headers.getlist("Set-Cookie") if h.startswith(SECURE_COOKIE))
    assert set_cookie.startswith(f"{SECURE_COOKIE}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in set_cookie
    value = set_cookie.split(";")[0].split("=", 1)[1]
    me = requests.get(production_gateway + "/api/v1/auth/session", headers={"Cookie": f"{SECURE_COOKIE}={value}"},
                      timeout=10)
    assert me.status_code == 200 and me.json()["actor"]["role"] == "judge"
    # the development cookie's name means nothing here
    plain = requests.get(production_gateway + "/api/v1/auth/session", headers={"Cookie": f"{PLAIN_COOKIE}={value}"},
                         timeout=10)
    assert plain.status_code == 401


# --- an OpenID provider nobody here wrote ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def independent_provider(stack, tmp_path_factory):
    """oidc-provider-mock (from PyPI, an implementation of its own on Authlib) on loopback, and a second gateway of
    the same stack configured with it as its issuer: what the gateway understands of OpenID Connect is checked
    against a provider that shares none of its code or of the suite's provider's."""
    import threading

    import oidc_provider_mock
    import werkzeug.serving

    insecure = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on loopback
    user = oidc_provider_mock.User(sub="oidc-mock-rosa", claims={
        "name": "Lcda. Rosa Independiente", "roles": ["portal-abogados"], "bar_number": "77777"})
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(user_claims=[user], require_nonce=True),
                                          threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    issuer = f"http://127.0.0.1:{server.server_port}"
    port = devstack.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": "portal-judicial-mock", "OIDC_CLIENT_SECRET": "otro-secreto-de-pruebas",
           "OIDC_REDIRECT_URI": f"{base}/api/v1/auth/oidc/callback", "OIDC_POST_LOGOUT_REDIRECT_URI": f"{base}/"}
    try:
        with stack.extra_gateway("gateway", env, port, tmp_path_factory.mktemp("oidc-mock")) as url:
            yield url
    finally:
        server.shutdown()
        if insecure is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = insecure


def test_signing_in_and_out_against_an_independent_provider(independent_provider, new_page):
    page = new_page()
    page.goto(independent_provider + "/entrar?siguiente=/audiencias")
    page.get_by_role("link", name="Entrar con la cuenta institucional").click()
    page.get_by_role("heading", name="Authorize Client").wait_for()          # the provider's own page
    page.get_by_role("button", name="oidc-mock-rosa").click()
    page.get_by_role("heading", name="Agenda de audiencias").wait_for()      # back where the user was going
    page.get_by_test_id("account-name").get_by_text("Lcda. Rosa Independiente").wait_for()
    cookie = signed_in_cookie(page, independent_provider, {"sub": "oidc-mock-rosa", "role": "lawyer",
                                                           "name": "Lcda. Rosa Independiente", "bar_number": "77777"})
    page.get_by_role("button", name="Salir").click()
    page.get_by_role("heading", name="End Session").wait_for()               # the provider's end_session
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(independent_provider + "/")                            # its post-logout redirect
    gone = requests.get(independent_provider + "/api/v1/auth/session",
                        headers={"Cookie": f"{PLAIN_COOKIE}={cookie['value']}"}, timeout=10)
    assert gone.status_code == 401


def test_a_token_the_independent_provider_did_not_sign_is_refused(independent_provider, stack):
    """A callback whose code the provider never issued (a forged or replayed one) makes no session."""
    http = requests.Session()
    start = http.get(independent_provider + "/api/v1/auth/oidc/login", allow_redirects=False, timeout=10)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.headers["Location"]).query))["state"]
    forged = http.get(independent_provider + "/api/v1/auth/oidc/callback", params={"code": "inventado", "state": state},
                      allow_redirects=False, timeout=10)
    assert login_error(forged) in ("oidc_failed", "oidc_token_invalid")
    assert PLAIN_COOKIE not in http.cookies
