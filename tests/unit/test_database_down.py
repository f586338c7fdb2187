"""Which database errors mean "the database is unavailable, try again" (answered 503) and which are a
wrong request or a bug (not hidden behind a 503)."""
from pymongo.errors import (AutoReconnect, BulkWriteError, DuplicateKeyError, NotPrimaryError, OperationFailure,
                            ServerSelectionTimeoutError, WTimeoutError)

from services.runtime.mongo import DatabaseUnavailable, database_down


def bulk(write_errors=(), concern_errors=()):
    return BulkWriteError({"writeErrors": list(write_errors), "writeConcernErrors": list(concern_errors),
                           "nInserted": 1})


SHUTDOWN = {"code": 91, "codeName": "ShutdownInProgress", "errmsg": "Replication is being shut down",
            "errorLabels": ["RetryableWriteError"]}


def test_connection_errors_and_timeouts_are_the_database_down():
    for exc in (AutoReconnect("gone"), ServerSelectionTimeoutError("no primary"), NotPrimaryError("stepped down"),
                WTimeoutError("majority too slow"), DatabaseUnavailable("down")):
        assert database_down(exc), exc


def test_a_bulk_write_that_only_failed_its_write_concern_on_shutdown_is_the_database_down():
    assert database_down(bulk(concern_errors=[SHUTDOWN]))
    assert database_down(bulk(concern_errors=[{"code": 11602, "codeName": "InterruptedDueToReplStateChange"}]))
    assert database_down(OperationFailure("shutting down", code=91))


def test_errors_about_the_data_are_not_hidden_as_the_database_down():
    duplicate = {"index": 0, "code": 11000, "errmsg": "E11000 duplicate key"}
    assert not database_down(DuplicateKeyError("E11000 duplicate key", code=11000))
    assert not database_down(bulk(write_errors=[duplicate]))
    assert not database_down(bulk(write_errors=[duplicate], concern_errors=[SHUTDOWN]))
    assert not database_down(bulk(concern_errors=[{"code": 100, "codeName": "UnsatisfiableWriteConcern"}]))
    assert not database_down(OperationFailure("bad query", code=2))
    assert not database_down(ValueError("not a database error"))
