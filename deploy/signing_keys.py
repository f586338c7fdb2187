"""Backup and restore of the signing keys (deploy/BACKUP.md, "Las claves de firma").

The keys that sign what has legal weight live in the Secret ``portal-judicial-secrets``, not in the databases:
``EVIDENCE_SIGNING_KEY`` (the mailbox's evidence, Ed25519), ``CERTIFICATE_SIGNING_KEY`` and
``CERTIFICATE_SIGNING_CERT`` (the certificates' PAdES signature). This script copies them out of a Secret manifest
or a folder of files into one backup file, and back:

    python deploy/signing_keys.py backup  (--secret MANIFEST | --dir FOLDER) --out FILE
    python deploy/signing_keys.py restore --from FILE (--secret MANIFEST | --dir FOLDER)

``--secret`` reads a Secret manifest (``kubectl get secret portal-judicial-secrets -o yaml``: ``data`` in base64,
or ``stringData`` as in secret.example.yaml) or writes one holding only these keys, for ``kubectl patch``.
``--dir`` reads or writes one file per key, named by the key (the layout of a mounted Secret and of
``kubectl create secret generic --from-file=FOLDER``). ``-`` is standard input or output, so the keys can go
straight from kubectl to the custodian's encryption without touching a disk in clear.

Both ways the keys are checked with the services' own loaders (services/mailbox/keys.py,
services/certificates/signing.py) as if PORTAL_ENV were production: a backup of a key the service would refuse,
or of a certificate that does not belong to its key, fails at backup time, not on the day of the restore. The
backup records the evidence key id and the certificate's SHA-256 fingerprint (printed on standard error, to note
beside the backup), and a restore refuses keys that no longer match them. Files written are readable by their
owner only, and an existing file is never overwritten.
"""
import argparse
import base64
import datetime
import json
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout: the services' own key loaders
    sys.path.insert(0, str(ROOT))

from services.certificates.signing import SigningConfigurationError  # noqa: E402
from services.certificates.signing import resolve_signer as certificate_signer  # noqa: E402
from services.mailbox.keys import KeyConfigurationError  # noqa: E402
from services.mailbox.keys import resolve_signer as evidence_signer  # noqa: E402
from services.runtime.config import Settings  # noqa: E402

FORMAT = "portal-judicial-signing-keys"
VERSION = 1
SECRET_NAME = "portal-judicial-secrets"
KEYS = ("EVIDENCE_SIGNING_KEY", "CERTIFICATE_SIGNING_KEY", "CERTIFICATE_SIGNING_CERT")


class KeyBackupError(Exception):
    """What is wrong, for the operator (the script exits 1 with it)."""


def check(keys):
    """The fingerprints of ``keys``, once the services' loaders accept them (else KeyBackupError)."""
    missing = [name for name in KEYS if not str(keys.get(name) or "").strip()]
    if missing:
        raise KeyBackupError(f"faltan claves: {', '.join(missing)}")
    settings = Settings({**keys, "PORTAL_ENV": "production"})
    try:
        evidence = evidence_signer(settings)
        certificate = certificate_signer(settings)
    except (KeyConfigurationError, SigningConfigurationError) as exc:
        raise KeyBackupError(f"clave no válida: {exc}") from exc
    return {"evidence_key_id": evidence.key_id, "evidence_public_key": evidence.public_key_b64,
            "certificate_sha256": certificate.fingerprint}


# --- reading and writing the keys ---------------------------------------------------------------------------------

def read_text(path):
    return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")


def write_private(path, text):
    """``text`` to ``path`` (owner-only, never over an existing file) or to standard output for ``-``."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyBackupError(f"{path} ya existe: no se sobrescribe")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def keys_from_secret(text):
    manifest = yaml.safe_load(text) or {}
    if manifest.get("kind") != "Secret":
        raise KeyBackupError("el manifiesto no es un Secret")
    keys = {}
    for name, value in (manifest.get("data") or {}).items():
        try:
            keys[name] = base64.b64decode(value, validate=True).decode("utf-8")
        except ValueError as exc:  # binascii.Error and UnicodeDecodeError alike
            raise KeyBackupError(f"{name}: el valor de data no es base64 de texto") from exc
    keys.update(manifest.get("stringData") or {})  # as the API server does: stringData wins
    return {name: keys[name] for name in KEYS if name in keys}


def keys_from_dir(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise KeyBackupError(f"{folder} no es una carpeta")
    return {name: (folder / name).read_text(encoding="utf-8") for name in KEYS if (folder / name).is_file()}


def secret_manifest(keys, namespace=None):
    metadata = {"name": SECRET_NAME, **({"namespace": namespace} if namespace else {})}
    data = {name: base64.b64encode(keys[name].encode("utf-8")).decode("ascii") for name in KEYS}
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque",
                           "data": data}, sort_keys=False)


def keys_to_dir(keys, folder):
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in KEYS:
        write_private(folder / name, keys[name])


# --- the two commands ---------------------------------------------------------------------------------------------

def backup(args):
    keys = keys_from_secret(read_text(args.secret)) if args.secret else keys_from_dir(args.dir)
    fingerprints = check(keys)
    document = {"format": FORMAT, "version": VERSION,
                "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "fingerprints": fingerprints, "keys": {name: keys[name] for name in KEYS}}
    write_private(args.out, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return fingerprints


def restore(args):
    try:
        document = json.loads(read_text(getattr(args, "from")))
    except ValueError as exc:
        raise KeyBackupError(f"el respaldo no es JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
        raise KeyBackupError(f"no es un respaldo de claves ({FORMAT}, versión {VERSION})")
    keys = document.get("keys") or {}
    fingerprints = check(keys)
    if fingerprints != document.get("fingerprints"):
        raise KeyBackupError("las claves no coinciden con las huellas anotadas en el respaldo: respaldo dañado")
    if args.secret:
        write_private(args.secret, secret_manifest(keys, args.namespace))
    else:
        keys_to_dir(keys, args.dir)
    return fingerprints


def parser():
    main = argparse.ArgumentParser(prog="python deploy/signing_keys.py",
                                   description="Respaldo y restauración de las claves de firma (deploy/BACKUP.md).")
    commands = main.add_subparsers(dest="command", required=True)
    dump = commands.add_parser("backup", help="copia las claves de un Secret o de una carpeta a un respaldo")
    source = dump.add_mutually_exclusive_group(required=True)
    source.add_argument("--secret", help="manifiesto del Secret (kubectl get secret ... -o yaml), o - ")
    source.add_argument("--dir", help="carpeta con un archivo por clave")
    dump.add_argument("--out", required=True, help="archivo del respaldo, o - (salida estándar)")
    dump.set_defaults(run=backup)
    load = commands.add_parser("restore", help="devuelve las claves de un respaldo a un manifiesto o a una carpeta")
    load.add_argument("--from", required=True, help="archivo del respaldo, o - (entrada estándar)")
    target = load.add_mutually_exclusive_group(required=True)
    target.add_argument("--secret", help="manifiesto del Secret con solo estas claves (para kubectl patch), o -")
    target.add_argument("--dir", help="carpeta donde escribir un archivo por clave")
    load.add_argument("--namespace", help="namespace del manifiesto (--secret)")
    load.set_defaults(run=restore)
    return main


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        fingerprints = args.run(args)
    except (KeyBackupError, OSError) as exc:
        print(f"signing_keys {args.command}: {exc}", file=sys.stderr)
        return 1
    print(f"clave de acuses (key_id): {fingerprints['evidence_key_id']}\n"
          f"certificado de constancias (SHA-256): {fingerprints['certificate_sha256']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
