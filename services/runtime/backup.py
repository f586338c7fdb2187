"""Backup and restore of the services' databases, in mongodump's layout, with pymongo alone.

    python -m services.runtime.backup dump --uri URI --prefix PREFIX --out DIR
    python -m services.runtime.backup restore --uri URI --from DIR [--prefix NEW_PREFIX] [--drop]

``dump`` writes every database named ``<prefix>_<service>`` (or the ones given with ``--db``) as
``DIR/<database>/<collection>.bson`` (the documents, BSON one after another) and
``<collection>.metadata.json`` (its options and indexes), the layout of ``mongodump``, so either tool's dump
can be restored by either (``mongorestore --dir DIR``). Collections are read one after another, not at one
instant: dump while the services are stopped, or from a hidden secondary (deploy/BACKUP.md). ``restore`` writes each dumped
collection back (``--drop`` first drops what is there), then builds its indexes; ``--prefix`` restores
under another prefix (a restore drill beside the live data). Procedure: deploy/BACKUP.md.
"""
import argparse
import json
import logging
import sys
from pathlib import Path

import bson
from bson.raw_bson import RawBSONDocument
import pymongo
from bson import json_util
from pymongo.errors import OperationFailure

log = logging.getLogger(__name__)

BATCH = 1000
SKIPPED_COLLECTIONS = ("system.",)


def databases(client, prefix, names=()):
    if names:
        return list(names)
    return sorted(name for name in client.list_database_names() if name.startswith(f"{prefix}_"))


def dump_database(db, out):
    """Write every collection of ``db`` under ``out/<db name>``; returns {collection: documents written}."""
    folder = Path(out) / db.name
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for info in db.list_collections():
        name = info["name"]
        if info.get("type") == "view" or name.startswith(SKIPPED_COLLECTIONS):
            continue
        collection = db[name]
        indexes = [dict(spec) for spec in collection.list_indexes()]
        metadata = {"options": info.get("options", {}), "indexes": indexes, "collectionName": name,
                    "type": "collection"}
        (folder / f"{name}.metadata.json").write_text(json_util.dumps(metadata, json_options=json_util.CANONICAL_JSON_OPTIONS))
        count = 0
        with (folder / f"{name}.bson").open("wb") as handle:
            for raw in collection.with_options(codec_options=bson.CodecOptions(document_class=RawBSONDocument)
                                               ).find(batch_size=BATCH).sort("_id", 1):
                handle.write(raw.raw)
                count += 1
        written[name] = count
    return written


def dump(client, prefix, out, names=()):
    return {name: dump_database(client[name], out) for name in databases(client, prefix, names)}


def read_bson(path):
    data = Path(path).read_bytes()
    return bson.decode_all(data, codec_options=bson.CodecOptions(tz_aware=True, uuid_representation=4))


def restore_database(db, folder, drop=False):
    """Restore every collection dumped in ``folder`` into ``db``; returns {collection: documents restored}."""
    restored = {}
    for metadata_path in sorted(Path(folder).glob("*.metadata.json")):
        name = metadata_path.name[:-len(".metadata.json")]
        metadata = json_util.loads(metadata_path.read_text())
        if drop:
            db.drop_collection(name)
        options = dict(metadata.get("options") or {})
        if name not in db.list_collection_names():
            try:
                db.create_collection(name, **options)
            except OperationFailure as exc:
                if exc.code != 48:  # NamespaceExists
                    raise
        docs = read_bson(Path(folder) / f"{name}.bson") if (Path(folder) / f"{name}.bson").exists() else []
        for start in range(0, len(docs), BATCH):
            db[name].insert_many(docs[start:start + BATCH], ordered=False)
        models = []
        for spec in metadata.get("indexes", []):
            spec = dict(spec)
            if spec.get("name") == "_id_":
                continue
            keys = list(spec.pop("key").items())
            spec.pop("v", None)
            spec.pop("ns", None)
            models.append(pymongo.IndexModel(keys, **spec))
        if models:
            db[name].create_indexes(models)
        restored[name] = len(docs)
    return restored


def restore(client, source, prefix=None, drop=False):
    """Restore every database dumped under ``source``; with ``prefix`` the ``<old>_<service>`` databases become
    ``<prefix>_<service>``."""
    result = {}
    for folder in sorted(p for p in Path(source).iterdir() if p.is_dir()):
        name = folder.name
        if prefix:
            name = f"{prefix}_{name.split('_', 1)[1]}" if "_" in name else f"{prefix}_{name}"
        result[name] = restore_database(client[name], folder, drop)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.runtime.backup", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump")
    dumping.add_argument("--uri", required=True)
    dumping.add_argument("--prefix", default="portal")
    dumping.add_argument("--db", action="append", default=[])
    dumping.add_argument("--out", required=True)
    restoring = commands.add_parser("restore")
    restoring.add_argument("--uri", required=True)
    restoring.add_argument("--from", dest="source", required=True)
    restoring.add_argument("--prefix")
    restoring.add_argument("--drop", action="store_true")
    args = parser.parse_args(argv)
    client = pymongo.MongoClient(args.uri, tz_aware=True, uuidRepresentation="standard")
    if args.command == "dump":
        result = dump(client, args.prefix, args.out, args.db)
    else:
        result = restore(client, args.source, args.prefix, args.drop)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
