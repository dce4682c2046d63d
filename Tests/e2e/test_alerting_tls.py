"""Notifications over TLS with real peers: a Python https receiver (http.server wrapped with
ssl) gets the webhook, aiosmtpd with STARTTLS required and AUTH gets the email, another
aiosmtpd with implicit TLS gets it too — all verified against a private CA given as
`ca_file`. A channel trusting the wrong CA fails with a clear TLS error in the delivery log
(and the server keeps running); `insecure_skip_verify` sends but is logged as a warning.
Certificates are made with `openssl` in a temporary directory."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import free_port
from test_alerting import HookSink, wait_for


def make_ca(directory, name):
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"], check=True, capture_output=True)
    return key, cert


def make_server_cert(directory, ca_key, ca_cert):
    key, csr, cert, ext = (directory / n for n in ["server.key", "server.csr", "server.pem", "server.ext"])
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
                    "-out", str(cert), "-days", "2", "-extfile", str(ext)], check=True, capture_output=True)
    return key, cert


class Mailbox:
    def __init__(self):
        self.messages: list[bytes] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"alerts" and auth_data.password == b"s3cret"
        if ok:
            self.logins.append(mechanism)
        return AuthResult(success=ok)


# The implicit-TLS sink cannot tell aiosmtpd that its connection is already TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_tls_channels(start_server, tmp_path):
    pki = tmp_path / "pki"
    pki.mkdir()
    ca_key, ca_cert = make_ca(pki, "test-ca")
    _, wrong_ca = make_ca(pki, "wrong-ca")
    key, cert = make_server_cert(pki, ca_key, ca_cert)

    https_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    https_context.load_cert_chain(str(cert), str(key))
    hook = HookSink(ssl_context=https_context)
    tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_context.load_cert_chain(str(cert), str(key))
    starttls_box, implicit_box = Mailbox(), Mailbox()
    starttls = Controller(starttls_box, hostname="127.0.0.1", port=free_port(), tls_context=tls_context, require_starttls=True,
                          authenticator=starttls_box.authenticator, auth_required=True)
    implicit = Controller(implicit_box, hostname="127.0.0.1", port=free_port(), ssl_context=tls_context,
                          authenticator=implicit_box.authenticator, auth_required=True, auth_require_tls=False)
    starttls.start()
    implicit.start()

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "tls.yml").write_text("""groups:
  - name: tls
    interval: 1s
    rules:
      - alert: OverTLS
        query: {metric: e2e.tls.duration, stat: max, window: 30s}
        op: ">"
        threshold: 100
        labels: {severity: critical}
        annotations: {summary: "tls max is {{ $value | ms }}"}
""")
    base = f"https://127.0.0.1:{hook.port}"
    smtp = "from: perfwatch@example.com, to: [oncall@example.com], username: alerts, password: s3cret"
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"""alerting:
  channels:
    - {{name: hook, type: webhook, url: "{base}/hook", timeout: 3s, ca_file: "{ca_cert}"}}
    - {{name: slack, type: slack, url: "{base}/slack", timeout: 3s, ca_file: "{ca_cert}"}}
    - {{name: wrong, type: webhook, url: "{base}/wrong", timeout: 3s, ca_file: "{wrong_ca}"}}
    - {{name: system, type: webhook, url: "{base}/system", timeout: 3s}}
    - {{name: insecure, type: webhook, url: "{base}/insecure", timeout: 3s, insecure_skip_verify: true}}
    - name: mail
      type: email
      timeout: 5s
      ca_file: "{ca_cert}"
      smtp: {{host: 127.0.0.1, port: {starttls.port}, tls: starttls, {smtp}}}
    - name: mail465
      type: email
      timeout: 5s
      ca_file: "{ca_cert}"
      smtp: {{host: 127.0.0.1, port: {implicit.port}, tls: implicit, {smtp}}}
  routes:
    - match: ["alertname=OverTLS"]
      channels: [hook, slack, wrong, system, insecure, mail, mail465]
      group_interval: 1s
  delivery: {{max_attempts: 2, initial_backoff: 200ms, max_backoff: 1s}}
""")
    server = start_server(config=config, data_dir=tmp_path / "data", extra_args=["--rules", str(rules)])
    try:
        assert "insecure_skip_verify" in server.output() and "insecure" in server.output()
        r = server.post_metrics([{"name": "e2e.tls.duration", "kind": "timing", "value": 500, "unit": "ms"}])
        assert r.status_code == 200, r.text

        [payload] = wait_for(lambda: hook.messages("/hook", "firing", "OverTLS"), 15, "the https webhook")
        assert payload["alerts"][0]["annotations"]["summary"] == "tls max is 500 ms"
        wait_for(lambda: [m for _, p, m in hook.received if p == "/slack"], 15, "the https Slack message")
        wait_for(lambda: hook.messages("/insecure", "firing"), 15, "the insecure_skip_verify webhook")
        mail = wait_for(lambda: starttls_box.messages, 15, "the STARTTLS email")[0].decode()
        assert "OverTLS" in mail and "tls max is 500 ms" in mail
        assert starttls_box.logins, "AUTH happened (aiosmtpd only allows it after STARTTLS)"
        wait_for(lambda: implicit_box.messages, 15, "the implicit-TLS email")

        def failed(channel):
            return [d for d in server.get("/api/v1/alerts/deliveries").json()["deliveries"] if d["channel"] == channel and d["outcome"] == "failed"]
        wrong = wait_for(lambda: failed("wrong"), 15, "the wrong-CA delivery to fail")[0]
        assert "TLS handshake" in wrong["error"] and "ca_file" in wrong["error"], wrong
        system = wait_for(lambda: failed("system"), 15, "the system-trust delivery to fail")[0]
        assert "TLS handshake" in system["error"], system
        assert not hook.messages("/wrong") and not hook.messages("/system")
        assert server.get("/healthz").status_code == 200
    finally:
        starttls.stop()
        implicit.stop()
        hook.server.shutdown()


def test_unreadable_ca_file_is_a_startup_error_naming_the_field(start_server, tmp_path):
    config = tmp_path / "perfwatch.yml"
    config.write_text("""alerting:
  channels:
    - {name: hook, type: webhook, url: "https://127.0.0.1:9/hook", ca_file: /nonexistent/ca.pem}
""")
    server = start_server(config=config, data_dir=tmp_path / "data", wait=False)
    code = server.wait_exit(30)
    assert code not in (None, 0)
    out = server.output()
    assert "ca_file" in out and "/nonexistent/ca.pem" in out, out[-2000:]
