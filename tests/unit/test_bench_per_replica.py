"""The bench's per-replica figures (the deployment's capacity arithmetic starts from them): each process's CPU per
request, averaged over a scenario's windows, and the rate one replica of it allows on one core."""
import pytest

from tests.bench.run import per_replica


def window(kind, rate, **cpu):
    return {"kind": kind, "rate": rate, "cpu": {"loadgen": 50.0, "others": 3.0, "wait:gateway": 9.0, **cpu}}


def test_cpu_per_request_and_the_rate_one_replica_allows():
    # 100 requests/s with the gateway at 50 % of a core: 5 ms a request, 200/s per replica
    table = per_replica([window("case", 100.0, gateway=50.0, filings=20.0, mailbox=0.5, mongod=10.0, rabbitmq=4.0),
                         window("case", 200.0, gateway=100.0, filings=60.0, mailbox=1.0, mongod=20.0, rabbitmq=8.0)])
    services, clusters = table["case"]
    assert services["gateway"] == pytest.approx((5.0, 200.0))
    assert services["filings"] == pytest.approx((2.5, 400.0))      # the mean of 2 and 3 ms
    assert "mailbox" not in services                               # 0.05 ms a request: not this scenario's work
    assert clusters == pytest.approx({"mongod": 1.0, "rabbitmq": 0.4})
    assert "loadgen" not in services and "others" not in services and "wait:gateway" not in services


def test_references_and_windows_without_requests_are_left_out():
    table = per_replica([window("mass_reference", 10.0, mongod=50.0), window("echo", 0.0, gateway=10.0),
                         window("issue", 20.0, gateway=0.1, certificates=70.0, mongod=40.0)])
    assert set(table) == {"issue"}
    assert table["issue"][0] == {"certificates": pytest.approx((35.0, 1000 / 35.0))}
