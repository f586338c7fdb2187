import pytest

from tests.support.api import Api
from tests.support.stack import TestStack


@pytest.fixture(scope="session")
def stack():
    test_stack = TestStack()
    try:
        yield test_stack.start()
    finally:
        test_stack.stop()


@pytest.fixture(scope="session")
def api(stack):
    return Api(stack)
