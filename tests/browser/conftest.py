"""Browser tests of the web portal: one headless Chromium for the browser tests, driven by Playwright, against
the suite's one live stack (tests/conftest.py). Each test gets fresh pages (no cookies, no storage); a failed
test leaves a full-page screenshot of each of its pages in test-artifacts/browser/ (BROWSER_ARTIFACTS)."""
import sys

import pytest

from tests.support import browser as support


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def portal_build():
    return support.build_portal()


@pytest.fixture(scope="package")
def chromium(portal_build):
    """Stopped when the browser tests end: Playwright's sync API keeps an asyncio loop marked running in the main
    thread while it lives, and code run later in the session that runs a loop of its own would be refused."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = support.launch(playwright)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def new_page(request, stack, chromium):
    """``new_page(viewport=None, **context_options)``: a page in a fresh browser context on the stack's
    gateway (``page.goto("/audiencias")`` works: base_url is the gateway)."""
    contexts = []

    def make(viewport=None, **options):
        context = chromium.new_context(base_url=stack.url, viewport=viewport or support.DESKTOP, locale="es-GT",
                                       timezone_id="America/Guatemala", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    # a failure in the test's body or in a fixture that set it up (one that signs in with a page, say)
    failed = any(getattr(request.node, f"rep_{when}", None) is not None and getattr(request.node, f"rep_{when}").failed
                 for when in ("setup", "call"))
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                try:
                    path = support.save_failure_screenshot(page, f"{request.node.nodeid}-{i}-{j}")
                    print(f"\nCaptura de la falla: {path}", file=sys.stderr)
                except Exception as exc:  # the page may have crashed: the failure itself matters more
                    print(f"\nNo se pudo capturar la pantalla: {exc}", file=sys.stderr)
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()



@pytest.fixture(scope="session")
def oidc_provider(stack):
    """The loopback OpenID Connect provider the suite's gateway is configured with (tests/support/oidc.py)."""
    from tests.support.oidc import provider_for

    return provider_for(stack)
