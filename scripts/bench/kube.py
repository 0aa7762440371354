"""kube.py - a tiny HTTPS client for kubesim from a kubeconfig (stdlib only),
used by the benchmark and chaos orchestrators (scripts/bench/, tests/chaos/)."""
import base64
import http.client
import json
import ssl
import urllib.parse


def _scalar(text, key):
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("- "):
            s = s[2:].strip()
        if s.startswith(key + ":"):
            return s.split(":", 1)[1].strip().strip('"')
    return None


class Kube:
    """One keep-alive connection to the server of a kubesim kubeconfig."""

    def __init__(self, kubeconfig, timeout=60):
        text = open(kubeconfig).read()
        self.server = _scalar(text, "server")
        self.token = _scalar(text, "token")
        ca = _scalar(text, "certificate-authority-data")
        u = urllib.parse.urlparse(self.server)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(
            cadata=base64.b64decode(ca).decode()) if ca else None
        self.timeout = timeout
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPSConnection(
            self.host, self.port, context=self.ctx, timeout=self.timeout)

    def request(self, method, path, body=None, ctype="application/json"):
        """Returns (code, parsed JSON or raw text)."""
        hdr = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            hdr["Content-Type"] = ctype
        for attempt in range(3):
            try:
                if self.conn is None:
                    self._connect()
                self.conn.request(method, path, body=data, headers=hdr)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw.decode(errors="replace")

    def get(self, path):
        code, body = self.request("GET", path)
        if code != 200:
            raise RuntimeError("GET %s -> %d %s" % (path, code, body))
        return body

    def post(self, path, body=None):
        return self.request("POST", path, body if body is not None else {})
