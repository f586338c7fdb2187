"""The chat's Graph API client goes out through HTTPS_PROXY (deploy/k8s/base/chat.yaml sets it to the egress proxy,
the only pod the network policies let reach the Internet): it asks the proxy for a CONNECT tunnel to the Graph host,
and the access token travels only inside that tunnel's TLS, never to the proxy in clear. A proxy that refuses the
host is a failed send, as a network failure is (the sender retries), not an exception."""
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SEND = """
import json
from services.chat.graph import Graph
answer = Graph("https://graph.facebook.com", "v21.0", "token-secreto", 5).send("1234", {"to": "50255550000"})
print(json.dumps({"http_status": answer.http_status, "detail": answer.detail}))
"""


def refusing_proxy():
    """A proxy on a loopback port that records the request it receives and refuses it (403)."""
    server = socket.create_server(("127.0.0.1", 0))
    received = []

    def serve():
        connection, _ = server.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                data += chunk
            received.append(data.decode("latin-1"))
            connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], received, thread


def test_graph_requests_tunnel_through_https_proxy_and_a_refusal_is_a_failed_send():
    port, received, thread = refusing_proxy()
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(HTTPS_PROXY=f"http://127.0.0.1:{port}", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", SEND], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    thread.join(10)
    (request,) = received
    # Python's http.client asks for the tunnel in HTTP/1.0, which Envoy refuses unless told otherwise: the egress
    # proxy's configuration accepts it (accept_http_10, checked in tests/deploy/test_k8s_manifests.py)
    assert request.split("\r\n")[0] == "CONNECT graph.facebook.com:443 HTTP/1.0", request
    assert "token-secreto" not in request  # the Authorization header goes inside the tunnel only
    answer = json.loads(out.stdout)
    assert answer["http_status"] is None and "403" in answer["detail"], answer
