import os
import shutil
import sys

import pytest

from tests.support.api import Api
from tests.support.stack import TestStack


_outcome = {"failed": False}


def pytest_runtest_logreport(report):
    if report.failed:
        _outcome["failed"] = True


@pytest.fixture(scope="session")
def stack():
    """The isolated stack of the whole suite. Its folder (mongod data, every service's log) is removed at the
    end, unless a test failed or KEEP_TEST_STACK is set: then its path is printed."""
    test_stack = TestStack()
    try:
        yield test_stack.start()
    finally:
        test_stack.stop()
        if os.environ.get("KEEP_TEST_STACK") or _outcome["failed"]:
            print(f"\nLogs and data of the test stack kept in {test_stack.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(test_stack.tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def api(stack):
    return Api(stack)


# --- WhatsApp, for the chat's tests ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def graph(stack):
    """The loopback Graph API server the stack's chat service sends to (tests/support/graph.py)."""
    from tests.support.graph import graph_server
    return graph_server(stack.graph_port)


@pytest.fixture(scope="module")
def sender(stack):
    """Posts webhooks signed as Meta does, retrying what is not a 200 (tests/support/whatsapp.py)."""
    from tests.support.whatsapp import WebhookSender
    return WebhookSender(stack.url)
