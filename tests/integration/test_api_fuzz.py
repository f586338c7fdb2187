"""A short run of the API fuzzer inside the suite: every operation, every identity, a fixed generation.

``make fuzz`` is the long run on a stack of its own. This one runs on the suite's stack with few examples
per operation, so that every service added later is fuzzed in CI from its first route. It fails on any
server error, response outside its documented schema, undocumented status code, schema-valid request
refused for other than authorization or state, or schema-violating request accepted. The eight identities
run four at a time (each run is a separate schemathesis process, mostly waiting on the stack).
"""
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fuzz.run import IDENTITIES, fuzz
from tests.fuzz.world import build_world

pytestmark = [pytest.mark.stack, pytest.mark.timeout(1800)]  # every identity of tests.fuzz.run, four at a time


def test_the_fuzzer_finds_nothing_for_any_identity(stack):
    world = build_world(stack)
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(IDENTITIES, pool.map(lambda identity: fuzz(world, identity, max_examples=4, seed=20261203),
                                             IDENTITIES)))
    for identity, (_code, output) in runs.items():
        assert "generated," in output and " passed" in output, (identity, output[-3000:])
    failed = {identity: output[-8000:] for identity, (code, output) in runs.items() if code != 0}
    assert not failed, "\n\n".join(f"===== {identity}\n{output}" for identity, output in failed.items())
