#!/usr/bin/env python3
"""A webhook receiver and pre-upload hook for the gateway's tests, on loopback.

usage: receiver.py PORT SECRET LOG [--fail-first N]

POST /events  verifies X-R2GW-Signature (HMAC-SHA256 of timestamp + "." + body), answers 200
              (or 401 when it does not verify), and appends one JSON line per request to LOG.
POST /hook    answers as a pre-upload hook, by the key: "deny" in it is denied ("deny-complete" only at complete), "slow" in it
              answers after 5 s, "rewrite" in it is moved to the same key with "rewritten"
              and gets Content-Type text/x-hooked; anything else is allowed. Logged too.
"""
import hashlib, hmac, json, sys, time
from http.server import BaseHTTPRequestHandler
from socketserver import ThreadingTCPServer

port, secret, log_path = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
fail_first = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--fail-first" else 0
seen = {"n": 0}


def record(entry):
    with open(log_path, "a") as log:
        log.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, *args):
        pass

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        timestamp = self.headers.get("X-R2GW-Timestamp", "")
        expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, self.headers.get("X-R2GW-Signature", ""))
        if self.path == "/events":
            seen["n"] += 1
            if seen["n"] <= fail_first:
                record({"path": "/events", "failed": True})
                return self.answer(503)
            record({"path": "/events", "valid": valid, "timestamp": timestamp,
                    "eventId": self.headers.get("X-R2GW-Event-Id"), "received": time.time(), "event": json.loads(body)})
            return self.answer(200 if valid else 401)
        if self.path == "/hook":
            request = json.loads(body)
            record({"path": "/hook", "valid": valid, "request": request})
            key = request["key"]
            if "deny-complete" in key:
                if request["action"] == "CompleteMultipartUpload":
                    return self.answer(200, json.dumps({"allow": False, "reason": "hook says no to completing " + key}).encode())
            elif "deny" in key:
                return self.answer(200, json.dumps({"allow": False, "reason": "hook says no to " + key}).encode())
            if "slow" in key:
                time.sleep(5)
            if "rewrite" in key:
                return self.answer(200, json.dumps({"allow": True, "key": key.replace("rewrite", "rewritten"),
                                                    "metadata": {"contentType": "text/x-hooked"}}).encode())
            return self.answer(200, b'{"allow": true}')
        self.answer(404)


ThreadingTCPServer.allow_reuse_address = True  # restarts reuse the port at once
ThreadingTCPServer.daemon_threads = True
server = ThreadingTCPServer(("127.0.0.1", port), Handler)  # not HTTPServer: it resolves the host name in DNS first
print("ready", flush=True)
server.serve_forever()
