"""A receiver for Dokos (Frappe) webhooks, checked as Frappe's documentation says: the
X-Frappe-Webhook-Signature header is base64(HMAC-SHA256(webhook secret, request body)),
computed on the body's bytes as received, before anything parses it.

    WEBHOOK_SECRET='the webhook secret' PORT=8000 python3 receiver.py

RECEIVED_LOG, when set, names a file where each request is written down as one JSON line
(the guide's test reads it).
"""
import base64
import hashlib
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
LOG = os.environ.get("RECEIVED_LOG")


def signature_is_valid(body, signature):
    expected = base64.b64encode(hmac.new(SECRET.encode("utf8"), body, hashlib.sha256).digest()).decode()
    return signature is not None and hmac.compare_digest(expected, signature)


def write_down(entry):
    if LOG:
        with open(LOG, "a", encoding="utf8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


class WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.receive()

    def do_PUT(self):
        self.receive()

    def receive(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        signature = self.headers.get("X-Frappe-Webhook-Signature")
        verified = signature_is_valid(body, signature)
        entry = {"method": self.command, "path": self.path, "verified": verified, "signature": signature,
                 "content_type": self.headers.get("Content-Type"), "body": body.decode("utf8")}
        if not verified:
            write_down(entry)
            self.answer(401, b"invalid signature")
            return
        doc = json.loads(body)
        # The integration's own work goes here, e.g. create the delivery for doc["commande"].
        entry["json"] = doc
        write_down(entry)
        self.answer(200, b"ok")

    def answer(self, status, text):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format, *args):
        pass  # quiet: the log file says what came in


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), WebhookHandler).serve_forever()
