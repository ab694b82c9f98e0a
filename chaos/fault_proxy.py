"""A fault-injecting HTTP proxy between flow and the AWS emulator, on loopback.

    python3 chaos/fault_proxy.py --upstream http://127.0.0.1:PORT [--throttle 0.1]
        [--server-errors 0.1] [--resets 0.05] [--latency-ms 0] [--answer-delay-ms 0] [--seed N]

Prints `AWS_ENDPOINT_URL=http://127.0.0.1:<port>` as its first stdout line once it listens,
then serves until SIGTERM/SIGINT or stdin's end, and prints its counters as one JSON line
on stdout when it stops (`GET /__fault-proxy/stats` returns them at any time).

`--answer-delay-ms` holds every answer that long after the emulator acted: the window in which
a create is done but its caller does not know yet (the kill -9 tests aim there).

Each request, after the optional fixed latency, is either forwarded or answered with a fault
drawn with the given probabilities:
  throttle       HTTP 400/429 with the error code `ThrottlingException` (`RequestLimitExceeded`
                 for EC2), in the body format of the request's protocol (awsJson, restJson,
                 restXml, awsQuery, ec2Query), exactly what AWS sends when it throttles;
  server-errors  HTTP 500 `InternalFailure` or 503 `ServiceUnavailable`, same formats;
  resets         the connection is reset (TCP RST): half of them after the request was read
                 and before it reaches the emulator, half after the emulator answered, so
                 that the answer is lost and the call's outcome unknown to flow (a create
                 that happened, whose id flow never saw).

The counters: requests, forwarded, throttled, server errors, resets, and retries (requests
whose `amz-sdk-request` header says `attempt=N` with N > 1: the SDK's own retries).
Standard library only, so it runs with any Python 3.
"""

import argparse
import http.client
import http.server
import json
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid


class FaultProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream, throttle=0.0, server_errors=0.0, resets=0.0, latency=0.0, seed=None,
                 answer_delay=0.0):
        self.upstream = urllib.parse.urlparse(upstream)
        self.answer_delay = answer_delay
        self.throttle, self.server_errors, self.resets, self.latency = throttle, server_errors, resets, latency
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counters = {"requests": 0, "forwarded": 0, "throttled": 0, "server_errors": 0, "resets": 0,
                         "answers_lost": 0, "retries": 0}
        super().__init__(("127.0.0.1", 0), FaultHandler)

    def handle_error(self, request, client_address):
        # A client that went away (flow killed with SIGKILL mid-request) is part of the
        # experiment, not an error of the proxy's.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, key):
        with self.lock:
            self.counters[key] += 1

    def draw(self):
        """The fault for one request: None (forward), "throttle", "server_error" or "reset"."""
        with self.lock:
            x = self.random.random()
        for fault, share in (("reset", self.resets / 2), ("answer_lost", self.resets / 2),
                             ("throttle", self.throttle), ("server_error", self.server_errors)):
            if x < share:
                return fault
            x -= share
        return None

    def stats(self):
        with self.lock:
            return dict(self.counters)


def protocol(handler, body):
    """The AWS protocol of a request, from its headers, path and body."""
    if handler.headers.get("X-Amz-Target"):
        return "awsJson"
    if body.startswith(b"Action=") or b"&Action=" in body:
        return "ec2Query" if b"Version=2016-11-15" in body else "awsQuery"
    if handler.path.startswith("/2013-04-01/"):
        return "restXml"
    return "restJson"


def fault_response(kind, proto):
    """(status, headers, body) of a throttling or server error in the protocol's format."""
    request_id = str(uuid.uuid4())
    if kind == "throttle":
        code = "RequestLimitExceeded" if proto == "ec2Query" else "ThrottlingException"
        status = 429 if proto == "restJson" else 400
        message = "Rate exceeded"
    else:
        code, status = random.choice([("InternalFailure", 500), ("ServiceUnavailable", 503)])
        message = "injected by chaos/fault_proxy.py"
    headers = {"x-amzn-RequestId": request_id}
    if proto == "awsJson":
        headers["Content-Type"] = "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": message})
    elif proto == "restJson":
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = code
        body = json.dumps({"message": message})
    elif proto == "ec2Query":
        headers["Content-Type"] = "text/xml"
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
    else:
        headers["Content-Type"] = "text/xml"
        side = "Sender" if kind == "throttle" else "Receiver"
        body = (f"<ErrorResponse><Error><Type>{side}</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return status, headers, body.encode()


class FaultHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        proxy = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__fault-proxy/stats":
            return self.reply(200, {"Content-Type": "application/json"}, json.dumps(proxy.stats()).encode())
        proxy.count("requests")
        attempt = re.search(r"attempt=(\d+)", self.headers.get("amz-sdk-request", ""))
        if attempt and int(attempt.group(1)) > 1:
            proxy.count("retries")
        if proxy.latency:
            time.sleep(proxy.latency)
        fault = proxy.draw()
        if fault == "reset":
            proxy.count("resets")
            return self.reset()
        if fault is not None and fault != "answer_lost":
            proxy.count("throttled" if fault == "throttle" else "server_errors")
            return self.reply(*fault_response(fault, protocol(self, body)))
        proxy.count("forwarded")
        upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=120)
        try:
            upstream.request(self.command, self.path, body=body, headers=dict(self.headers))
            response = upstream.getresponse()
            payload = response.read()
            if fault == "answer_lost":
                proxy.count("answers_lost")
                return self.reset()
            if proxy.answer_delay:
                time.sleep(proxy.answer_delay)
            headers = {k: v for k, v in response.getheaders()
                       if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            self.reply(response.status, headers, payload)
        finally:
            upstream.close()

    def reset(self):
        # SO_LINGER with a zero timeout turns close() into a TCP RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def reply(self, status, headers, payload):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--throttle", type=float, default=0.0)
    parser.add_argument("--server-errors", type=float, default=0.0)
    parser.add_argument("--resets", type=float, default=0.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--answer-delay-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()
    proxy = FaultProxy(args.upstream, args.throttle, args.server_errors, args.resets, args.latency_ms / 1000, args.seed,
                       answer_delay=args.answer_delay_ms / 1000)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(f"AWS_ENDPOINT_URL={proxy.endpoint}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    proxy.shutdown()
    print(json.dumps(proxy.stats()), flush=True)


if __name__ == "__main__":
    main()
