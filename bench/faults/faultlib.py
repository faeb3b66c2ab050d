"""Helpers shared by the fault scripts: start `moodtune serve` on 127.0.0.1 with a free port,
wait for it, make HTTP requests with the standard library only, read the server's RSS.

Everything here talks to 127.0.0.1 only.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import time
import uuid

FACES = "/usr/share/doc/libdlib19.1/examples/faces"
FACE_PHOTO = os.path.join(FACES, "2009_004587.jpg")
SKIP = 77  # CTest SKIP_RETURN_CODE


class Server:
    """`moodtune serve --port 0` with MOODTUNE_* options; the log goes to `log_path`."""

    def __init__(self, binary, db, log_path, env=None, cwd=None):
        e = dict(os.environ)
        e.update({"MOODTUNE_HOST": "127.0.0.1", "MOODTUNE_ACCESS_LOG": "false"})
        e.update({k: str(v) for k, v in (env or {}).items()})
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--db", db],
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=e, cwd=cwd)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + open(log_path, errors="replace").read())
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", open(log_path, errors="replace").read())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        if self.port is None:
            self.kill()
            raise RuntimeError("server did not print its port")

    def wait(self, path, deadline_s=120):
        end = time.time() + deadline_s
        while time.time() < end:
            try:
                if request(self.port, "GET", path)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait()
        self.log.close()


def request(port, method, path, body=None, headers=None, timeout=60):
    """(status, headers dict, body bytes). A new connection per call."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def multipart(field, data, content_type="image/jpeg", filename="photo.jpg"):
    boundary = "moodtune" + uuid.uuid4().hex
    body = (("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
             "Content-Type: %s\r\n\r\n") % (boundary, field, filename, content_type)).encode()
    body += data + ("\r\n--%s--\r\n" % boundary).encode()
    return body, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def error_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except Exception:  # noqa: BLE001 - any non-error body
        return None
