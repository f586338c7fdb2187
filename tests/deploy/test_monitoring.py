"""The monitoring in deploy/k8s/monitoring, offline: the alert rules pass ``promtool check rules`` and their
unit tests (each alert fires on a synthetic series and stays silent on a healthy one, and each branch of an
alert's ``or`` fires on its own in some test); every metric a rule or a dashboard names is registered by the
code; every service has a PodMonitor and a runbook section; each service's dashboard shows rate, errors and
duration per entrypoint and the business dashboard each business figure; the dashboards are valid JSON with
unique panel ids, all generated into the ConfigMap."""
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "k8s" / "monitoring"
SERVICES = {"filings": ("services.filings.service", "FilingsService"),
            "mailbox": ("services.mailbox.service", "MailboxService"),
            "queries": ("services.queries.service", "QueriesService"),
            "certificates": ("services.certificates.service", "CertificatesService"),
            "chat": ("services.chat.service", "ChatService")}
PROMETHEUS_OWN = {"up", "time"}  # series Prometheus makes itself
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")
# the figures the business dashboard shows: (the metric a panel reads, the label it must break it down by)
BUSINESS_FIGURES = {"escritos por día": ("portal_filings_filings_received_total", None),
                    "notificaciones por acceso y tácitas": ("portal_mailbox_notifications_served_total", "served_by"),
                    "vencimientos": ("portal_mailbox_due_dates_total", None),
                    "constancias emitidas": ("portal_certificates_certificates_issued_total", None),
                    "depósitos de protocolo tardíos": ("portal_certificates_protocol_deposits_total", "timeliness"),
                    "primera respuesta del chat": ("portal_chat_first_response_seconds_bucket", None),
                    "CSAT": ("portal_chat_csat_answers_total", None),
                    "quejas": ("portal_chat_complaints_total", None)}


def documents(name):
    return list(yaml.safe_load_all((MONITORING / name).read_text()))


def rule_groups():
    [rule] = documents("rules.yaml")
    assert rule["kind"] == "PrometheusRule"
    return rule["spec"]["groups"]


def alerts():
    return [r for group in rule_groups() for r in group["rules"] if "alert" in r]


def dashboards():
    return {path.name: json.loads(path.read_text()) for path in sorted((MONITORING / "dashboards").glob("*.json"))}


def promtool():
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: make test installs it (Debian package prometheus)")
    return path


def registered_names():
    """Every sample name the services' and the gateway's code registers, with the gauges a service's store
    exposes once set up (outbox, dead letters, backlogs)."""
    import importlib

    from prometheus_client import REGISTRY

    from services.runtime.mongo import Mongo

    importlib.import_module("gateway.service")
    for service, (module, cls) in SERVICES.items():
        service_cls = getattr(importlib.import_module(module), cls)
        stores = [d for d in vars(service_cls).values() if isinstance(d, Mongo)]
        for store in stores:
            Mongo.declare_gauges(service, store.store_cls)
    names = set()
    for collector in list(REGISTRY._collector_to_names):
        for family in collector.collect():
            names.update(sample.name for sample in family.samples)
            names.add(family.name)
    # the Observability dependency registers its two per-entrypoint metrics when set up
    from services.runtime.observability import counter, histogram

    for service in [*SERVICES, "gateway"]:
        histogram(service, "entrypoint_duration_seconds", "Time spent in each entrypoint", ["entrypoint"])
        counter(service, "entrypoint_calls_total", "Entrypoint calls by outcome", ["entrypoint", "outcome"])
    for collector in list(REGISTRY._collector_to_names):
        for family in collector.collect():
            names.add(family.name)
            for suffix in SUFFIXES:
                names.add(family.name + suffix)
    return names


