#!/usr/bin/env python3
"""Issue 11's attack table, replayed against one `moodtune serve` binary on 127.0.0.1.

Each row is one attack from the issue, run as the issue ran it, with what was observed:
status codes, how much the server read, its RSS growth and peak, and whether a normal
request still got through. Run it on two binaries to compare HTTP layers side by side:

  python3 bench/faults/attacks.py --moodtune build/moodtune [--quick]

--quick shrinks the large attacks (for a smoke run); the figures in docs/service.md come
from the full run. Exit status 1 when an attack got through (a 5xx, a smuggled answer, a
normal request that failed, a second server on a busy port, RSS over --rss-limit-mib).
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib  # noqa: E402


def peak_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def raw(port, data, read_s=2.0, send_timeout=30):
    """Sends `data` (bytes or an iterator of bytes) and reads what comes back until the
    server closes or `read_s` of silence. Returns (bytes sent, answer bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=send_timeout)
    sent = 0
    try:
        for piece in ([data] if isinstance(data, bytes) else data):
            try:
                s.sendall(piece)
                sent += len(piece)
            except OSError:
                break
        s.settimeout(read_s)
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not b:
                break
            out += b
        return sent, out
    finally:
        s.close()


def status_of(answer):
    return answer[9:12].decode() if answer.startswith(b"HTTP/1.1 ") else "none"


def answers_in(answer):
    n, at = 0, answer.find(b"HTTP/1.1 ")
    while at >= 0:
        if answer[at + 9:at + 12].isdigit():
            n += 1
        at = answer.find(b"HTTP/1.1 ", at + 1)
    return n


