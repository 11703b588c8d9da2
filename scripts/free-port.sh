#!/usr/bin/env bash
# scripts/free-port.sh: print a TCP port on 127.0.0.1 that nothing listens
# on, for a test's or benchmark's own server. Plain bash (/dev/tcp): a
# fresh Debian has no python3. Random in 20000-32767 so that tests running
# side by side rarely pick the same one, and below Linux's ephemeral range
# (ip_local_port_range, 32768 up): a port there can be the local end of
# any outgoing connection (or its TIME_WAIT) at the moment the server
# binds, which a refused connect here cannot see. A refused connect
# means free.
for _ in $(seq 1 200); do
	p=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "$p"
		exit 0
	fi
done
echo "free-port.sh: no free port found" >&2
exit 1
