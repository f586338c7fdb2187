"""requirements.lock (made by `make lock`) pins exactly pyproject.toml's runtime dependencies (and what they need),
with hashes, and none of the dev extra's own packages: the image installs it with --require-hashes."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec):
    return canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec).group(0))


def locked():
    text = (ROOT / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\$", text, flags=re.M | re.I))
    return {canonical(name): version for name, version in pins.items()}, text


def test_lock_has_every_runtime_dependency_pinned_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins, text = locked()
    for spec in project["dependencies"]:
        name = requirement_name(spec)
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock: run make lock"
        exact = re.search(r"==\s*([^,;\s]+)", spec)
        if exact:
            assert pins[name] == exact.group(1), f"{name}: pyproject {exact.group(1)}, lock {pins[name]}"
    blocks = re.split(r"\n(?=[a-z0-9])", text.strip(), flags=re.I)
    assert all("--hash=sha256:" in block for block in blocks if not block.startswith("#"))


def test_lock_has_no_dev_only_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {requirement_name(spec) for spec in project["dependencies"]}
    pins, _ = locked()
    # the dev extra's own tools (requests is in it too, but nameko needs it at run time)
    dev_only = {requirement_name(spec) for spec in project["optional-dependencies"]["dev"]} - runtime - {"requests"}
    assert not dev_only & set(pins), sorted(dev_only & set(pins))


def test_dockerfile_installs_the_lock_before_the_code():
    dockerfile = (ROOT / "Dockerfile").read_text()
    install = dockerfile.index("pip install --require-hashes --no-deps -r requirements.lock")
    assert dockerfile.index("COPY requirements.lock") < install < dockerfile.index("COPY services")
    assert "pip install ." not in dockerfile and "fiftyone" not in dockerfile
