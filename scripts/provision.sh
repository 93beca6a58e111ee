#!/usr/bin/env bash
# Provision a Debian 12 machine (as root) for migbench: Podman with runc and its
# REST service, and a Docker engine with
# experimental mode (checkpoint needs it), a CRIU that passes `criu check` on
# the running kernel, and a running dockerd. Idempotent: every step checks
# first and does nothing when its job is already done.
#
# Why CRIU is built: Debian 12's criu 3.17 fails on recent kernels
# ("vdso: Unexpected rt vDSO area bounds"); CRIU 4.x from Debian trixie's
# source package works. Installing trixie's binary package would drag in a
# libc upgrade, so only its source is used.
set -euo pipefail

CRIU_PREFIX=/usr/local/sbin
CRIU_BUILD_DIR=/var/cache/migbench/criu
DOCKER_LOG=/var/log/migbench-dockerd.log
DOCKER_SOCK=/var/run/docker.sock
PODMAN_SOCK=/run/podman/podman.sock
PODMAN_LOG=/var/log/migbench-podman.log

log() { printf '[provision] %s\n' "$*"; }
die() { printf '[provision] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (the engine, CRIU and cgroups need it)"
export DEBIAN_FRONTEND=noninteractive
export PATH="$CRIU_PREFIX:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

apt_updated=0
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
    log "installing ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

criu_works() {
    command -v criu >/dev/null || return 1
    local version
    version=$(criu --version 2>/dev/null | sed -n 's/^Version: *\([0-9]*\).*/\1/p')
    [ -n "$version" ] && [ "$version" -ge 4 ] || return 1
    criu check >/dev/null 2>&1
}

# --- Docker engine -----------------------------------------------------------
apt_install docker.io iproute2 procps util-linux xz-utils ca-certificates curl
mkdir -p /etc/docker
if ! grep -q '"experimental": *true' /etc/docker/daemon.json 2>/dev/null; then
    log "enabling experimental mode in /etc/docker/daemon.json"
    echo '{"experimental": true}' > /etc/docker/daemon.json
    if [ -S "$DOCKER_SOCK" ] && [ -f /var/run/docker.pid ]; then
        log "restarting dockerd to pick up experimental mode"
        kill "$(cat /var/run/docker.pid)" || true
        for _ in $(seq 60); do [ -f /var/run/docker.pid ] || break; sleep 0.5; done
    fi
fi

# --- CRIU ----------------------------------------------------------------------
if criu_works; then
    log "criu $(criu --version | sed -n 's/^Version: //p') already works"
else
    apt_install build-essential pkg-config libprotobuf-dev libprotobuf-c-dev \
        protobuf-c-compiler protobuf-compiler python3-protobuf libnl-3-dev libnet1-dev \
        libcap-dev libbsd-dev libgnutls28-dev libnftables-dev uuid-dev libaio-dev dpkg-dev
    src_list=/etc/apt/sources.list.d/migbench-trixie-src.sources
    if [ ! -f "$src_list" ]; then
        log "adding a deb-src entry for Debian trixie (source only)"
        uris=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
        keyring=$(sed -n 's/^Signed-By: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
        printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
            "${uris:-http://deb.debian.org/debian}" \
            "${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}" > "$src_list"
        apt-get update -qq
        apt_updated=1
    fi
    mkdir -p "$CRIU_BUILD_DIR"
    cd "$CRIU_BUILD_DIR"
    if ! ls criu_4.*.orig.tar.* >/dev/null 2>&1; then  # the .dsc may 404: only the tarball matters
        log "fetching CRIU 4.x source"
        # The .dsc may be missing from the mirror (404) after the tarball arrived: tolerated.
        apt-get source -qq --download-only criu/trixie >/dev/null 2>&1 || true
    fi
    tarball=$(ls criu_4.*.orig.tar.* 2>/dev/null | head -n1 || true)
    [ -n "$tarball" ] || die "could not fetch CRIU 4.x source (apt-get source -t trixie criu)"
    tree=$(tar -tf "$tarball" | awk -F/ 'NR == 1 { print $1 }')
    [ -d "$tree" ] || tar -xf "$tarball"
    log "building CRIU from $tarball (about a minute)"
    make -C "$tree" -j"$(nproc)" criu >"$CRIU_BUILD_DIR/build.log" 2>&1 \
        || die "CRIU build failed, see $CRIU_BUILD_DIR/build.log"
    install -m 0755 "$tree/criu/criu" "$CRIU_PREFIX/criu"
    criu_works || die "criu check fails with the built CRIU: run 'criu check' to see why"
    log "installed $(criu --version | head -n1) at $CRIU_PREFIX/criu"
fi

# --- dockerd -------------------------------------------------------------------
if docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1; then
    log "dockerd already answers on $DOCKER_SOCK"
else
    log "starting dockerd (log: $DOCKER_LOG)"
    # runc calls `criu` from PATH: the built CRIU must come first.
    PATH="$CRIU_PREFIX:$PATH" nohup dockerd >"$DOCKER_LOG" 2>&1 </dev/null &
    for _ in $(seq 120); do
        docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1 && break
        sleep 0.5
    done
    docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1 || die "dockerd did not come up, see $DOCKER_LOG"
fi
experimental=$(docker -H "unix://$DOCKER_SOCK" version -f '{{.Server.Experimental}}' 2>/dev/null || echo false)
[ "$experimental" = true ] || die "dockerd runs without experimental mode: stop it and run this script again"

# --- OpenSSH ---------------------------------------------------------------------
# Emulated hosts run an sshd of their own (`migbench host up --ssh`, and runs with
# transfer.mode = "ssh"); the system's sshd service is never started here. A
# policy-rc.d that forbids starting services is put in place for the install
# (and removed after it) unless the machine has one already.
if ! dpkg-query -W -f='${Status}' openssh-server 2>/dev/null | grep -q 'install ok installed'; then
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 0755 "$policy"
        trap 'rm -f "$policy"' EXIT
        apt_install openssh-server openssh-client
        rm -f "$policy"
        trap - EXIT
    else
        apt_install openssh-server openssh-client
    fi
fi
apt_install openssh-client
# sshd refuses to start without its privilege-separation directory (tmpfs: gone after a reboot).
mkdir -p /run/sshd
chmod 0755 /run/sshd

# --- Podman --------------------------------------------------------------------
# Podman 4.3 + runc from Debian 12 (Debian's crun is built without CRIU: runc).
# Its REST service (`podman system service`) is started per use by migbench
# (`migbench host up --engine podman`, or `podman system service` by hand); here
# only a local service for the default endpoint, and the workload image is
# built into its store by migbench itself (`migbench image build --engine podman`).
apt_install podman runc uidmap slirp4netns fuse-overlayfs
mkdir -p /etc/containers
if ! grep -q '^runtime *= *"runc"' /etc/containers/containers.conf 2>/dev/null; then
    log "making runc Podman's runtime (/etc/containers/containers.conf)"
    printf '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' \
        > /etc/containers/containers.conf
fi
if curl -sf --unix-socket "$PODMAN_SOCK" http://d/v4.0.0/libpod/_ping >/dev/null 2>&1; then
    log "podman service already answers on $PODMAN_SOCK"
else
    log "starting the podman service on $PODMAN_SOCK (log: $PODMAN_LOG)"
    mkdir -p "$(dirname "$PODMAN_SOCK")"
    PATH="$CRIU_PREFIX:$PATH" nohup podman system service --time=0 "unix://$PODMAN_SOCK" \
        >"$PODMAN_LOG" 2>&1 </dev/null &
    for _ in $(seq 60); do
        curl -sf --unix-socket "$PODMAN_SOCK" http://d/v4.0.0/libpod/_ping >/dev/null 2>&1 && break
        sleep 0.5
    done
    curl -sf --unix-socket "$PODMAN_SOCK" http://d/v4.0.0/libpod/_ping >/dev/null 2>&1 \
        || die "the podman service did not come up, see $PODMAN_LOG"
fi
# --- Prometheus node exporter ---------------------------------------------------
# For `[target] metrics`: a remote target runs one, and the tests start one on
# loopback. Never started here as a service: unless the machine has a
# policy-rc.d of its own (left as it is), one that says no (exit 101) keeps the
# package's init script from starting it during the install, then goes.
if ! dpkg-query -W -f='${Status}' prometheus-node-exporter 2>/dev/null | grep -q 'install ok installed'; then
    policy=/usr/sbin/policy-rc.d
    if [ -e "$policy" ]; then
        apt_install prometheus-node-exporter
    else
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        trap 'rm -f "$policy"' EXIT
        apt_install prometheus-node-exporter
        rm -f "$policy"
        trap - EXIT
    fi
fi

log "ready: docker $(docker -H "unix://$DOCKER_SOCK" version -f '{{.Server.Version}}'), $(podman --version), criu $(criu --version | sed -n 's/^Version: //p')"
