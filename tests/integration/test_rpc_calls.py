"""Calls between services as any caller makes them (real broker, real services): arguments that do not
fit the method and unknown methods are refused without running anything, and the service goes on."""
import pytest
from nameko.exceptions import IncorrectSignature, MethodNotFound
from nameko.standalone.rpc import ClusterRpcProxy

from services.runtime.config import load_config


@pytest.fixture()
def cluster(stack):
    with ClusterRpcProxy({**load_config(), "AMQP_URI": stack.amqp_uri}) as proxy:
        yield proxy


@pytest.mark.parametrize("args, kwargs", [((), {}), (("a", "b"), {}), ((), {"other": 1}), (("a",), {"value": "b"})])
def test_arguments_that_do_not_fit_the_method_are_refused(cluster, args, kwargs):
    with pytest.raises(IncorrectSignature):
        cluster.filings.echo(*args, **kwargs)
    assert cluster.filings.echo("sigue") == "sigue"


def test_an_unknown_method_is_refused_and_the_service_goes_on(cluster, stack):
    before = stack.db("mailbox").audit.count_documents({})
    with pytest.raises(MethodNotFound):
        cluster.mailbox.drop_everything()
    with pytest.raises(MethodNotFound):
        cluster.filings.Echo("mayúsculas")
    assert cluster.mailbox.health() == {"database": True}
    assert cluster.filings.echo({"a": [1, 2]}) == {"a": [1, 2]}
    assert stack.db("mailbox").audit.count_documents({}) == before
