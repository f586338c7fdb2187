"""The portal talks only to the gateway's documented API: every API address written in its source (web/src) is a
path of the OpenAPI document the gateway serves, so no route can exist for the portal alone, and a route removed
from the gateway fails here before a page breaks."""
import re
from pathlib import Path

from gateway.openapi import build_spec
from gateway.service import Gateway

WEB_SOURCES = Path(__file__).resolve().parents[2] / "web" / "src"
# a whole string or template literal that starts with the API's prefix
LITERAL = re.compile(r"""(["'`])(/api/v1/[^"'`\s]*)\1""")
INTERPOLATION = re.compile(r"\$\{[^}]*\}")
COMMENTS = re.compile(r"^\s*/\*.*?\*/|^\s*//[^\n]*", re.S | re.M)  # examples in comments are not calls


def portal_paths():
    """{path as the portal writes it, with each ${...} as {}: [files]}; a literal ending in "/" is a prefix the
    portal completes (kept with its slash)."""
    found = {}
    for source in sorted(WEB_SOURCES.rglob("*.js*")):
        for _, literal in LITERAL.findall(COMMENTS.sub("", source.read_text(encoding="utf-8"))):
            path = INTERPOLATION.sub("{}", literal.split("?")[0])
            found.setdefault(path, []).append(source.name)
    return found


def matches(path, documented):
    ours, theirs = path.rstrip("/").split("/"), documented.split("/")
    if path.endswith("/") and len(theirs) > len(ours):  # a prefix: some documented path goes on from it
        theirs = theirs[:len(ours)]
    if len(ours) != len(theirs):
        return False
    return all(a == b or "{}" in a and b.startswith("{") for a, b in zip(ours, theirs))


def test_every_api_path_in_the_portal_is_a_documented_operation():
    documented = list(build_spec(Gateway)["paths"])
    found = portal_paths()
    assert len(found) > 40, "the portal's API addresses were not found: has web/src moved?"
    missing = {path: files for path, files in found.items() if not any(matches(path, d) for d in documented)}
    assert not missing, f"el portal llama a rutas que el documento OpenAPI no tiene: {missing}"


def test_the_matching_tells_a_path_parameter_from_a_fixed_segment():
    assert matches("/api/v1/cases/{}/filings", "/api/v1/cases/{case_number}/filings")
    assert not matches("/api/v1/cases/{}/filing", "/api/v1/cases/{case_number}/filings")
    assert not matches("/api/v1/cases", "/api/v1/cases/{case_number}")
    assert matches("/api/v1/chat/canned-responses/", "/api/v1/chat/canned-responses/{shortcode}")
    assert not matches("/api/v1/portal-only/{}", "/api/v1/cases/{case_number}")
