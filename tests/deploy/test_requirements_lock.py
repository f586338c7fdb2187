"""requirements.lock (made by `make lock`) pins exactly pyproject.toml's runtime dependencies (and what they need),
with hashes, and none of the dev extra's own packages: the image installs it with --require-hashes. `make install`
installs it too, then requirements-dev.lock (the dev extra, hashed, the runtime packages at the same pins), then
the project without dependencies: what the tests run on is what the image runs."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec):
    return canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec).group(0))


def locked(name="requirements.lock"):
    text = (ROOT / name).read_text()
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
    assert_every_pin_hashed(text)


def assert_every_pin_hashed(text):
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


def test_dev_lock_has_the_dev_extra_and_the_runtime_pins_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime, _ = locked()
    dev, text = locked("requirements-dev.lock")
    assert_every_pin_hashed(text)
    for spec in project["project"]["optional-dependencies"]["dev"]:
        name = requirement_name(spec)
        assert name in dev, f"{name} is in the dev extra but not in requirements-dev.lock: run make lock"
        exact = re.search(r"==\s*([^,;\s]+)", spec)
        if exact:
            assert dev[name] == exact.group(1), f"{name}: pyproject {exact.group(1)}, dev lock {dev[name]}"
    # the runtime packages at requirements.lock's pins: installing the dev lock after it changes none of them
    assert {name: dev.get(name) for name in runtime} == runtime
    # the build backend of the editable install (make install builds it without isolation, from this lock)
    for spec in project["build-system"]["requires"]:
        assert requirement_name(spec) in dev, spec


def test_make_install_uses_the_locks_and_installs_the_project_without_dependencies():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(STAMP\): (.*)\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert recipe, "no $(STAMP) rule in the Makefile"
    assert {"pyproject.toml", "requirements.lock", "requirements-dev.lock"} <= set(recipe.group(1).split())
    installs = [line.strip() for line in recipe.group(2).splitlines() if "pip install" in line]
    assert installs == ["$(PY) -m pip install --quiet --require-hashes -r requirements.lock",
                        "$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock",
                        "$(PY) -m pip install --quiet --no-deps --no-build-isolation -e ."]
    assert "install: $(STAMP)" in makefile
