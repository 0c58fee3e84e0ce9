"""A merchant's event receiver written with the official `standardwebhooks` package, not PaySync's
code: every delivery is verified by it. Used by PaySyncHTTPTests.EventDeliveryTests.

Control routes (JSON):
  POST /_secrets  {"secrets": [...]}            the receiver's secret(s); any one verifying accepts
  POST /_answers  {"statuses": [500, 200]}      answer these statuses in turn (then 200), for retries
  GET  /_log                                    every delivery: headers, body, verdict per secret
  POST /_verify   {"secret", "headers", "body"} run the library's verify on anything
Deliveries go to any other path. Prints "listening on PORT" once bound (port 0 picks one).
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

lock = threading.Lock()
state = {"secrets": [], "answers": [], "log": []}


def verify(secret, headers, body):
    try:
        Webhook(secret).verify(body, headers)
        return {"ok": True, "error": None}
    except WebhookVerificationError as error:
        return {"ok": False, "error": str(error)}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def answer(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("content-length", "0")))

    def do_GET(self):
        if self.path == "/_log":
            with lock:
                return self.answer(200, state["log"])
        self.answer(404, {"error": "no such route"})

    def do_POST(self):
        body = self.body()
        if self.path == "/_secrets":
            with lock:
                state["secrets"] = json.loads(body)["secrets"]
            return self.answer(200, {})
        if self.path == "/_answers":
            with lock:
                state["answers"] = json.loads(body)["statuses"]
            return self.answer(200, {})
        if self.path == "/_verify":
            request = json.loads(body)
            return self.answer(200, verify(request["secret"], request["headers"], request["body"].encode()))
        headers = {name.lower(): value for name, value in self.headers.items()}
        with lock:
            verdicts = [verify(secret, headers, body) for secret in state["secrets"]]
            accepted = any(verdict["ok"] for verdict in verdicts)
            status = state["answers"].pop(0) if state["answers"] else (200 if accepted else 401)
            state["log"].append({
                "headers": {name: headers[name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature") if name in headers},
                "body": body.decode(),
                "verdicts": verdicts,
                "status": status,
            })
        self.answer(status, {"accepted": accepted})


def exit_with_parent():
    """The test process may end without stopping us: follow it."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
