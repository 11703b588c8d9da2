#!/usr/bin/env python3
# drip.py: a slow-drip upload for test_stop.sh. Sends a POST /tryon whose
# headers arrive at once and whose body (LENGTH bytes, declared in
# Content-Length) comes one byte every INTERVAL seconds, until the server
# answers or closes, or LIMIT seconds pass. Prints one line:
#   cut S STATUS    the server ended it after S seconds (STATUS: the HTTP
#                   status it sent, or - for a bare close)
#   open S          still sending after S seconds (LIMIT reached)
#
#   drip.py HOST PORT LENGTH INTERVAL LIMIT
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
length, interval, limit = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
s = socket.create_connection((host, port), timeout=5)
s.sendall(("POST /tryon HTTP/1.1\r\nHost: %s\r\n"
           "Content-Type: multipart/form-data; boundary=drip\r\n"
           "Content-Length: %d\r\nConnection: close\r\n\r\n" % (host, length)).encode())
t0 = time.monotonic()
s.settimeout(interval)
sent = 0
status = None
while time.monotonic() - t0 < limit:
    try:
        data = s.recv(4096)
        # An answer or a close: either way the server ended the drip.
        if data:
            status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "-"
        else:
            status = "-"
        break
    except socket.timeout:
        pass
    except OSError:
        status = "-"
        break
    if sent < length:
        try:
            s.send(b"x")
            sent += 1
        except OSError:
            status = "-"
            break
t = time.monotonic() - t0
if status is None:
    print("open %.1f" % t)
else:
    print("cut %.1f %s" % (t, status))
