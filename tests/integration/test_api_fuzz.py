"""A short run of the API fuzzer inside the suite: every operation, every identity, a fixed generation.

``make fuzz`` is the long run on a stack of its own. This one runs on the suite's stack with few examples
per operation, so that every service added later is fuzzed in CI from its first route. It fails on any
server error, response outside its documented schema, undocumented status code, schema-valid request
refused for other than authorization or state, or schema-violating request accepted.
"""
import pytest

from tests.fuzz.run import IDENTITIES, fuzz
from tests.fuzz.world import build_world

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def world(stack):
    return build_world(stack)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_the_fuzzer_finds_nothing(world, identity):
    code, output = fuzz(world, identity, max_examples=6, seed=20261203)
    assert code == 0, output[-20000:]
    assert "generated," in output and " passed" in output, output[-3000:]
