#!/usr/bin/python3
"""tryon_client.py: a closed-loop HTTP/1.1 load client for
bench/bench_phone.sh: CONNS keep-alive connections, each sending one
try-on after another for DURATION seconds, the photos in turn.

    tryon_client.py MODE URL SKUS OUT.tsv PHOTO...
    (CONNS, DURATION, WARMUP from the environment)

MODE says what one try-on is:
  post  framefit's POST /tryon (multipart, as the upload form sends it),
        answered 303 to the result page: what bench_web.sh counts;
  full  that POST, then what a browser fetches after it: the result page
        /t/{token} and the picture /t/{token}/{sku}.jpg (the frame drawn);
  peer  the peer's POST /tryon, answered with the picture (bench/peer/).
A try-on counts when every answer in it is the expected status (303, 200,
200; or 200). Its latency is from the first byte sent to the last byte of
the last answer.

OUT.tsv gets one line per try-on: photo, ok (1/0), latency ms, then the
Server-Timing entries of its answers as name=ms (the render's prefixed
"render."). Printed at the end, one line:
  tryons N secs S rate R p50 MS p99 MS bad B

    tryon_client.py stages OUT.tsv

prints the medians of each Server-Timing stage per photo variant, and

    tryon_client.py summary SECS OUT.tsv

that line again for the rows of several runs (SECS their total), and

    tryon_client.py compare NAME=OUT.tsv ... PEER=OUT.tsv

the median latency per photo variant of each run, and the last one's
over each other's.
Plain sockets, no library: the client must cost little beside the servers
on the same two cores (it does about 1 ms of CPU a try-on).
"""
import os
import re
import socket
import sys
import threading
import time
from urllib.parse import urlsplit

BOUNDARY = "framefit-bench-4f9c2a7d1e6b"


def form(sku, name, jpg):
    """A multipart/form-data body (RFC 7578 §4): the frame, then the photo."""
    b = BOUNDARY.encode()
    return (b"--" + b + b"\r\n"
            b'Content-Disposition: form-data; name="frame"\r\n\r\n' +
            sku.encode() + b"\r\n--" + b + b"\r\n"
            b'Content-Disposition: form-data; name="photo"; filename="' +
            name.encode() + b'"\r\nContent-Type: image/jpeg\r\n\r\n' +
            jpg + b"\r\n--" + b + b"--\r\n")


class Conn:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, host, port):
        self.addr = (host, port)
        self.host = "%s:%d" % (host, port)
        self.sock = None
        self.buf = b""

    def _open(self):
        self.sock = socket.create_connection(self.addr)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def _fill(self):
        d = self.sock.recv(262144)
        if not d:
            raise ConnectionError("closed")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def request(self, method, path, body=b"", ctype=None):
        """Send one request; return (status, headers dict, body)."""
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, self.host)
        if ctype:
            head += "Content-Type: %s\r\n" % ctype
        if method == "POST":
            head += "Content-Length: %d\r\n" % len(body)
        msg = head.encode() + b"\r\n"
        for attempt in (0, 1):
            fresh = self.sock is None
            if fresh:
                self._open()
            try:
                self.sock.sendall(msg)
                if body:
                    self.sock.sendall(body)
                return self._response(method)
            except (ConnectionError, OSError):
                self.close()
                # A keep-alive connection the server closed meanwhile:
                # once more on a new one.
                if fresh or attempt:
                    raise
        raise ConnectionError("unreachable")

    def _response(self, method):
        status = int(self._line().split(b" ", 2)[1])
        hdr = {}
        while True:
            line = self._line()
            if not line:
                break
            k, _, v = line.partition(b":")
            k = k.strip().lower().decode()
            v = v.strip().decode("latin-1")
            hdr[k] = hdr[k] + ", " + v if k in hdr else v
        body = b""
        if method == "HEAD" or status in (204, 304):
            pass
        elif hdr.get("transfer-encoding", "").lower() == "chunked":
            while True:
                n = int(self._line().split(b";")[0], 16)
                if n == 0:
                    while self._line():
                        pass
                    break
                body += self._take(n)
                self._take(2)
        elif "content-length" in hdr:
            body = self._take(int(hdr["content-length"]))
        else:
            try:
                while True:
                    self._fill()
            except ConnectionError:
                pass
            body, self.buf = self.buf, b""
            self.close()
        if hdr.get("connection", "").lower() == "close":
            self.close()
        return status, hdr, body


TIMING = re.compile(r"([A-Za-z0-9_.-]+)\s*;\s*dur=([0-9.]+)")


def timings(hdr, prefix=""):
    return ["%s%s=%s" % (prefix, k, v)
            for k, v in TIMING.findall(hdr.get("server-timing", ""))]


def tryon(conn, mode, req):
    """One try-on: (ok, timing entries)."""
    sku, body = req
    ctype = "multipart/form-data; boundary=" + BOUNDARY
    st, hdr, _ = conn.request("POST", "/tryon", body, ctype)
    t = timings(hdr)
    if mode == "peer":
        return st == 200, t
    if st != 303:
        return False, t
    if mode == "post":
        return True, t
    loc = hdr.get("location", "")
    path = urlsplit(loc).path
    st2, _, _ = conn.request("GET", path)
    st3, hdr3, jpg = conn.request("GET", "%s/%s.jpg" % (path, sku))
    t += timings(hdr3, "render.")
    return st2 == 200 and st3 == 200 and jpg[:2] == b"\xff\xd8", t


