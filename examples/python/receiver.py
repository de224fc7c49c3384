"""A Relais webhook receiver in Python, standard library only.

    WEBHOOK_SECRET='whsec_...' PORT=8000 python3 receiver.py

It checks the Standard Webhooks signature Relais sends, on the body's bytes as received:

    webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">

keyed by the base64-decoded part of the whsec_ secret. The header may hold several
space-separated signatures (one per secret during a rotation): one match is enough.
A webhook-timestamp more than 5 minutes from now is refused, so that a captured request
cannot be replayed later.

With SIGNATURE_SCHEME=frappe (a webhook whose signature_scheme is "frappe"), it checks
X-Frappe-Webhook-Signature instead: base64(HMAC-SHA256(secret as UTF-8, body)), as Frappe
sends it. That signature covers the body only: there is no timestamp to check.

Each verified event is written as one JSON line ({"id", "type", "timestamp", "data"}) to
stdout, or appended to the file RECEIVED_LOG names. Answers: 204 verified (a duplicate too),
400 signature headers missing or malformed, or a body that is not JSON, 401 signature
mismatch or stale timestamp.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
SCHEME = os.environ.get("SIGNATURE_SCHEME", "standard")
LOG = os.environ.get("RECEIVED_LOG")
TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 1024 * 1024


def standard_key(secret):
    return base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)


KEY = SECRET.encode("utf8") if SCHEME == "frappe" else standard_key(SECRET)


class Refused(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


def check_standard(headers, body):
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise Refused(400, "missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(400, "webhook-timestamp is not a number")
    if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
        raise Refused(401, "webhook-timestamp is more than 5 minutes away from now")
    signed = msg_id.encode("utf8") + b"." + timestamp.encode("utf8") + b"." + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest())
    for candidate in signatures.split(" "):
        version, _, signature = candidate.partition(",")
        # compare_digest: the time taken does not tell how much of the signature was right
        if version == "v1" and hmac.compare_digest(signature.encode("utf8"), expected):
            return
    raise Refused(401, "no matching signature")


def check_frappe(headers, body):
    signature = headers.get("X-Frappe-Webhook-Signature")
    if not signature:
        raise Refused(400, "missing X-Frappe-Webhook-Signature")
    expected = base64.b64encode(hmac.new(KEY, body, hashlib.sha256).digest())
    if not hmac.compare_digest(signature.encode("utf8"), expected):
        raise Refused(401, "no matching signature")


# webhook-id is the same on every retry of a delivery: an event already handled is not handled
# twice. Kept in memory here; a real receiver keeps it where its own data is (a unique key).
seen = {}
SEEN_MAX = 10000


def handle(event):
    """The integration's own work, by event type."""
    if event.get("type") == "invoice.paid":
        pass  # e.g. mark event["data"]["invoice"] paid in your own system
    # Unknown types are acknowledged too: answering non-2xx would only make Relais retry.


def write_down(entry):
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    if LOG:
        with open(LOG, "a", encoding="utf8") as f:
            f.write(line)
    else:
        sys.stdout.write(line)
        sys.stdout.flush()


class WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return self.answer(413, "too large")
        # The signature covers the body's bytes as sent: check them before parsing anything.
        body = self.rfile.read(length)
        try:
            (check_frappe if SCHEME == "frappe" else check_standard)(self.headers, body)
        except Refused as refused:
            sys.stderr.write("rejected: %s\n" % refused)
            return self.answer(refused.status, str(refused))
        msg_id = self.headers.get("webhook-id")
        if msg_id and msg_id in seen:
            sys.stderr.write("duplicate %s: already handled\n" % msg_id)
            return self.answer(204)
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, "body is not JSON")
        if not isinstance(event, dict):
            return self.answer(400, "expected a JSON object")
        try:
            handle(event)
        except Exception as err:
            sys.stderr.write("failed on %s: %r\n" % (msg_id, err))
            return self.answer(500, "try again later")  # not a 2xx: Relais retries it
        if msg_id:
            seen[msg_id] = True
            if len(seen) > SEEN_MAX:
                del seen[next(iter(seen))]
        sys.stderr.write("verified %s %s\n" % (event.get("type"), msg_id))
        write_down({"id": msg_id, "type": event.get("type"), "timestamp": event.get("timestamp"), "data": event.get("data")})
        self.answer(204)

    def answer(self, status, text=None):
        self.send_response(status)
        if text is None:
            self.end_headers()
            return
        data = (text + "\n").encode("utf8")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass  # quiet: the lines above say what came in


if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    sys.stderr.write("listening on http://%s:%d\n" % (host, port))
    ThreadingHTTPServer((host, port), WebhookHandler).serve_forever()
