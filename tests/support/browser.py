"""The web portal in a real browser: headless Chromium (Debian's ``chromium`` package) driven by Playwright.

Playwright only drives the system's Chromium (``CHROMIUM`` or ``chromium`` on PATH); it downloads no browser.
The checks every page of the portal must pass live here, once:

- ``assert_accessible(page)``: axe-core finds no serious or critical violation;
- ``assert_fits_phone(page)``: at 360×740 nothing scrolls sideways and nothing is cut off;
- ``tab_to(page, name)``: reach a control with the keyboard alone (Tab), as a journey done without a mouse;
- ``check_page(page)``: the three above on the page as it is (desktop, then phone width, then back).
"""
import os
import shutil
import subprocess
from pathlib import Path

from services.runtime.config import ROOT

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
BLOCKING_IMPACTS = ("serious", "critical")
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS") or ROOT / "test-artifacts" / "browser")


def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("No se encontró Chromium: instálelo con `make browser-deps` "
                           "(apt-get install chromium chromium-driver) o defina CHROMIUM.")
    return path


def build_portal():
    """``make web``: installs the front end's packages when missing or stale (npm ci) and builds web/dist when
    a source changed; a no-op otherwise."""
    done = subprocess.run(["make", "-s", "web"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"make web falló:\n{done.stdout}\n{done.stderr}")
    return ROOT / "web" / "dist"


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])


# --- checks ---------------------------------------------------------------------------------------------------
def axe_violations(page, impacts=BLOCKING_IMPACTS):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response.get("violations", []) if v.get("impact") in impacts]


def assert_accessible(page, where=""):
    found = axe_violations(page)
    if found:
        lines = []
        for violation in found:
            targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])][:5]
            lines.append(f"- {violation['impact']} {violation['id']}: {violation['help']} -> {targets}")
        raise AssertionError(f"axe-core: {len(found)} violaciones graves o críticas en {where or page.url}:\n"
                             + "\n".join(lines))


# Elements that stick out of the viewport or whose text is clipped by their own box. An element inside a
# container that scrolls sideways on purpose (a wide table in an overflow-x: auto wrapper) is not counted.
_LAYOUT_PROBLEMS = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`la página se desplaza de lado: ${document.documentElement.scrollWidth}px > ${width}px`);
  }
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll') && p !== document.documentElement && p !== document.body) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.closest('.skip-link')) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if ((rect.right > width + 1 || rect.left < -1) && !scrolls(el)) {
      problems.push(`${describe(el)} sale de la pantalla (${Math.round(rect.left)}..${Math.round(rect.right)}px)`);
    }
    const clips = ['hidden', 'clip'].includes(style.overflowX) || ['hidden', 'clip'].includes(style.overflow);
    if (clips && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim()) {
      problems.push(`${describe(el)} corta su contenido (${el.scrollWidth}px en ${el.clientWidth}px)`);
    }
  }
  return problems.slice(0, 20);
}
"""


def layout_problems(page):
    return page.evaluate(_LAYOUT_PROBLEMS)


def assert_fits_phone(page, where=""):
    """At 360×740: no sideways scroll and nothing cut off. Leaves the page at phone size."""
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)  # one layout pass
    problems = layout_problems(page)
    assert not problems, f"a 360×740 ({where or page.url}):\n- " + "\n- ".join(problems)


_FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const labels = el.labels ? Array.from(el.labels).map((l) => l.textContent).join(' ') : '';
  const name = (el.getAttribute('aria-label') || labels || el.textContent || el.value || '').trim().replace(/\\s+/g, ' ');
  const style = getComputedStyle(el);
  return { name, tag: el.tagName.toLowerCase(), outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px' };
}
"""


def focused(page):
    return page.evaluate(_FOCUSED)


def tab_to(page, name, max_tabs=80, backwards=False, exact=False):
    """Press Tab until the focused control's accessible name contains ``name`` (case-insensitive; ``exact``: is
    ``name``); fails if it is not reached within ``max_tabs`` presses or if the focus is not visible there."""
    wanted = name.lower()
    seen = []
    for _ in range(max_tabs):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        current = focused(page)
        if current is None:
            continue
        seen.append(current["name"][:40])
        if (current["name"].lower() == wanted) if exact else (wanted in current["name"].lower()):
            assert current["outline"], f"«{current['name']}» tiene el foco pero no se ve (sin contorno)"
            return current
    raise AssertionError(f"«{name}» no se alcanza con el teclado en {max_tabs} tabulaciones; pasó por: {seen[-15:]}")


