"""Offline checks of deploy/k8s: every overlay renders with kustomize (the pinned kubectl, tests/deploy/kubectl.py),
every built-in object validates strictly against the Kubernetes schemas (kubernetes-validate, no cluster), the
operators' objects carry the fields this project relies on, every service has a workload and a disruption budget,
every egress rule names its destination (the Internet only through the egress proxy's allowlist), and every
configuration key the code reads is set (ConfigMap, a container's env, or the Secret)."""
import ast
import ipaddress
import re
import subprocess
import urllib.parse
from functools import lru_cache
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from contracts.events import CATALOGUE
from tests.deploy.kubectl import ensure

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ["development", "production", "clusters"]
SERVICES = ["gateway", "filings", "mailbox", "queries", "certificates", "chat"]
WORKERS = SERVICES[1:]
EGRESS_PROXY = "egress-proxy"
KUBERNETES_VERSION = "1.33.0"
CRD_GROUPS = ("rabbitmq.com/", "mongodbcommunity.mongodb.com/", "keda.sh/", "gateway.networking.k8s.io/",
              "monitoring.coreos.com/")
CLUSTER_SCOPED = {"Namespace"}
# keys of a WSGI environ, not of the configuration
WSGI_KEYS = re.compile(r"^(HTTP_[A-Z_]+|PATH_INFO|REQUEST_METHOD|SCRIPT_NAME)$")


