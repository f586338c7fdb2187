"""The public look-ups' token bucket and who the client is."""
from types import SimpleNamespace

from gateway.ratelimit import TokenBuckets, client_address, too_many


def test_a_burst_then_the_rate_then_a_wait_that_says_how_long():
    buckets = TokenBuckets(per_second=2, burst=3)
    assert [buckets.take("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", 0.0) == 0.5          # one token comes back in half a second
    assert buckets.take("a", 0.5) == 0.0          # ...and is taken
    assert buckets.take("b", 0.5) == 0.0          # another client has its own bucket
    assert buckets.take("a", 10.0) == 0.0         # a long pause refills, never beyond the burst
    assert [buckets.take("a", 10.0) for _ in range(3)][-1] > 0


def test_the_bucket_count_is_bounded():
    buckets = TokenBuckets(per_second=1, burst=1, max_keys=2)
    for key in ("a", "b", "c"):
        buckets.take(key, 0.0)
    assert len(buckets._buckets) == 2


def test_the_client_is_the_connection_unless_behind_trusted_proxies():
    request = SimpleNamespace(remote_addr="10.0.0.5",
                              headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})
    assert client_address(request, 0) == "10.0.0.5"            # a client's own header is not trusted
    assert client_address(request, 1) == "203.0.113.7"         # the address the ingress wrote
    assert client_address(SimpleNamespace(remote_addr="10.0.0.5", headers={}), 1) == "10.0.0.5"


def test_the_refusal_is_a_429_with_retry_after_in_whole_seconds_and_spanish():
    response = too_many(0.2)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert b"Espere 1 segundo e intente" in response.get_data()
    assert too_many(2.1).headers["Retry-After"] == "3"
