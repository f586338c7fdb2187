"""The portal's security in a real browser and over HTTP: the Content-Security-Policy blocks an injected inline
script; the session is an HttpOnly cookie (no token in the page's storage); a write made with the cookie but
without the session's CSRF token is refused and changes nothing; signing out revokes the session on the server."""
import requests

from gateway.sessions import PLAIN_COOKIE, digest
from tests.support.browser import sign_in

INJECT = """
async () => {
  const violations = [];
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
  const script = document.createElement('script');
  script.textContent = 'window.__injected = true;';
  document.body.appendChild(script);
  const div = document.createElement('div');
  div.innerHTML = '<img src="x" onerror="window.__injected_handler = true">';
  document.body.appendChild(div);
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { ran: window.__injected === true, handler: window.__injected_handler === true, violations };
}
"""


def test_the_csp_header_is_present_and_blocks_an_injected_inline_script(page):
    response = page.goto("/audiencias")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    page.get_by_role("heading", name="Agenda de audiencias").wait_for()
    outcome = page.evaluate(INJECT)
    assert outcome["ran"] is False and outcome["handler"] is False
    assert any(v.startswith("script-src") for v in outcome["violations"]), outcome


def test_assets_are_cached_for_a_year_and_pages_fall_back_to_the_portal(stack):
    index = requests.get(stack.url + "/amparos/00001-2026-00001", timeout=10)
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("text/html")
    assert index.headers["Cache-Control"] == "no-cache"
    script = next(part.split('"')[1] for part in index.text.split("src=")[1:] if part.startswith('"/assets/'))
    asset = requests.get(stack.url + script, headers={"Accept-Encoding": "br, gzip"}, timeout=10)
    assert asset.status_code == 200 and asset.headers["Content-Type"].startswith("text/javascript")
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.headers["Content-Encoding"] in ("br", "gzip")
    assert requests.get(stack.url + "/assets/no-existe-123.js", timeout=10).status_code == 404
    assert requests.get(stack.url + "/../../etc/passwd", timeout=10).status_code in (200, 404)
    # the API keeps answering JSON for what it does not know, never the portal
    unknown = requests.get(stack.url + "/api/v1/no-existe", timeout=10)
    assert unknown.status_code == 404 and unknown.json()["error"] == "route_not_found"


def test_the_session_is_an_httponly_cookie_and_nothing_is_in_the_page_storage(new_page, stack):
    page = new_page()
    page.goto("/entrar")
    with page.expect_response("**/api/v1/auth/demo-login") as answer:
        page.get_by_role("button", name="Lic. Ana Pérez").click()
    set_cookie = answer.value.header_value("set-cookie")
    assert set_cookie.startswith(f"{PLAIN_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in set_cookie
    assert "Secure" not in set_cookie  # development over plain HTTP on loopback; production sets it
    page.get_by_role("heading", name="Bienvenido(a), Lic. Ana Pérez").wait_for()
    storage = page.evaluate("() => ({ local: Object.keys(localStorage).length, session: Object.keys(sessionStorage)"
                            ".length, cookies: document.cookie })")
    assert storage == {"local": 0, "session": 0, "cookies": ""}
    cookie = next(c for c in page.context.cookies() if c["name"] == PLAIN_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_write_without_the_csrf_token_is_refused_and_changes_nothing(new_page, stack, api):
    page = new_page()
    csrf = sign_in(page, stack, sub="abogado.lopez")
    write = """async ([headers, email]) => {
      const r = await fetch('/api/v1/mailbox/profile', {method: 'PUT', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', ...headers}, body: JSON.stringify({email, alerts: true})});
      return { status: r.status, body: await r.json() };
    }"""
    before = page.evaluate("async () => (await fetch('/api/v1/mailbox/profile')).json()")
    refused = page.evaluate(write, [{}, "sin-token@bufete.gt"])
    assert refused["status"] == 403 and refused["body"]["error"] == "csrf_failed"
    wrong = page.evaluate(write, [{"X-CSRF-Token": "otro"}, "token-ajeno@bufete.gt"])
    assert wrong["status"] == 403 and wrong["body"]["error"] == "csrf_failed"
    assert page.evaluate("async () => (await fetch('/api/v1/mailbox/profile')).json()") == before
    logout = page.evaluate("async () => (await fetch('/api/v1/auth/logout', {method: 'POST'})).status")
    assert logout == 403  # signing out is a write too
    done = page.evaluate(write, [{"X-CSRF-Token": csrf}, "con-token@bufete.gt"])
    assert done["status"] == 200 and done["body"]["email"] == "con-token@bufete.gt"


def test_signing_out_revokes_the_session_on_the_server(new_page, stack):
    page = new_page()
    sign_in(page, stack, sub="juez.01001")
    value = next(c["value"] for c in page.context.cookies() if c["name"] == PLAIN_COOKIE)
    copy = {"Cookie": f"{PLAIN_COOKIE}={value}"}
    assert requests.get(stack.url + "/api/v1/auth/session", headers=copy, timeout=10).status_code == 200
    page.get_by_role("button", name="Salir").click()
    page.get_by_role("navigation").get_by_role("link", name="Entrar").wait_for()
    gone = requests.get(stack.url + "/api/v1/auth/session", headers=copy, timeout=10)
    assert gone.status_code == 401 and gone.json()["error"] == "session_expired"
    assert requests.get(stack.url + "/api/v1/cases", headers=copy, timeout=10).status_code == 401
    assert stack.db("gateway").sessions.find_one({"_id": digest(value)}) is None


def test_a_forged_or_expired_session_cookie_is_refused(stack):
    import datetime

    from gateway.sessions import SessionStore
    for value in ("x" * 43, "", "a" * 300):
        answer = requests.get(stack.url + "/api/v1/cases", headers={"Cookie": f"{PLAIN_COOKIE}={value}"}, timeout=10)
        assert answer.status_code == 401
    store = SessionStore(stack.db("gateway"))
    token, _ = store.create({"sub": "abogado.vencido", "role": "lawyer", "bar_number": "77777"}, 60, "demo",
                            now=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5))
    expired = requests.get(stack.url + "/api/v1/cases", headers={"Cookie": f"{PLAIN_COOKIE}={token}"}, timeout=10)
    assert expired.status_code == 401 and expired.json()["error"] == "session_expired"
