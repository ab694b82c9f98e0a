"""Start moto's server with flow's extension, on 127.0.0.1 only.

Run through `scripts/emulator`, which provides the virtual environment. Prints exactly
`AWS_ENDPOINT_URL=http://127.0.0.1:<port>` as the first line of stdout once the server
answers HTTP, then serves until SIGTERM/SIGINT (or, on request, until its parent dies or its
standard input closes). Everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"  # never 0.0.0.0: the emulator is for this machine only


def log(message: str) -> None:
    print(f"flow-emulator: {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/emulator", description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the process that started this one exits")
    p.add_argument("--exit-on-stdin-eof", action="store_true",
                   help="stop when standard input reaches end of file (the parent closed it or died)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p.parse_args(argv)


def wait_until_answering(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            # moto's own API answers without credentials; any HTTP answer proves it serves.
            urllib.request.urlopen(url + "/moto-api/data.json", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    parent = os.getppid()

    # Dummy credentials and region unless the caller set its own: moto accepts any.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import flow_moto_ext
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    flow_moto_ext.apply()
    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    app = DomainDispatcherApplication(create_backend_app)
    # Binding port 0 lets the kernel pick a free port, with no window for another process to
    # take it between choosing and binding.
    server = make_server(HOST, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    url = f"http://{HOST}:{port}"
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()
    wait_until_answering(url)

    sys.stdout.write(f"AWS_ENDPOINT_URL={url}\n")
    sys.stdout.flush()
    log(f"serving moto on {url}")

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log(f"signal {signum}: stopping")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_signal)

    if args.exit_on_stdin_eof:
        def watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except OSError:
                pass
            log("standard input closed: stopping")
            stop.set()

        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()

    while not stop.wait(0.5):
        if args.exit_with_parent and os.getppid() != parent:
            log("parent exited: stopping")
            break

    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
