#!/usr/bin/env python3
"""Live mood load (issue 13): N simulated live clients, each with its own session
(POST /v1/live), each sending one frame a second (POST /v1/live/{id}/frames, a small JPEG
with a face, raw image/jpeg body, t_ms as the page sends it) on its own keep-alive connection,
against a running `moodtune serve`. For N in --clients (each for --duration seconds) it prints
p50/p95/p99 of the frame latency (send to whole answer) and the largest N whose p95 stays
under --p95-ms. Clients start at random phases within the first second (real pages are not in
step). A frame that is late starts at once, never in a burst. Stops after the first N above
the threshold unless --all.

Python 3 standard library only. Example (docs/service.md, "Live mood"):
  build/tests/web/face_fixture /usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg \
      --jpeg /tmp/live320.jpg --size 320x240
  MOODTUNE_LIVE_MAX_SESSIONS=256 MOODTUNE_LIVE_MAX_SESSIONS_PER_PEER=128 \
      build/moodtune serve --port 8123 &
  python3 bench/server/live_load.py --url http://127.0.0.1:8123 --jpeg /tmp/live320.jpg
"""
import argparse
import http.client
import json
import math
import random
import statistics
import sys
import threading
import time
import urllib.parse


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)  # nearest rank
    return s[max(0, min(len(s) - 1, math.ceil(q / 100.0 * len(s)) - 1))]


class Client(threading.Thread):
    def __init__(self, host, port, jpeg, start_at, stop_at, barrier):
        super().__init__(daemon=True)
        self.host, self.port, self.jpeg = host, port, jpeg
        self.start_at, self.stop_at, self.barrier = start_at, stop_at, barrier
        self.latencies_ms = []
        self.statuses = {}
        self.error = None

    def request(self, conn, method, path, body=None, headers=None):
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, data

    def run(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sid = None
        try:
            status, data = self.request(conn, "POST", "/v1/live")
            if status != 201:
                self.error = "POST /v1/live: HTTP %d %s" % (status, data[:200])
                return
            sid = json.loads(data)["session_id"]
            self.barrier.wait()
            t0 = time.monotonic()
            next_at = self.start_at
            while True:
                now = time.monotonic()
                if next_at > now:
                    time.sleep(next_at - now)
                if time.monotonic() >= self.stop_at:
                    break
                q = urllib.parse.urlencode({"t_ms": int((time.monotonic() - t0) * 1000),
                                            "strategy": "match"})
                sent = time.monotonic()
                try:
                    status, _ = self.request(conn, "POST", "/v1/live/%s/frames?%s" % (sid, q),
                                             self.jpeg, {"Content-Type": "image/jpeg"})
                except (OSError, http.client.HTTPException) as e:
                    status = "conn:" + type(e).__name__
                    conn.close()
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                done = time.monotonic()
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200:
                    self.latencies_ms.append((done - sent) * 1000.0)
                # One frame a second on the client's schedule; a late frame goes at once.
                next_at = max(next_at + 1.0, done)
        except Exception as e:  # reported, not raised: the other clients keep going
            self.error = "%s: %s" % (type(e).__name__, e)
        finally:
            if sid:
                try:
                    self.request(conn, "DELETE", "/v1/live/" + sid)
                except (OSError, http.client.HTTPException):
                    pass
            conn.close()


def run_level(host, port, jpeg, n, duration):
    barrier = threading.Barrier(n + 1)
    base = time.monotonic() + 0.5 + 0.01 * n  # sessions are made before the clock starts
    clients = [Client(host, port, jpeg, base + random.random(), base + duration, barrier)
               for _ in range(n)]
    for c in clients:
        c.start()
    try:
        barrier.wait(timeout=60)
    except threading.BrokenBarrierError:
        pass
    for c in clients:
        c.join(duration + 90)
    lat = [x for c in clients for x in c.latencies_ms]
    statuses = {}
    for c in clients:
        for k, v in c.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    errors = [c.error for c in clients if c.error]
    return lat, statuses, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--jpeg", required=True, help="the frame every client sends")
    ap.add_argument("--clients", default="1,2,4,8,16,32,64")
    ap.add_argument("--duration", type=float, default=25.0, help="seconds per N")
    ap.add_argument("--p95-ms", type=float, default=200.0)
    ap.add_argument("--all", action="store_true", help="run every N even above the threshold")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    random.seed(a.seed)
    u = urllib.parse.urlparse(a.url)
    host, port = u.hostname, u.port or 80
    with open(a.jpeg, "rb") as f:
        jpeg = f.read()
    levels = [int(x) for x in a.clients.split(",") if x.strip()]
    print("live_load: %s, %d-byte JPEG, %.0f s per N" % (a.url, len(jpeg), a.duration))
    print("| clients | frames ok | other answers | frames/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    best = 0
    for n in levels:
        lat, statuses, errors = run_level(host, port, jpeg, n, a.duration)
        other = {k: v for k, v in statuses.items() if k != 200}
        ok = len(lat)
        p95 = percentile(lat, 95)
        print("| %d | %d | %s | %.1f | %.1f | %.1f | %.1f | %.1f |" % (
            n, ok, ", ".join("%s: %d" % kv for kv in sorted(other.items(), key=str)) or "none",
            ok / a.duration, statistics.median(lat) if lat else float("nan"), p95,
            percentile(lat, 99), max(lat) if lat else float("nan")), flush=True)
        for e in errors[:3]:
            print("  client error: " + e, file=sys.stderr)
        passed = ok > 0 and not other and not errors and p95 < a.p95_ms
        if passed:
            best = n
        elif not a.all:
            break
    print("largest N with p95 < %.0f ms (and every frame answered 200): %d" % (a.p95_ms, best))


if __name__ == "__main__":
    main()
