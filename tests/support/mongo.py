"""A MongoDB for tests that need only the database: MONGO_URI's, or a single-node replica set of their own
(transactions need a replica set) in a temporary folder, stopped and removed afterwards."""
import contextlib
import os
import shutil
import tempfile

import pymongo
import pytest

from services.runtime import devstack


@contextlib.contextmanager
def replica_set_client(prefix):
    """A client of MONGO_URI, or of a replica set started for the caller (skips when no mongod is here)."""
    mongod = folder = None
    if os.environ.get("MONGO_URI"):
        uri = os.environ["MONGO_URI"]
    else:
        try:
            devstack.mongod_binary()
        except devstack.StackError as exc:
            pytest.skip(str(exc))
        folder = tempfile.mkdtemp(prefix=prefix)
        mongod = devstack.Mongod(os.path.join(folder, "data"), devstack.free_port(),
                                 os.path.join(folder, "mongod.log")).start()
        uri = mongod.uri
    mongo = pymongo.MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000)
    try:
        yield mongo
    finally:
        mongo.close()
        if mongod:
            mongod.stop()
            shutil.rmtree(folder, ignore_errors=True)
