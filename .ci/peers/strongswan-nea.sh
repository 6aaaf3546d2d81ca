#!/usr/bin/env bash
# Builds the reference NEA client for the interop tests: strongSwan's pt-tls-client with the
# tnccs-20 (PB-TNC) and tnc-imc plugins and the OS IMC (imc-os).
#
# Why a build: Debian ships /usr/bin/pt-tls-client (libcharon-extra-plugins) but without the
# tnccs-20 and tnc-imc plugins and without libimcv's IMCs, so it cannot send any posture. The
# source is Debian's own strongswan source package (apt-get source), configured with only what
# the client needs; it installs under $PREFIX and touches nothing else. About a minute on 2 cores.
#
# Usage: .ci/peers/strongswan-nea.sh [PREFIX]   (default /opt/kenneki-peers/strongswan; the tests
# read KENNEKI_STRONGSWAN_PREFIX, same default). Needs root for apt-get. Idempotent.
set -euo pipefail

PREFIX="${1:-${KENNEKI_STRONGSWAN_PREFIX:-/opt/kenneki-peers/strongswan}}"
# The configure line is part of the stamp: changing it rebuilds.
CONFIGURE_FLAGS=(
  --disable-defaults
  # crypto and credential plugins the client needs to check the server's certificate chain
  --enable-openssl --enable-pem --enable-x509 --enable-pkcs1 --enable-pkcs8 --enable-pubkey
  --enable-nonce --enable-random --enable-sha1 --enable-sha2 --enable-constraints
  # NEA: PB-TNC broker, IF-IMC host, the OS collector (pt-tls-client comes with libtnccs)
  --enable-tnc-imc --enable-tnccs-20 --enable-imc-os
  # nothing of the IKE daemon or its tools
  --disable-charon --disable-stroke --disable-pki --disable-swanctl --disable-scripts
  --disable-kernel-netlink --disable-socket-default --disable-updown --disable-attr --disable-resolve
)
STAMP="$PREFIX/.kenneki-build"
WANT="$(printf '%s\n' "${CONFIGURE_FLAGS[@]}" | sha256sum | cut -c1-16)"

if [[ -x "$PREFIX/bin/pt-tls-client" && -f "$PREFIX/lib/ipsec/imcvs/imc-os.so" && "$(cat "$STAMP" 2>/dev/null || true)" == "$WANT"* ]]; then
  echo "strongswan-nea: up to date in $PREFIX"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# apt-get source needs deb-src entries; add them for the suites the machine already uses.
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/kenneki-deb-src.sources <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends build-essential pkg-config libssl-dev dpkg-dev bzip2 xz-utils autoconf automake libtool >/dev/null

WORK="$(mktemp -d)"
[[ -n "${KEEP_WORK:-}" ]] || trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# The newest source version listed may not be on the mirror yet: try each, newest first.
fetched=""
for v in $(apt-cache showsrc strongswan | awk '/^Version:/ {print $2}' | sort -r -V -u); do
  if apt-get source -qq --download-only "strongswan=$v" >/dev/null 2>&1; then fetched="$v"; break; fi
done
[[ -n "$fetched" ]] || { echo "strongswan-nea: could not download the strongswan source package" >&2; exit 1; }
echo "strongswan-nea: building strongswan $fetched (Debian source) into $PREFIX"
dpkg-source --no-check -x strongswan_*.dsc src >/dev/null
cd src
# Debian's patches touch Makefile.am files, so regenerate the build system as Debian's own build
# (dh_autoreconf) does.
autoreconf -fi >"$WORK/autoreconf.log" 2>&1 || { tail -30 "$WORK/autoreconf.log" >&2; exit 1; }
./configure -q --prefix="$PREFIX" --sysconfdir="$PREFIX/etc" "${CONFIGURE_FLAGS[@]}" >"$WORK/configure.log" 2>&1 \
  || { tail -30 "$WORK/configure.log" >&2; exit 1; }
make -j"$(nproc)" >"$WORK/make.log" 2>&1 || { tail -30 "$WORK/make.log" >&2; exit 1; }
rm -rf "$PREFIX"
make install >"$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log" >&2; exit 1; }
echo "$WANT strongswan $fetched" > "$STAMP"
"$PREFIX/bin/pt-tls-client" --help 2>&1 | grep -q 'Usage: pt-tls' || { echo "strongswan-nea: built client does not run" >&2; exit 1; }
echo "strongswan-nea: ready: $PREFIX/bin/pt-tls-client"
