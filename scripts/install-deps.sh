#!/usr/bin/env bash
# Installs the Debian 12 packages blackbox needs to build, run and test.
#
# One script for every place that needs them (make run, make test, CI and the
# Dockerfile), so the lists can never drift apart. It is idempotent: when
# everything is present it only checks, and never calls apt-get.
set -euo pipefail

packages=(
    # build
    gcc make pkg-config libc6-dev
    nginx nginx-dev
    libpq-dev libhiredis-dev libjwt-dev libssl-dev libjansson-dev
    libcurl4-openssl-dev libsrt-gnutls-dev
    libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
    # run
    postgresql redis-server python3-aiosmtpd
    # test and bench
    perl ffmpeg srt-tools curl wrk chromium faketime
    # Korean text in the browser tests' screenshots
    fonts-nanum
    # the README's curl walk-through
    jq
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
# node and npm (the web app's players, the browser tests) are looked for as
# commands: a Node.js from elsewhere (NodeSource) bundles npm and conflicts
# with Debian's npm package.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # Debian's postinst scripts would start system-wide nginx, PostgreSQL and
    # Redis; blackbox runs its own copies, so keep the system ones down.
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages pinned by package-lock.json (the players make copies into
# html/vendor/, playwright-core for the browser tests), when node_modules is
# missing or older than the lock file.  Skipped where the sources are not
# there yet: the Dockerfile runs this script before copying them.
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$repo/package-lock.json" ] &&
   [ ! "$repo/node_modules/.package-lock.json" -nt "$repo/package-lock.json" ]
then
    echo "install-deps: npm ci"
    (cd "$repo" && npm ci --no-audit --no-fund)
fi

# Services started by root drop to this unprivileged account: PostgreSQL
# refuses to run as root, and nothing else needs root either.
if [ "$(id -u)" -eq 0 ] && ! id blackbox >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /nonexistent \
            --shell /usr/sbin/nologin blackbox
fi
