#!/usr/bin/env bash
# Makes `docker compose` work so tests/journeys/test_compose.py can check docker-compose.yml with
# `docker compose config`. CI machines often have only the docker client, and Debian's
# docker-compose package is the old Python v1, so this builds the Compose v2 CLI plugin from
# the Go module proxy and installs it as $DOCKER_CONFIG/cli-plugins/docker-compose.
#
# Idempotent: does nothing when `docker compose version` already works. Never fails: when it
# cannot build, it says why and the compose test skips itself.
# Go's default module and build caches are reused, so a rebuild after the first is quick.
# Measured on 2 shared cores (Go 1.26): 100-110 s from empty caches (about 0.5 GB of modules, 0.9 GB of build
# cache), 2 s with warm caches.
set -uo pipefail

version="${COMPOSE_PLUGIN_VERSION:-v2.40.3}"
module="github.com/docker/compose/v2"
plugin_dir="${DOCKER_CONFIG:-${HOME:-/root}/.docker}/cli-plugins"

say() { echo "install-compose: $*"; }

if ! command -v docker >/dev/null; then
    say "no docker client on PATH; nothing to install (the compose test will skip)"
    exit 0
fi
if docker compose version >/dev/null 2>&1; then
    say "already works: $(docker compose version 2>&1 | head -n 1)"
    exit 0
fi
if ! command -v go >/dev/null; then
    say "docker compose is missing and Go is not installed, so it cannot be built (the compose test will skip)"
    exit 0
fi

build() {
    local info src tmp log
    say "building $module $version with $(go version | cut -d' ' -f3) (Go caches: $(go env GOMODCACHE), $(go env GOCACHE))"
    # `go install module/cmd@version` refuses compose: its go.mod has exclude directives. So fetch
    # the module source and build its cmd/ package as the main module instead.
    info=$(go mod download -json "$module@$version" 2>&1)
    src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")
    if [ -z "$src" ] || [ ! -d "$src" ]; then
        say "go mod download $module@$version failed: $(grep -m1 '"Error"' <<<"$info" || tail -n 1 <<<"$info")"
        return 1
    fi
    mkdir -p "$plugin_dir" || return 1
    tmp="$plugin_dir/.docker-compose.$$"
    # Static binary (no C toolchain needed), version stamped as upstream's release build does.
    # Go lists every module it downloads (~180 lines): keep them out of the CI log unless it fails.
    log=$(mktemp) || return 1
    if ! (cd "$src" && CGO_ENABLED=0 timeout 1200 go build -trimpath \
        -ldflags "-s -w -X $module/internal.Version=$version" -o "$tmp" ./cmd) >"$log" 2>&1; then
        tail -n 30 "$log" | sed 's/^/install-compose:   /'
        rm -f "$tmp" "$log"
        return 1
    fi
    rm -f "$log"
    mv -f "$tmp" "$plugin_dir/docker-compose"
}

start=$(date +%s)
if build && docker compose version >/dev/null 2>&1; then
    say "installed $plugin_dir/docker-compose in $(($(date +%s) - start)) s: $(docker compose version 2>&1 | head -n 1)"
else
    say "could not build docker compose $version after $(($(date +%s) - start)) s; the compose test will skip"
fi
exit 0