STAGES = ["receive", "decode", "detect", "store", "db", "total",
          "render.db", "render.decode", "render.draw", "render.encode",
          "render.total"]


def median(v):
    v = sorted(v)
    n = len(v)
    return (v[(n - 1) // 2] + v[n // 2]) / 2 if n else None


def stages(path):
    """The medians of each Server-Timing stage, per photo variant (the
    name less its source number) and over all, from a run's OUT.tsv."""
    by = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 4 or f[1] != "1":
            continue
        variant = f[0].split("-", 1)[-1].rsplit(".", 1)[0]
        for key in (variant, "all"):
            d = by.setdefault(key, {"latency": []})
            d["latency"].append(float(f[2]))
            for kv in f[3].split():
                k, _, v = kv.partition("=")
                d.setdefault(k, []).append(float(v))
    cols = [s for s in STAGES if any(s in d for d in by.values())]
    print("  %-16s %5s %8s" % ("photo", "n", "latency") +
          "".join(" %*s" % (max(6, len(c)), c) for c in cols))
    for key in sorted(by, key=lambda k: (k == "all", k)):
        d = by[key]
        row = "  %-16s %5d %8.1f" % (key, len(d["latency"]), median(d["latency"]))
        for c in cols:
            m = median(d.get(c, []))
            row += " %*s" % (max(6, len(c)), "-" if m is None else "%.1f" % m)
        print(row)


def summary(rows, secs):
    """The line bench_phone.sh reads: try-ons, rate, p50, p99, failures."""
    good = sorted(ms for _, ok, ms, _ in rows if ok)
    bad = sum(1 for r in rows if not r[1])
    n = len(good)

    def pct(q):
        return good[min(n - 1, int(q * n))] if n else 0.0

    print("tryons %d secs %.1f rate %.2f p50 %.0f p99 %.0f bad %d" %
          (n, secs, n / secs, pct(0.5), pct(0.99), bad))


def read_rows(path):
    rows = []
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 3:
            rows.append((f[0], f[1] == "1", float(f[2]), None))
    return rows


def compare(paths):
    """Median latency per photo variant in each run's OUT.tsv (name=path),
    and the last run's (the peer's) over each other one: with every side
    busy on the same connections, how much longer a photo of that kind
    takes there."""
    names, by = [], {}
    for arg in paths:
        name, _, path = arg.partition("=")
        names.append(name)
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 3 and f[1] == "1":
                v = f[0].split("-", 1)[-1].rsplit(".", 1)[0]
                by.setdefault(v, {}).setdefault(name, []).append(float(f[2]))
    base = names[-1]
    print("  %-16s" % "photo" + "".join(" %9s" % n for n in names) +
          "".join(" %12s" % ("%s/%s" % (base, n)) for n in names[:-1]))
    for v in sorted(by):
        m = {n: median(by[v].get(n, [])) for n in names}
        row = "  %-16s" % v + "".join(
            " %9s" % ("-" if m[n] is None else "%.0f" % m[n]) for n in names)
        for n in names[:-1]:
            ok = m[n] and m[base]
            row += " %12s" % ("%.1fx" % (m[base] / m[n]) if ok else "-")
        print(row)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "compare":
        compare(sys.argv[2:])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "stages":
        stages(sys.argv[2])
        return
    if len(sys.argv) == 4 and sys.argv[1] == "summary":
        summary(read_rows(sys.argv[3]), float(sys.argv[2]))
        return
    if len(sys.argv) < 6:
        sys.exit("usage: tryon_client.py post|full|peer URL SKUS OUT.tsv PHOTO...")
    mode, url, skus, out = sys.argv[1:5]
    photos = sys.argv[5:]
    conns = int(os.environ.get("CONNS", "4"))
    duration = float(os.environ.get("DURATION", "20"))
    warmup = int(os.environ.get("WARMUP", "1"))
    u = urlsplit(url)
    skus = skus.split(",")
    reqs = []
    for k, p in enumerate(photos):
        with open(p, "rb") as f:
            jpg = f.read()
        sku = skus[k % len(skus)]
        reqs.append((os.path.basename(p), (sku, form(sku, "selfie.jpg", jpg))))

    # Warm-up, each photo WARMUP times on one connection: caches, and
    # whether every photo gets its answer.
    c = Conn(u.hostname, u.port)
    for _ in range(warmup):
        for name, req in reqs:
            ok, _ = tryon(c, mode, req)
            if not ok:
                print("# warm-up: %s failed" % name, file=sys.stderr)
    c.close()

    rows = []
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + duration

    def worker(i):
        c = Conn(u.hostname, u.port)
        k = i * len(reqs) // conns
        mine = []
        while True:
            t0 = time.monotonic()
            if t0 >= deadline:
                break
            name, req = reqs[k % len(reqs)]
            k += 1
            try:
                ok, t = tryon(c, mode, req)
            except (ConnectionError, OSError, ValueError, IndexError):
                c.close()
                ok, t = False, []
            t1 = time.monotonic()
            if t1 <= deadline:
                mine.append((name, ok, (t1 - t0) * 1000, t))
        c.close()
        with lock:
            rows.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with open(out, "w") as f:
        for name, ok, ms, t in rows:
            f.write("%s\t%d\t%.1f\t%s\n" % (name, ok, ms, " ".join(t)))
    summary(rows, duration)


if __name__ == "__main__":
    main()