@lru_cache(maxsize=None)
def render(overlay):
    kubectl = ensure()
    out = subprocess.run([str(kubectl), "kustomize", str(K8S / "overlays" / overlay)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def objects(overlay, kind):
    return [doc for doc in render(overlay) if doc["kind"] == kind]


def named(overlay, kind, name):
    (found,) = [doc for doc in objects(overlay, kind) if doc["metadata"]["name"] == name]
    return found


def configuration(overlay):
    """The services' ConfigMap (production also has the dashboards')."""
    (config,) = [c for c in objects(overlay, "ConfigMap") if c["metadata"]["name"].startswith("portal-judicial-config")]
    return config


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_builtin_objects_validate_strictly(overlay):
    for doc in render(overlay):
        if doc["apiVersion"].startswith(CRD_GROUPS):
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_a_workload_a_disruption_budget_and_labels(overlay):
    deployments = {d["metadata"]["name"]: d for d in objects(overlay, "Deployment")}
    budgets = {p["metadata"]["name"]: p for p in objects(overlay, "PodDisruptionBudget")}
    config = configuration(overlay)
    assert re.fullmatch(r"portal-judicial-config-[a-z0-9]{10}", config["metadata"]["name"])  # hashed: rolls pods
    for service in SERVICES:
        deployment = deployments[service]
        pod = deployment["spec"]["template"]
        labels = pod["metadata"]["labels"]
        for key in ("name", "instance", "version", "component", "part-of", "managed-by"):
            assert f"app.kubernetes.io/{key}" in labels, (service, key)
        assert labels["app.kubernetes.io/name"] == service
        image = pod["spec"]["containers"][0]["image"]
        assert image.endswith(":" + labels["app.kubernetes.io/version"]), image
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert "app.kubernetes.io/version" not in selector and "app.kubernetes.io/instance" not in selector
        assert budgets[service]["spec"]["selector"]["matchLabels"] == selector
        assert pod["spec"]["containers"][0]["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
        security = pod["spec"]["containers"][0]["securityContext"]
        assert security["readOnlyRootFilesystem"] and security["capabilities"] == {"drop": ["ALL"]}
    (namespace,) = [n for n in objects(overlay, "Namespace") if n["metadata"]["name"].startswith("portal-judicial")
                    and not n["metadata"]["name"].endswith("-data")]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    deny = named(overlay, "NetworkPolicy", "default-deny-all")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_lands_in_a_namespace_of_the_project(overlay):
    """An object rendered without a namespace goes wherever the operator's kubectl points: a ScaledObject or a
    PodMonitor away from its pods scales or watches nothing."""
    for doc in render(overlay):
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"].get("namespace", "").startswith("portal-judicial"), (doc["kind"], doc["metadata"])
    (application,) = {d["metadata"]["namespace"] for d in objects(overlay, "Deployment")}
    for kind in ("ScaledObject", "TriggerAuthentication", "PodMonitor", "PrometheusRule"):
        assert {d["metadata"]["namespace"] for d in objects(overlay, kind)} <= {application}, kind


@pytest.mark.parametrize("overlay", ["production", "clusters"])
def test_production_is_monitored_each_pod_monitor_selects_its_pods_and_their_metrics_port(overlay):
    monitors = {m["metadata"]["name"]: m for m in objects(overlay, "PodMonitor")}
    assert set(monitors) == set(SERVICES)
    assert objects(overlay, "PrometheusRule")
    for service in SERVICES:
        pod = named(overlay, "Deployment", service)["spec"]["template"]
        selector = monitors[service]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod["metadata"]["labels"].items(), service
        ports = {p["name"]: p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
        for endpoint in monitors[service]["spec"]["podMetricsEndpoints"]:
            assert endpoint["port"] in ports, service
            # and the network policies let Prometheus (namespace monitoring) reach that port
            assert admitted_from_monitoring(overlay, pod["metadata"]["labels"], ports[endpoint["port"]]), service


def admitted_from_monitoring(overlay, labels, port):
    for policy in objects(overlay, "NetworkPolicy"):
        if not policy["spec"]["podSelector"].get("matchLabels", {}).items() <= labels.items():
            continue
        for rule in policy["spec"].get("ingress", []):
            sources = [f.get("namespaceSelector", {}).get("matchLabels", {}) for f in rule.get("from", [])]
            if {"kubernetes.io/metadata.name": "monitoring"} in sources and \
                    any(p.get("port") == port for p in rule.get("ports", [])):
                return True
    return False


def selected(policy):
    return policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_egress_names_its_destinations(overlay):
    """Every egress rule names where it goes: pods (by namespace and labels) or a single address. Only the egress
    proxy reaches public addresses at large, on 443, and it tunnels only to the hosts its configuration names."""
    for policy in objects(overlay, "NetworkPolicy"):
        name = policy["metadata"]["name"]
        for rule in policy["spec"].get("egress", []):
            assert rule.get("to"), f"{name}: egress to any address"
            assert rule.get("ports"), f"{name}: egress on any port"
            for peer in rule["to"]:
                block = peer.get("ipBlock")
                if block is None:
                    assert peer.get("podSelector", {}).get("matchLabels"), f"{name}: every pod of a namespace"
                    continue
                network = ipaddress.ip_network(block["cidr"])
                if selected(policy) == EGRESS_PROXY:
                    assert [p["port"] for p in rule["ports"]] == [443], f"{name}: the proxy only speaks HTTPS out"
                    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(block.get("except", []))
                else:
                    assert network.num_addresses == 1 and not block.get("except"), \
                        f"{name}: {block['cidr']} is not one named address (only the egress proxy goes wider)"


def proxy_allowlist(overlay):
    """The hosts the egress proxy tunnels to (its Envoy configuration), each checked to be a cluster on 443."""
    (config,) = [c for c in objects(overlay, "ConfigMap") if c["metadata"]["name"].startswith(EGRESS_PROXY + "-")]
    envoy = yaml.safe_load(config["data"]["envoy.yaml"])
    clusters = {}
    for cluster in envoy["static_resources"]["clusters"]:
        (endpoint,) = [e["endpoint"]["address"]["socket_address"] for group in
                       cluster["load_assignment"]["endpoints"] for e in group["lb_endpoints"]]
        clusters[cluster["name"]] = (endpoint["address"], endpoint["port_value"])
    (listener,) = envoy["static_resources"]["listeners"]
    (manager,) = [f["typed_config"] for chain in listener["filter_chains"] for f in chain["filters"]]
    # Python's urllib asks for its CONNECT tunnel in HTTP/1.0 (tests/unit/test_chat_graph_proxy.py)
    assert manager["http_protocol_options"]["accept_http_10"] is True
    allowed = set()
    for host in manager["route_config"]["virtual_hosts"]:
        for route in host["routes"]:
            if "direct_response" in route:
                assert route["direct_response"]["status"] == 403, host["name"]
                continue
            assert route["match"] == {"connect_matcher": {}}, host["name"]
            address = clusters[route["route"]["cluster"]]
            assert address[1] == 443 and host["domains"] == [f"{address[0]}:443"], host
            allowed.add(address[0])
    assert {"*"} == {d for h in manager["route_config"]["virtual_hosts"] for d in h["domains"] if "*" in d}
    return config["metadata"]["name"], allowed


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_chat_reaches_whatsapp_only_through_the_egress_proxy(overlay):
    config_name, allowed = proxy_allowlist(overlay)
    graph_host = urllib.parse.urlsplit(configuration(overlay)["data"]["WHATSAPP_GRAPH_URL"]).hostname
    assert allowed == {graph_host, "lookaside.fbsbx.com"}  # messages, and where Graph's media urls point
    proxy = named(overlay, "Deployment", EGRESS_PROXY)["spec"]["template"]
    assert {"name": "config", "configMap": {"name": config_name}} in proxy["spec"]["volumes"]  # hashed: rolls pods
    port = proxy["spec"]["containers"][0]["ports"][0]["containerPort"]
    service = named(overlay, "Service", EGRESS_PROXY)
    assert service["spec"]["selector"].items() <= proxy["metadata"]["labels"].items()
    chat = named(overlay, "Deployment", "chat")["spec"]["template"]
    env = {e["name"]: e.get("value") for e in chat["spec"]["containers"][0]["env"]}
    assert env["HTTPS_PROXY"] == f"http://{EGRESS_PROXY}:{service['spec']['ports'][0]['port']}"
    # the chat's own egress: DNS, the broker and the database, and the proxy; nothing by address
    chat_labels = chat["metadata"]["labels"]
    for policy in objects(overlay, "NetworkPolicy"):
        if not policy["spec"]["podSelector"].get("matchLabels", {}).items() <= chat_labels.items():
            continue
        for rule in policy["spec"].get("egress", []):
            assert not any("ipBlock" in peer for peer in rule["to"]), policy["metadata"]["name"]
    to_proxy = named(overlay, "NetworkPolicy", "chat-to-egress-proxy")["spec"]["egress"]
    assert to_proxy == [{"to": [{"podSelector": {"matchLabels": service["spec"]["selector"]}}],
                         "ports": [{"protocol": "TCP", "port": port}]}]
    # the proxy admits only the chat, and is not among the pods that reach the broker and the database
    admitted = named(overlay, "NetworkPolicy", EGRESS_PROXY)["spec"]["ingress"]
    assert admitted == [{"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "chat",
                                                                   "app.kubernetes.io/part-of": "portal-judicial"}}}],
                         "ports": [{"protocol": "TCP", "port": port}]}]
    data = named(overlay, "NetworkPolicy", "allow-rabbitmq-mongodb")["spec"]["podSelector"]["matchExpressions"]
    assert data == [{"key": "app.kubernetes.io/name", "operator": "In", "values": SERVICES}]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_api_routes_the_portal_and_keeps_probes_inside(overlay):
    assert not objects(overlay, "Ingress")
    gateway = named(overlay, "Gateway", "portal-judicial")
    listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
    assert listeners["https"]["protocol"] == "HTTPS" and listeners["https"]["tls"]["certificateRefs"]
    route = named(overlay, "HTTPRoute", "portal-judicial")
    assert route["spec"]["parentRefs"] == [{"name": "portal-judicial", "sectionName": "https"}]
    rules = route["spec"]["rules"]
    hidden = {m["path"]["value"] for m in rules[0]["matches"]}
    assert hidden == {"/healthz", "/readyz", "/metrics"} and "backendRefs" not in rules[0]
    assert rules[1]["backendRefs"] == [{"name": "gateway", "port": 80}]
    assert rules[1]["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    service = named(overlay, "Service", "gateway")
    assert service["spec"]["ports"][0]["port"] == 80
    redirect = named(overlay, "HTTPRoute", "portal-judicial-redirect")
    assert redirect["spec"]["rules"][0]["filters"][0]["requestRedirect"]["scheme"] == "https"


def consumed_queues(service):
    queues = {f"rpc-{service}"}
    for event, entry in CATALOGUE.items():
        for consumer in entry["consumers"]:
            if consumer.split(".")[0] == service:
                queues.add(f"evt-{entry['producer']}-{event}--{consumer}")
    return queues


@pytest.mark.parametrize("overlay", ["production", "clusters"])
def test_scaling_keda_per_worker_hpa_for_gateway(overlay):
    scaled = {s["metadata"]["name"]: s for s in objects(overlay, "ScaledObject")}
    assert set(scaled) == set(WORKERS)
    for service in WORKERS:
        spec = scaled[service]["spec"]
        assert spec["scaleTargetRef"]["name"] == service
        assert spec["minReplicaCount"] >= 2 and spec["maxReplicaCount"] > spec["minReplicaCount"]
        rabbit = [t for t in spec["triggers"] if t["type"] == "rabbitmq"]
        assert {t["metadata"]["queueName"] for t in rabbit} == consumed_queues(service)
        assert all(t["authenticationRef"]["name"] == "portal-judicial-rabbitmq" for t in rabbit)
        assert "replicas" not in named(overlay, "Deployment", service)["spec"]  # KEDA owns it
    auth = named(overlay, "TriggerAuthentication", "portal-judicial-rabbitmq")
    assert auth["spec"]["secretTargetRef"] == [{"parameter": "host", "name": "portal-judicial-secrets",
                                                "key": "AMQP_URI"}]
    hpa = named(overlay, "HorizontalPodAutoscaler", "gateway")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "gateway"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert "replicas" not in named(overlay, "Deployment", "gateway")["spec"]


def test_clusters_broker_and_database():
    rabbit = named("clusters", "RabbitmqCluster", "rabbitmq")
    assert rabbit["apiVersion"] == "rabbitmq.com/v1beta1" and rabbit["spec"]["replicas"] == 3
    assert rabbit["spec"]["persistence"]["storage"]
    vhost = named("clusters", "Vhost", "portal-judicial")
    assert vhost["spec"]["name"] == "portal-judicial" and vhost["spec"]["defaultQueueType"] == "quorum"
    user = named("clusters", "User", "portal-judicial")
    assert user["spec"]["importCredentialsSecret"]["name"]
    permission = named("clusters", "Permission", "portal-judicial")
    assert permission["spec"]["vhost"] == "portal-judicial"
    assert permission["spec"]["userReference"]["name"] == "portal-judicial"
    assert set(permission["spec"]["permissions"]) == {"configure", "write", "read"}
    policy = named("clusters", "Policy", "portal-judicial-quorum")
    assert policy["spec"]["vhost"] == "portal-judicial" and policy["spec"]["applyTo"] == "quorum_queues"
    assert policy["spec"]["definition"]["delivery-limit"] == -1
    pattern = re.compile(policy["spec"]["pattern"])
    for service in WORKERS:
        for queue in consumed_queues(service):
            assert pattern.search(queue), queue
    for reply in ("rpc.reply-gateway-7f0c5a52-9a3e-4c11-8d0e-2b1f3c4d5e6f", "rpc.reply-filings-1"):
        assert not pattern.search(reply)
    for kind in ("RabbitmqCluster", "Vhost", "User", "Permission", "Policy"):
        for doc in objects("clusters", kind):
            assert doc["apiVersion"] == "rabbitmq.com/v1beta1"
            if kind != "RabbitmqCluster":
                assert doc["spec"]["rabbitmqClusterReference"] == {"name": "rabbitmq"}
    mongo = named("clusters", "MongoDBCommunity", "mongodb")
    assert mongo["apiVersion"] == "mongodbcommunity.mongodb.com/v1"
    assert mongo["spec"]["members"] == 3 and mongo["spec"]["type"] == "ReplicaSet"
    (user,) = mongo["spec"]["users"]
    assert user["passwordSecretRef"]["name"] and user["scramCredentialsSecretName"]
    assert {role["db"] for role in user["roles"]} == {f"portal_{s}" for s in SERVICES}
    # what the application's egress policies name is what these clusters' pods are labelled
    egress = named("clusters", "NetworkPolicy", "allow-rabbitmq-mongodb")["spec"]["egress"]
    assert egress[0]["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == \
        rabbit["metadata"]["namespace"] == mongo["metadata"]["namespace"]
    assert egress[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == rabbit["metadata"]["name"]
    assert egress[1]["to"][0]["podSelector"]["matchLabels"] == {"app": f"{mongo['metadata']['name']}-svc"}


def keys_read_by_code():
    """Configuration keys the code reads: the first argument of get/int/float/Setting/config_timer calls and
    subscripts with a constant upper-case key; RetryPolicy.from_settings(settings, "PREFIX") reads four."""
    keys = set()
    files = [p for d in ("services", "gateway", "contracts") for p in (ROOT / d).rglob("*.py")]
    for path in files:
        if path.name == "devstack.py":  # the local stack only
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if name == "from_settings" and args:
                    keys |= {f"{args[0]}_{s}" for s in ("BACKOFF_SECONDS", "BACKOFF_MAX_SECONDS", "MAX_ATTEMPTS",
                                                        "LEASE_SECONDS")}
                elif name in {"get", "int", "float", "Setting", "config_timer", "ConfigTimer", "getenv"} and \
                        node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    keys.add(node.args[0].value)
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
                    isinstance(node.slice.value, str):
                keys.add(node.slice.value)
    return {k for k in keys if re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+", k) and not WSGI_KEYS.match(k)}


def config_yaml_variables():
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):", (ROOT / "deploy" / "config.yaml").read_text()))


def secret_template_keys():
    return set(yaml.safe_load((K8S / "secret.example.yaml").read_text())["stringData"])


def test_code_keys_are_in_config_yaml():
    """A key the code reads but deploy/config.yaml does not name can never be set: it must be documented there."""
    missing = keys_read_by_code() - config_yaml_variables() - {"PORTAL_CONFIG"}
    assert not missing, f"read by the code, absent from deploy/config.yaml: {sorted(missing)}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_configuration_key_is_set(overlay):
    config = configuration(overlay)
    configmap = set(config["data"])
    secrets = secret_template_keys()
    assert not configmap - config_yaml_variables() - {"PORTAL_CONFIG"}, "a ConfigMap key no service would see"
    wanted = (keys_read_by_code() | config_yaml_variables()) - {"PAYMENT_SECRET_BANCO_DEMO"}
    banks = config["data"]["PAYMENT_BANKS"].split(",")
    for deployment in (named(overlay, "Deployment", service) for service in SERVICES):
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container.get("env", [])}
        for entry in env.values():
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == "portal-judicial-secrets" and ref["key"] in secrets, ref
        secret_env = {n for n, e in env.items() if "valueFrom" in e}
        # every secret key is given to the process that reads it, the rest comes from the ConfigMap or env
        set_here = configmap | set(env)
        unset = {k for k in wanted - set_here if k not in secrets}
        unset -= {"GATEWAY_HOST", "GATEWAY_PORT", "PAYMENT_SECRET_BANCO_DEMO"}
        assert not unset, f"{deployment['metadata']['name']}: not set: {sorted(unset)}"
        assert {"MONGO_URI", "AMQP_URI"} <= secret_env
    gateway_env = {e["name"] for e in named(overlay, "Deployment", "gateway")["spec"]["template"]["spec"]
                   ["containers"][0]["env"]}
    assert {"GATEWAY_HOST", "GATEWAY_PORT", "JWT_SECRET", "OIDC_CLIENT_SECRET"} <= gateway_env
    for bank in banks:
        if bank != "banco_demo":  # the only bank with a development default
            assert f"PAYMENT_SECRET_{bank.upper()}" in gateway_env and f"PAYMENT_SECRET_{bank.upper()}" in secrets
    needs = {"mailbox": {"EVIDENCE_SIGNING_KEY", "SMTP_USER", "SMTP_PASSWORD"},
             "certificates": {"CERTIFICATE_SIGNING_KEY", "CERTIFICATE_SIGNING_CERT", "SMTP_USER", "SMTP_PASSWORD"},
             "chat": {"WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN"}}
    for service, keys in needs.items():
        env = {e["name"] for e in named(overlay, "Deployment", service)["spec"]["template"]["spec"]["containers"][0]
               ["env"]}
        assert keys <= env, (service, keys - env)