def choose_files(page, name, files):
    """Reach the file input named ``name`` with Tab, open its chooser with the keyboard and choose ``files``
    (a path or a list of paths). On a loaded machine Chromium has been seen to act on a key press on a file input
    late (no chooser within 15 s). A second press then could open a second chooser nobody completes, and an open
    chooser keeps the input from opening another later (a second choice in the same input failed that way in a
    full run). So after a press that opened nothing, the chooser is waited for once more before the next try:
    Enter, then out of the input with Shift+Tab, back with Tab, and Space. A chooser that never opens, or a focus
    that moved, fails the test."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab_to(page, name)
    for attempt, key in enumerate(("Space", "Enter", "Space")):
        if attempt == 2:
            page.keyboard.press("Shift+Tab")
            tab_to(page, name)
        chosen = None
        try:
            with page.expect_file_chooser(timeout=15_000) as chooser:
                page.keyboard.press(key)
            chosen = chooser.value
        except PlaywrightTimeout:
            try:
                chosen = page.wait_for_event("filechooser", timeout=10_000)  # the press, acted on late
            except PlaywrightTimeout:
                now = focused(page)
                assert now is not None and name.lower() in now["name"].lower(), (
                    f"el foco dejó «{name}» sin abrir el selector de archivos: está en {now}")
                continue
        chosen.set_files(files)
        return
    raise AssertionError(f"«{name}» tiene el foco pero no abre el selector de archivos con Espacio ni con Intro, "
                         "tampoco al volver a él")


def check_page(page, where=""):
    """axe-core at desktop size and at phone size, and the phone layout; restores the desktop size."""
    size = page.viewport_size or DESKTOP
    assert_accessible(page, where)
    assert_fits_phone(page, where)
    assert_accessible(page, f"{where} (360×740)")
    page.set_viewport_size(size)


def save_failure_screenshot(page, test_name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in test_name)[:150]
    path = ARTIFACTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- signing in ---------------------------------------------------------------------------------------------
def sign_in(page, stack, sub=None, actor=None, token=None):
    """A real portal session in ``page``'s browser context, then the portal reloaded at ``/inicio``.

    ``sub``: a demo user (``gateway.demo``), through ``POST /api/v1/auth/demo-login`` as the sign-in page does.
    ``actor``: any identity (``{"sub", "role", "name", "bar_number"...}``, e.g. the lawyer of a case made with
    ``api.lawyer(sub=...)``): a session stored by the gateway's own session store, its cookie put in the browser.
    ``token``: the identity of a bearer token of the suite (``api.lawyer()``, ``api.judge("00001")``), likewise.
    Returns the session's CSRF token."""
    from gateway.auth import DEV_SECRET, decode_actor
    from gateway.sessions import PLAIN_COOKIE, SessionStore

    if token is not None:
        actor = decode_actor(DEV_SECRET, f"Bearer {token}")

    if actor is None:
        response = page.request.post(stack.url + "/api/v1/auth/demo-login", data={"sub": sub})
        assert response.status == 200, response.text()
        csrf = response.json()["csrf_token"]
    else:
        token, document = SessionStore(stack.db("gateway")).create(actor, 3600, "demo")
        page.context.add_cookies([{"name": PLAIN_COOKIE, "value": token, "url": stack.url, "httpOnly": True,
                                   "sameSite": "Strict"}])
        csrf = document["csrf_token"]
    page.goto("/inicio")
    page.get_by_test_id("account-name").wait_for()
    return csrf


def file_asked_again(page, field, label, filename):
    """After a submit with a chosen file that changed on disk: the page names the file beside its field (``field``,
    the API's name), asks for it again and has emptied the file input labelled ``label``."""
    from playwright.sync_api import expect

    beside = page.locator(f"[data-field-error='{field}']")
    beside.get_by_text("cambió o se movió después de elegirlo. Elíjalo de nuevo.").wait_for()
    assert filename in beside.inner_text()
    expect(page.get_by_label(label)).to_have_value("")  # emptied by the field once the form forgot the file