def png_square(side):
    """A side x side RGB PNG of one grey: it compresses ~1000:1 (6000 px: ~115 KB)."""
    w = h = side
    row = b"\x00" + b"\x80" * (3 * w)
    raw_rows = zlib.compress(row * h, 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", raw_rows) + chunk(b"IEND", b""))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moodtune", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rss-limit-mib", type=int, default=400, help="peak RSS allowed [400, issue 11]")
    a = p.parse_args()
    photo = open(faultlib.FACE_PHOTO, "rb").read()
    rows, failed = [], []
    tmp = tempfile.mkdtemp(prefix="moodtune-attacks-")
    srv = faultlib.Server(a.moodtune, os.path.join(tmp, "db.sqlite"), os.path.join(tmp, "log"))
    port = srv.port

    def row(attack, observed, bad=False):
        rows.append((attack, observed))
        print("%-58s %s" % (attack, observed), flush=True)
        if bad:
            failed.append(attack)

    def normal_post(timeout=15):
        body, h = faultlib.multipart("files", photo)
        t = time.time()
        try:
            st, _, _ = faultlib.request(port, "POST", "/recommend", body, h, timeout=timeout)
        except OSError as e:
            return "failed (%s) after %.1f s" % (type(e).__name__, time.time() - t), False
        return "%d in %.0f ms" % (st, (time.time() - t) * 1e3), st == 200

    try:
        if not srv.wait("/readyz"):
            print(open(srv.log_path).read())
            return 1
        normal_post()  # warm-up
        base = srv.rss_kib()

        # 1. A chunked body far past max_body_bytes.
        total = (16 if a.quick else 400) << 20
        piece = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
        head = b"POST /recommend HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n"
        sent, ans = raw(port, iter([head] + [piece] * (total >> 20) + [b"0\r\n\r\n"]))
        grow = (srv.rss_kib() - base) // 1024
        row("chunked body of %d MiB" % (total >> 20),
            "%s after %.1f MiB sent; RSS +%d MB" % (status_of(ans), sent / 2**20, grow),
            bad=status_of(ans) != "413")

        # 2. 4 MB of headers in 500 lines of 8 KB.
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(
            b"X-Pad-%d: %s\r\n" % (i, b"a" * 8000) for i in range(500)) + b"\r\n"
        _, ans = raw(port, head)
        row("4 MB of headers (500 x 8 KB)", status_of(ans), bad=status_of(ans) != "431")

        # 3. 64 connections dripping one header byte a second, then a normal request.
        stop = threading.Event()
        socks = []

        def drip():
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            socks.append(s)
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ")
                while not stop.is_set():
                    s.sendall(b"a")
                    stop.wait(1.0)
            except OSError:
                pass

        drippers = [threading.Thread(target=drip) for _ in range(64)]
        for t in drippers:
            t.start()
        time.sleep(1.5)
        got, ok = normal_post()
        row("64 clients dripping 1 header byte/s; a normal POST /recommend", got, bad=not ok)
        stop.set()
        for t in drippers:
            t.join()
        for s in socks:
            s.close()

        # 4. 40 connections announcing a body (99,999,999 bytes, and 8 MB - 1) that never comes.
        for length in (99999999, (8 << 20) - 1):
            holders = []
            statuses = []
            for _ in range(40):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"POST /recommend HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
                          b"Content-Length: %d\r\n\r\n" % length)
                holders.append(s)
            time.sleep(0.5)
            for s in holders:
                s.settimeout(0.05)
                try:
                    statuses.append(status_of(s.recv(64)))
                except (socket.timeout, OSError):
                    statuses.append("waiting")
            got, ok = normal_post()
            summary = ", ".join("%s x%d" % (k, statuses.count(k)) for k in sorted(set(statuses)))
            row("40 clients send only Content-Length: %d" % length, "%s; normal POST %s" % (summary, got),
                bad=not ok)
            for s in holders:
                s.close()

        # 5. Smuggling: a GET whose body is a request; the same after a 401-style early answer.
        inner = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        _, ans = raw(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(inner) + inner)
        row("GET whose body is a request", "%d answer(s)" % answers_in(ans), bad=answers_in(ans) != 1)
        _, ans = raw(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 2)
        row("two pipelined requests", "%d answer(s)" % answers_in(ans), bad=answers_in(ans) != 2)
        _, ans = raw(port, b"POST /v1/feedback HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        row("Content-Length and chunked together", status_of(ans), bad=status_of(ans) != "400")

        # 6. 8 concurrent small PNGs that decode to 6000x6000 (the issue's), and 8 at 4000x4000
        # (16 M pixels: just under the default max_pixels, so they are decoded).
        n_png = 2 if a.quick else 8
        for side in (6000, 4000):
            png = png_square(side)
            results = []

            def post_png():
                body, h = faultlib.multipart("files", png, "image/png", "big.png")
                try:
                    results.append(faultlib.request(port, "POST", "/v1/analyze?annotate=0", body, h,
                                                    timeout=120)[0])
                except OSError as e:
                    results.append(type(e).__name__)

            before = srv.rss_kib()
            ts = [threading.Thread(target=post_png) for _ in range(n_png)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            peak = peak_kib(srv.proc.pid) // 1024
            time.sleep(1)
            after = srv.rss_kib() // 1024
            row("%d concurrent %d KB PNGs of %dx%d" % (n_png, len(png) // 1000, side, side),
                "statuses %s; peak RSS %d MB (before %d MB), %d MB after" %
                (sorted(set(map(str, results))), peak, before // 1024, after),
                bad=peak > a.rss_limit_mib or any(str(r).startswith("5") for r in results))

        # 7. Invalid UTF-8 in Content-Type; a 7.9 MB genre list.
        _, ans = raw(port, b"POST /v1/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: text/\xff\xfe\r\nContent-Length: 2\r\n\r\n{}")
        row("invalid UTF-8 in Content-Type", status_of(ans), bad=status_of(ans).startswith("5"))
        genres = b",".join([b"rock"] * (1 + (7_900_000 // 5)))
        t = time.time()
        st, _, _ = faultlib.request(port, "POST", "/v1/recommendations?emotion=happy",
                                    b"genre=" + genres, {"Content-Type": "application/x-www-form-urlencoded"})
        row("7.9 MB genre list", "%d in %.0f ms" % (st, (time.time() - t) * 1e3), bad=st >= 500)

        # 8. Host header copied into answers?
        body, h = faultlib.multipart("files", photo)
        h["Host"] = "evil.example"
        st, _, out = faultlib.request(port, "POST", "/recommend", body, h)
        row("Host: evil.example", "image URL %s" % ("uses it" if b"evil.example" in out else "does not use it"),
            bad=b"evil.example" in out)

        # 9. A second server on the same port.
        try:
            second = subprocess.run([a.moodtune, "serve", "--port", str(port), "--db", os.path.join(tmp, "db2")],
                                    capture_output=True, timeout=15)
            row("second serve on the same port", "refused (exit %d)" % second.returncode,
                bad=second.returncode == 0)
        except subprocess.TimeoutExpired:
            row("second serve on the same port", "started and shares the port", bad=True)

        row("server RSS at the end", "%d MB (peak %d MB)" % (srv.rss_kib() // 1024, peak_kib(srv.proc.pid) // 1024))
        if srv.proc.poll() is not None:
            failed.append("server died")
    finally:
        srv.kill()
    print("FAILED: " + "; ".join(failed) if failed else "all attacks held")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
