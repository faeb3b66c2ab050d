#!/usr/bin/env python3
"""Crash test (issue 7): SIGKILL `moodtune serve` while it is writing feedback, then check
the SQLite history file on restart.

Several clients post like/skip feedback in a loop, each with its own listener id and
sequence number; every 200 answer is remembered. After --rounds rounds of letting writes
run and killing the server mid-stream (SIGKILL, no shutdown), the script checks:
  - `PRAGMA integrity_check` says ok (WAL mode: a torn write is rolled back, not kept);
  - every feedback row the server acknowledged with 200 is in the file (nothing stored is lost);
  - the server restarts on the same file and takes new feedback.
Exit 0 ok, 1 on a failure. No timing assertions: the kill moment is random.

Usage: bench/faults/crash_feedback.py --moodtune BUILD/moodtune [--rounds 3] [--seconds 2]
"""
import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--moodtune", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0, help="writes before each kill (random up to this)")
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="moodtune-crash-")
    db = os.path.join(tmp, "history.db")
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    acked = []  # (listener, track_id, action)
    lock = threading.Lock()
    failures = []
    rng = random.Random(11)
    for rnd in range(a.rounds + 1):
        srv = faultlib.Server(a.moodtune, db, os.path.join(tmp, "serve%d.log" % rnd), cwd=src)
        if not srv.wait("/healthz"):
            failures.append("round %d: server did not start" % rnd)
            srv.kill()
            break
        # The previous kill must not have lost or damaged anything acknowledged.
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = set(con.execute("SELECT listener_id, track_id, kind FROM feedback"))
        journal = con.execute("PRAGMA journal_mode").fetchone()[0]
        con.close()
        if check != "ok":
            failures.append("round %d: integrity_check: %s" % (rnd, check))
        missing = [r for r in acked if r not in rows]
        if missing:
            failures.append("round %d: %d acknowledged rows lost, e.g. %r" % (rnd, len(missing), missing[:3]))
        print("round %d: journal_mode=%s integrity=%s acknowledged=%d rows=%d" %
              (rnd, journal, check, len(acked), len(rows)))
        if rnd == a.rounds:
            st, _, b = faultlib.request(srv.port, "POST", "/v1/feedback",
                                        json.dumps({"listener": "after-crash", "track_id": 1, "action": "like"}),
                                        {"Content-Type": "application/json"})
            if st != 200:
                failures.append("after restart feedback answered %d %r" % (st, b[:100]))
            srv.kill(signal.SIGTERM)
            break
        stop = threading.Event()

        def writer(cid):
            i = 0
            while not stop.is_set():
                listener = "crash-r%d-c%d-%d" % (rnd, cid, i)
                track = 1 + (i % 50)
                action = "like" if i % 2 == 0 else "skip"
                try:
                    st, _, _ = faultlib.request(srv.port, "POST", "/v1/feedback",
                                                json.dumps({"listener": listener, "track_id": track, "action": action}),
                                                {"Content-Type": "application/json"}, timeout=10)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone (killed mid-answer)
                if st == 200:
                    with lock:
                        acked.append((listener, track, action))
                i += 1

        threads = [threading.Thread(target=writer, args=(c,)) for c in range(a.clients)]
        for t in threads:
            t.start()
        time.sleep(0.2 + rng.random() * a.seconds)
        srv.kill(signal.SIGKILL)  # mid-write: clients are still posting
        stop.set()
        for t in threads:
            t.join()
    for f in failures:
        print("FAIL:", f)
    print("%d acknowledged feedback rows across %d kills, %d failures" % (len(acked), a.rounds, len(failures)))
    if not acked:
        print("FAIL: no feedback was acknowledged")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