def metric_names(expr):
    """The metric names an expression reads (identifiers followed by a selector or a range, or bare ones
    that start with portal_)."""
    expr = re.sub(r'"[^"]*"', '""', expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set(re.findall(r"\b(portal_[a-z0-9_]+)", expr))
    names.update(n for n in re.findall(r"\b([a-z_][a-z0-9_]*)\s*\{", expr))
    return names


def grouped_by(expr):
    """The labels an expression's aggregations keep (``sum by (a, b)``)."""
    return {label.strip() for group in re.findall(r"\bby\s*\(([^)]*)\)", expr) for label in group.split(",")}


def panel_exprs(board):
    return [(panel, target["expr"]) for panel in board["panels"] for target in panel.get("targets", [])]


def branches(expr):
    """The expressions an alert's ``or`` joins, parentheses around a group of them opened."""
    expr = expr.strip()
    parts, depth, start, i = [], 0, 0, 0
    while i < len(expr):
        if expr[i] == "(":
            depth += 1
        elif expr[i] == ")":
            depth -= 1
        elif depth == 0 and expr.startswith(" or ", i):
            parts.append(expr[start:i])
            start = i = i + 4
            continue
        i += 1
    parts.append(expr[start:])
    if len(parts) > 1:
        return [branch for part in parts for branch in branches(part)]
    depths = itertools.accumulate({"(": 1, ")": -1}.get(char, 0) for char in expr)
    if expr.startswith("(") and next(i for i, depth in enumerate(depths) if depth == 0) == len(expr) - 1:
        return branches(expr[1:-1])  # the whole expression is one parenthesised group
    return [expr]


def test_promtool_checks_the_rules(tmp_path):
    rules = tmp_path / "rules.generated.yaml"
    rules.write_text(yaml.safe_dump({"groups": rule_groups()}, allow_unicode=True))
    result = subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_on_a_synthetic_series_and_not_on_a_healthy_one(tmp_path):
    (tmp_path / "rules.generated.yaml").write_text(yaml.safe_dump({"groups": rule_groups()}, allow_unicode=True))
    shutil.copy(MONITORING / "rules-test.yaml", tmp_path / "rules-test.yaml")
    result = subprocess.run([promtool(), "test", "rules", "rules-test.yaml"], cwd=tmp_path, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    tests = yaml.safe_load((MONITORING / "rules-test.yaml").read_text())["tests"]
    fired = {case["alertname"] for t in tests for case in t["alert_rule_test"] if case["exp_alerts"]}
    silent = {case["alertname"] for t in tests for case in t["alert_rule_test"] if not case["exp_alerts"]}
    names = {a["alert"] for a in alerts()}
    assert fired == names and silent == names


def test_every_branch_of_an_alert_fires_on_its_own_in_some_test(tmp_path):
    """An alert that joins conditions with ``or`` is tested branch by branch: each branch, made an alert alone, must
    fire as expected in at least one of the alert's firing tests (so no branch is one nobody saw fire)."""
    tests = yaml.safe_load((MONITORING / "rules-test.yaml").read_text())["tests"]
    groups, cases, expected = [], [], {}
    for alert in alerts():
        leaves = branches(alert["expr"])
        if len(leaves) == 1:
            continue
        firing = [t for t in tests if any(c["alertname"] == alert["alert"] and c["exp_alerts"]
                                          for c in t["alert_rule_test"])]
        for n, leaf in enumerate(leaves):
            name = f"{alert['alert']}_branch{n}"
            groups.append({**alert, "alert": name, "expr": leaf})
            expected[name] = (leaf, [f"{name}: {t['name']}" for t in firing])
            for t in firing:
                checks = [{**c, "alertname": name} for c in t["alert_rule_test"] if c["alertname"] == alert["alert"]]
                cases.append({**t, "name": f"{name}: {t['name']}", "alert_rule_test": checks})
    assert len(expected) >= 20  # the combined rules: service down, outbox, dead letters, paid not issued, WhatsApp
    (tmp_path / "branches.yaml").write_text(yaml.safe_dump({"groups": [{"name": "branches", "rules": groups}]},
                                                           allow_unicode=True))
    (tmp_path / "branches-test.yaml").write_text(yaml.safe_dump(
        {"rule_files": ["branches.yaml"], "evaluation_interval": "1m", "tests": cases}, allow_unicode=True))
    result = subprocess.run([promtool(), "test", "rules", "branches-test.yaml"], cwd=tmp_path, capture_output=True,
                            text=True)
    failed = set(re.findall(r"^\s*name: (.*),\n\s*alertname:", result.stdout + result.stderr, re.M))
    assert result.returncode == 0 or failed, result.stdout + result.stderr
    never = {name: leaf for name, (leaf, names) in expected.items() if not set(names) - failed}
    assert not never, never


def test_every_alert_has_a_runbook_section_and_a_severity():
    runbooks = (MONITORING / "RUNBOOKS.md").read_text()
    anchors = set(re.findall(r"^## (\S+)$", runbooks, re.M))
    for alert in alerts():
        url = alert["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        assert path == "deploy/k8s/monitoring/RUNBOOKS.md" and anchor in anchors, (alert["alert"], url)
        assert alert["labels"]["severity"] in ("warning", "critical")


def test_every_metric_named_in_a_rule_or_a_panel_is_registered_by_the_code():
    names = registered_names()
    used = {}
    for alert in alerts():
        for name in metric_names(alert["expr"]):
            used.setdefault(name, f"rule {alert['alert']}")
    for file, board in dashboards().items():
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                for name in metric_names(target["expr"]):
                    used.setdefault(name, f"{file} panel {panel['id']}")
    assert len(used) > 20
    missing = {name: where for name, where in used.items() if name not in names and name not in PROMETHEUS_OWN}
    assert not missing, missing


def test_each_service_dashboard_shows_rate_errors_and_duration_per_entrypoint():
    boards = dashboards()
    for service in [*SERVICES, "gateway"]:
        exprs = [expr for _panel, expr in panel_exprs(boards[f"{service}.json"]) if "entrypoint" in grouped_by(expr)]
        calls, durations = f"portal_{service}_entrypoint_calls_total", f"portal_{service}_entrypoint_duration_seconds"
        rate = [e for e in exprs if re.search(rf"\brate\({calls}\[", e)]
        errors = [e for e in exprs if re.search(rf'\brate\({calls}\{{[^}}]*outcome="server_error"', e)]
        duration = [e for e in exprs if "histogram_quantile(" in e and f"{durations}_bucket" in e]
        assert rate and errors and duration, (service, rate, errors, duration)


def test_the_business_dashboard_has_a_panel_for_each_figure():
    exprs = [expr for _panel, expr in panel_exprs(dashboards()["business.json"])]
    for figure, (metric, label) in BUSINESS_FIGURES.items():
        shown = [e for e in exprs if metric in metric_names(e) and (label is None or label in grouped_by(e))]
        assert shown, (figure, metric, label)


def test_every_service_has_a_pod_monitor():
    monitors = {d["metadata"]["name"]: d for d in documents("podmonitors.yaml")}
    assert set(monitors) == {*SERVICES, "gateway"}
    for name, monitor in monitors.items():
        assert monitor["kind"] == "PodMonitor"
        assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == name
        [endpoint] = monitor["spec"]["podMetricsEndpoints"]
        assert endpoint["path"] == "/metrics" and endpoint["port"] == "metrics"


def test_dashboards_are_valid_json_with_unique_panel_ids_and_all_in_the_config_map():
    boards = dashboards()
    assert set(boards) == {f"{s}.json" for s in [*SERVICES, "gateway", "business"]}
    uids = [board["uid"] for board in boards.values()]
    assert len(set(uids)) == len(uids)
    for file, board in boards.items():
        ids = [panel["id"] for panel in board["panels"]]
        assert ids and len(set(ids)) == len(ids), file
    [kustomization] = documents("kustomization.yaml")
    [generator] = kustomization["configMapGenerator"]
    assert sorted(generator["files"]) == sorted(f"dashboards/{f}" for f in boards)
    assert kustomization["generatorOptions"]["labels"]["grafana_dashboard"] == "1"
    assert set(kustomization["resources"]) == {"podmonitors.yaml", "rules.yaml"}
