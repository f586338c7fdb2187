"""Rebuild the public read model from the snapshot filings pages out (``make rebuild-queries``).

    python -m services.queries.rebuild [--source filings] [--page-size 500] [--keep-old] [--force]

1. A new generation is named ``building`` in the pointer: from then on the running queries service applies
   every live event to it as well as to the current one.
2. Every case, resolution and hearing is read from ``<source>.public_snapshot(kind, after, limit)`` page by page
   and applied to the new generation with the same rules as events (versions decide; the order does not).
3. The pointer switches to the new generation in one write; the old one keeps receiving events for a grace
   period (readers that still hold the old pointer), then is dropped (``--keep-old`` keeps it).

The old generation answers every public request until the switch. A rebuild that died half-way leaves its
generation ``building``: run again with ``--force`` to discard it and start over.
"""
import argparse
import logging
import sys
import time

from nameko.standalone.rpc import ClusterRpcProxy

from contracts.events import schema_for
from services.queries.store import QueriesStore, RebuildRunning
from services.queries.store.generations import PREVIOUS_GRACE
from services.runtime.config import Settings, load_config
from services.runtime.mongo import database_name, get_client

log = logging.getLogger(__name__)

KINDS = ("cases", "resolutions", "hearings")
SCHEMAS = {"cases": "case_opened", "resolutions": "resolution_issued", "hearings": "hearing_changed"}


def open_store(config):
    settings = Settings(config)
    client = get_client(settings.mongo_uri)
    db = client[database_name(settings.db_prefix, QueriesStore.database)]
    QueriesStore.ensure_indexes(db)
    QueriesStore.setup_data(db)
    return QueriesStore(db, client)


def rebuild(store, fetch_page, page_size=500, force=False, keep_old=False, grace_seconds=None, say=print):
    """Fill a new generation from ``fetch_page(kind, after, limit) -> {"items", "next"}`` and switch to it.
    Returns (new generation, the one it replaced, items applied by kind)."""
    new = store.begin_rebuild(force=force)
    say(f"Generación nueva {new}: recibe los eventos desde ahora; se llena con la instantánea.")
    counts = {}
    for kind in KINDS:
        schema, after, counts[kind] = schema_for(SCHEMAS[kind]), None, 0
        while True:
            page = fetch_page(kind, after, page_size)
            items = [schema.load(item) for item in page["items"]]
            store.apply_snapshot(new, kind, items)
            counts[kind] += len(items)
            after = page.get("next")
            if not after:
                break
        say(f"  {kind}: {counts[kind]}")
    old = store.switch(new)
    say(f"Generación {new} en servicio (antes {old}).")
    if not keep_old:
        grace = PREVIOUS_GRACE.total_seconds() if grace_seconds is None else grace_seconds
        time.sleep(grace)
        store.drop_generation(old)
        say(f"Generación {old} eliminada.")
    return new, old, counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="filings", help="servicio que ofrece public_snapshot")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--keep-old", action="store_true", help="no eliminar la generación reemplazada")
    parser.add_argument("--force", action="store_true", help="descartar una reconstrucción interrumpida")
    parser.add_argument("--grace", type=float, default=None, help="segundos antes de eliminar la generación vieja")
    args = parser.parse_args(argv)
    config = load_config()
    store = open_store(config)
    timeout = max(60.0, Settings(config).rpc_timeout)
    with ClusterRpcProxy(config, timeout=timeout) as cluster:
        source = getattr(cluster, args.source)
        try:
            rebuild(store, lambda kind, after, limit: source.public_snapshot(kind, after, limit),
                    args.page_size, args.force, args.keep_old, args.grace)
        except RebuildRunning as exc:
            print(f"Ya hay una reconstrucción en curso (generación {exc}); use --force para descartarla.",
                  file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
