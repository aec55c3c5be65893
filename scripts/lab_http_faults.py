#!/usr/bin/env python3
"""TCP endpoints of the discovery lab that misbehave in ways nginx cannot.

Started in the background by scripts/lab.sh (the HTTP part of the lab); the
address plan is tests/lab/http.tsv. Each argument is KIND=ADDRESS:PORT:

  silent    accepts TCP connections and never answers (reads and discards
            what the client sends; closes after 10 minutes or when the
            client does)
  endless   reads the request, answers "HTTP/1.1 200 OK" with headers and no
            Content-Length, then sends a body that never ends (about 16 MB/s,
            as fast as the client reads when it reads slower)
  garbage   reads what the client sends within half a second, answers a few
            bytes that are not HTTP (nor TLS), and closes

Usage: lab_http_faults.py [--tag TEXT] KIND=ADDRESS:PORT...
(--tag is ignored; the lab uses it to recognise its own process.)
Python 3 standard library only. Stops on SIGTERM or SIGINT.
"""
import signal
import socket
import socketserver
import sys
import threading
import time

SILENT_LIMIT_S = 600
GARBAGE = (b"\x00\x17\xfe\xff garbage from the CMDB discovery lab: this is not HTTP \x80\x81\x82\r\n"
           b"\x15\x03\x09\x00\x02\x02\x28\xde\xad\xbe\xef\n")
ENDLESS_HEAD = (b"HTTP/1.1 200 OK\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n"
                b"Cache-Control: no-store\r\n"
                b"Connection: close\r\n"
                b"\r\n")
ENDLESS_CHUNK = b"".join(b"endless body from the CMDB discovery lab, line %05d\n" % n for n in range(320))


def read_request_head(sock, timeout):
    """Reads until the end of an HTTP request head, 8 KiB, EOF or the timeout."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 8192:
            more = sock.recv(4096)
            if not more:
                break
            data += more
    except OSError:
        pass
    return data


class Silent(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(SILENT_LIMIT_S)
        try:
            while self.request.recv(65536):
                pass
        except OSError:
            pass


class Endless(socketserver.BaseRequestHandler):
    def handle(self):
        read_request_head(self.request, 2.0)
        # A client that stops reading holds the send; give up on it after 30 s.
        self.request.settimeout(30.0)
        try:
            self.request.sendall(ENDLESS_HEAD)
            while True:
                self.request.sendall(ENDLESS_CHUNK)
                time.sleep(0.001)
        except OSError:
            pass


class Garbage(socketserver.BaseRequestHandler):
    def handle(self):
        read_request_head(self.request, 0.5)
        try:
            self.request.sendall(GARBAGE)
            self.request.shutdown(socket.SHUT_WR)
            # Drain what the client still sends, so that the close is not a reset.
            self.request.settimeout(1.0)
            while self.request.recv(4096):
                pass
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


KINDS = {"silent": Silent, "endless": Endless, "garbage": Garbage}


def parse(arg):
    kind, sep, where = arg.partition("=")
    host, colon, port = where.rpartition(":")
    if not sep or not colon or kind not in KINDS or not port.isdigit():
        raise ValueError(f"bad endpoint '{arg}' (want KIND=ADDRESS:PORT, KIND one of {', '.join(KINDS)})")
    return kind, host, int(port)


def main(argv):
    endpoints = []
    args = iter(argv)
    for arg in args:
        if arg == "--tag":
            next(args, None)
            continue
        if arg.startswith("--tag="):
            continue
        if arg in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        try:
            endpoints.append(parse(arg))
        except ValueError as e:
            print(f"lab_http_faults: {e}", file=sys.stderr)
            return 2
    if not endpoints:
        print(__doc__.strip(), file=sys.stderr)
        return 2

    servers = []
    try:
        for kind, host, port in endpoints:
            servers.append(Server((host, port), KINDS[kind]))
            print(f"lab_http_faults: {kind} on {host}:{port}", flush=True)
    except OSError as e:
        print(f"lab_http_faults: cannot listen on {host}:{port}: {e}", file=sys.stderr, flush=True)
        for s in servers:
            s.server_close()
        return 1

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    stop.wait()
    # The serving threads are daemons: leaving ends them and closes every socket.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
