"""deploy/signing_keys.py, run as the procedure of deploy/BACKUP.md runs it, on files: the production signing keys
backed up from a folder and from a Secret manifest, restored, and a signature made before the backup with each key
(a notice's evidence, a certificate's PDF) verifies with the restored keys through the services' own loaders."""
import base64
import json
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from services.certificates.signing import Signer, generate_development_pair
from services.certificates.signing import resolve_signer as certificate_signer
from services.mailbox import evidence
from services.mailbox.keys import resolve_signer as evidence_signer
from services.runtime.config import Settings
from tests.support.pdfgen import make_pdf

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "signing_keys.py"
KEYS = ("EVIDENCE_SIGNING_KEY", "CERTIFICATE_SIGNING_KEY", "CERTIFICATE_SIGNING_CERT")
FIELDS = {"notification_id": "n-1", "recipient": {"sub": "lic.uno", "name": "Lic. Uno"},
          "case_number": "01001-2026-00001", "served_at": "2026-03-02T15:00:00.000Z"}


def run(*args, stdin=None):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def production_keys():
    key_pem, cert_pem = generate_development_pair()
    return {"EVIDENCE_SIGNING_KEY": base64.b64encode(evidence.generate_key()).decode("ascii") + "\n",
            "CERTIFICATE_SIGNING_KEY": key_pem, "CERTIFICATE_SIGNING_CERT": cert_pem}


def write_folder(folder, keys):
    folder.mkdir()
    for name, value in keys.items():
        (folder / name).write_text(value)
    return folder


def signed_before(keys):
    """A notice's evidence and a certificate's PDF, signed with ``keys`` as the services sign them."""
    settings = Settings({**keys, "PORTAL_ENV": "production"})
    return evidence_signer(settings).sign(FIELDS), certificate_signer(settings).sign(make_pdf(pages=1))


def assert_verifies_with(keys, signed_evidence, signed_pdf):
    settings = Settings({**keys, "PORTAL_ENV": "production"})
    signer = evidence_signer(settings)
    assert evidence.verify(signed_evidence, {signer.key_id: signer.public_key_bytes}).valid
    assert certificate_signer(settings).check(signed_pdf).signature == "valid"


def test_keys_backed_up_from_files_restore_to_files_that_verify_earlier_signatures(tmp_path):
    keys = production_keys()
    signed_evidence, signed_pdf = signed_before(keys)
    backup = tmp_path / "claves.json"

    done = run("backup", "--dir", write_folder(tmp_path / "secreto", keys), "--out", backup)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    recorded = json.loads(backup.read_text())["fingerprints"]
    assert recorded["evidence_key_id"] == signed_evidence["key_id"] in done.stderr
    assert recorded["certificate_sha256"] == Signer(keys["CERTIFICATE_SIGNING_KEY"],
                                                    keys["CERTIFICATE_SIGNING_CERT"]).fingerprint in done.stderr

    restored = tmp_path / "restauradas"
    done = run("restore", "--from", backup, "--dir", restored)
    assert done.returncode == 0, done.stderr
    again = {name: (restored / name).read_text() for name in KEYS}
    assert again == keys  # byte for byte
    assert all(stat.S_IMODE((restored / name).stat().st_mode) == 0o600 for name in KEYS)
    assert_verifies_with(again, signed_evidence, signed_pdf)
    # a second restore never overwrites what is there
    refused = run("restore", "--from", backup, "--dir", restored)
    assert refused.returncode == 1 and "ya existe" in refused.stderr


def test_keys_from_a_secret_manifest_through_pipes_and_back_to_a_manifest_for_kubectl_patch(tmp_path):
    keys = production_keys()
    signed_evidence, signed_pdf = signed_before(keys)
    # what `kubectl get secret portal-judicial-secrets -o yaml` prints: every key of the Secret, base64 in data
    secret = yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                             "metadata": {"name": "portal-judicial-secrets", "namespace": "portal-judicial"},
                             "data": {name: base64.b64encode(value.encode()).decode() for name, value in
                                      {**keys, "JWT_SECRET": "no-es-una-clave-de-firma"}.items()}})

    dumped = run("backup", "--secret", "-", "--out", "-", stdin=secret)
    assert dumped.returncode == 0, dumped.stderr
    assert json.loads(dumped.stdout)["keys"] == keys  # the signing keys only

    restored = run("restore", "--from", "-", "--secret", "-", "--namespace", "portal-judicial", stdin=dumped.stdout)
    assert restored.returncode == 0, restored.stderr
    manifest = yaml.safe_load(restored.stdout)
    assert manifest["kind"] == "Secret" and manifest["metadata"] == {"name": "portal-judicial-secrets",
                                                                     "namespace": "portal-judicial"}
    again = {name: base64.b64decode(value).decode() for name, value in manifest["data"].items()}
    assert again == keys
    assert_verifies_with(again, signed_evidence, signed_pdf)


def test_what_the_services_would_refuse_is_refused_at_backup_and_a_damaged_backup_at_restore(tmp_path):
    keys = production_keys()
    other_key, _ = generate_development_pair()
    mismatched = write_folder(tmp_path / "otro", {**keys, "CERTIFICATE_SIGNING_KEY": other_key})
    refused = run("backup", "--dir", mismatched, "--out", tmp_path / "a.json")
    assert refused.returncode == 1 and "does not belong" in refused.stderr
    assert not (tmp_path / "a.json").exists()

    partial = write_folder(tmp_path / "incompleto", {k: v for k, v in keys.items() if k != "EVIDENCE_SIGNING_KEY"})
    refused = run("backup", "--dir", partial, "--out", tmp_path / "b.json")
    assert refused.returncode == 1 and "EVIDENCE_SIGNING_KEY" in refused.stderr

    backup = tmp_path / "claves.json"
    assert run("backup", "--dir", write_folder(tmp_path / "secreto", keys), "--out", backup).returncode == 0
    document = json.loads(backup.read_text())
    document["keys"]["EVIDENCE_SIGNING_KEY"] = base64.b64encode(evidence.generate_key()).decode()  # another key
    damaged = tmp_path / "dañado.json"
    damaged.write_text(json.dumps(document))
    refused = run("restore", "--from", damaged, "--dir", tmp_path / "nada")
    assert refused.returncode == 1 and "huellas" in refused.stderr
    assert not (tmp_path / "nada").exists()
