#!/usr/bin/env bash
# scripts/deps.sh: install the Debian 12 packages framefit needs, only those
# missing, so a second run costs one dpkg query. Sourced by run.sh/test.sh.
# It sets no shell options: a sourced file's `set -e` is the caller's, and
# test.sh, which must go on past a failed step, once ended at the first one.

FF_PKGS_BUILD="build-essential autoconf automake pkg-config darknet libopenblas-dev
 libfcgi-dev libgd-dev libmariadb-dev libexif-dev libjpeg-dev libssl-dev libxml2-dev check"
FF_PKGS_RUN="mariadb-server mariadb-client lighttpd curl apache2-utils procps"
FF_PKGS_TEST="apache2 libapache2-mod-fcgid spawn-fcgi clang libclang-rt-14-dev wrk
 chromium ffmpeg imagemagick jq bc libxml2-utils libfcgi-bin apache2-utils
 python3 python3-numpy python3-pil slurm-wlm munge systemd openssl"

# Node.js may come from outside Debian (then Debian's npm conflicts with
# it): install Debian's only when there is no npm at all.
ff_node_pkgs() {
	command -v npm >/dev/null 2>&1 || echo "nodejs npm"
}

ff_install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "framefit: installing ${missing[*]}" >&2
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	# apt's chatter goes to a log: CI shows only the head of the output.
	local log=${TMPDIR:-/tmp}/framefit-apt.log
	if ! { $sudo apt-get update -q && $sudo apt-get install -y -q \
	    --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		echo "framefit: apt-get failed (whole log: $log)" >&2
		return 1
	fi
}
