#!/usr/bin/env bash
# Fetches BIRD 1.6 (Debian's `bird` package: the `bird` IPv4 and `bird6` IPv6 daemons that
# calico-node runs) without installing it: Debian's `bird` conflicts with `bird2`, which the lab
# needs as well. The package is downloaded with `apt-get download` into a cache directory and
# unpacked there with `dpkg -x`; nothing is installed system-wide except, if missing, the shared
# libraries the binaries link against.
#
# Idempotent: a second run finds the unpacked binaries, checks that they run, and prints the
# paths again. Output on stdout, one per line:
#   BIRD16_BIRD=<cache>/root/usr/sbin/bird
#   BIRD16_BIRD6=<cache>/root/usr/sbin/bird6
# (so `eval "$(scripts/fetch-bird16.sh)"` sets both). Progress and errors go to stderr.
#
# Cache directory: $BIRD16_CACHE, default <repo>/.cache/bird16 (test/integration/bird16.test.ts
# looks there, or in $FIBWARDEN_BIRD16_DIR for a directory holding `bird` and `bird6`).
# Needs root only when apt-get has to refresh its lists or install a missing library.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${BIRD16_CACHE:-$repo/.cache/bird16}
root=$cache/root
sbin=$root/usr/sbin

log() { printf 'fetch-bird16: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Shared libraries the 1.6 binaries may link against, and the Debian package that ships each.
# (bird and bird6 1.6.8 on bookworm need only libc; birdc/birdc6 need readline and tinfo.)
declare -A LIB_PACKAGE=(
  [libc.so.6]=libc6
  [libreadline.so.8]=libreadline8
  [libtinfo.so.6]=libtinfo6
  [libncurses.so.6]=libncurses6
  [libssh.so.4]=libssh-4
)

mkdir -p "$cache"
# Serialize concurrent runs (two CI steps, two test workers) on one cache.
exec 9>"$cache/.lock"
flock -w 300 9 || die "could not lock $cache/.lock within 300 s"

binaries_run() {
  local b out
  for b in bird bird6; do
    [[ -x $sbin/$b ]] || return 1
    out=$("$sbin/$b" --version 2>&1) || return 1
    [[ $out == "BIRD version 1.6."* ]] || return 1
  done
}

missing_libraries() {
  local b
  for b in bird bird6 birdc birdc6; do
    [[ -e $sbin/$b ]] || continue
    ldd "$sbin/$b" 2>/dev/null | awk '/=> not found/ { print $1 }'
  done | sort -u
}

fetch_and_unpack() {
  local deb
  deb=$(find "$cache" -maxdepth 1 -name 'bird_1.6*_*.deb' -print -quit)
  if [[ -z $deb ]]; then
    log "downloading Debian package bird (1.6) into $cache"
    # apt-get download writes into the current directory; as root it would warn that its _apt
    # sandbox user cannot write there, so download as root directly.
    if ! (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root bird >&2); then
      log "apt-get download failed; refreshing the package lists and retrying"
      apt-get update -qq >&2
      (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root bird >&2)
    fi
    deb=$(find "$cache" -maxdepth 1 -name 'bird_*.deb' -print -quit)
    [[ -n $deb ]] || die "apt-get download bird produced no .deb in $cache"
    case $(dpkg-deb -f "$deb" Version) in
      1.6.*) ;;
      *) die "$deb is BIRD $(dpkg-deb -f "$deb" Version), not 1.6 (this distribution no longer ships BIRD 1.6)" ;;
    esac
  fi
  log "unpacking $(basename "$deb") into $root"
  rm -rf "$root.tmp"
  dpkg -x "$deb" "$root.tmp"
  rm -rf "$root"
  mv "$root.tmp" "$root"
}

if ! binaries_run; then
  fetch_and_unpack
fi

missing=$(missing_libraries)
if [[ -n $missing ]]; then
  packages=()
  for lib in $missing; do
    pkg=${LIB_PACKAGE[$lib]:-}
    [[ -n $pkg ]] || die "BIRD 1.6 needs $lib, and this script does not know which Debian package ships it"
    packages+=("$pkg")
  done
  log "installing libraries BIRD 1.6 links against: ${packages[*]} (for ${missing//$'\n'/ })"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2 \
    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2; }
  missing=$(missing_libraries)
  [[ -z $missing ]] || die "still missing after install: $missing"
fi

binaries_run || die "the unpacked BIRD 1.6 binaries in $sbin do not run: $("$sbin/bird" --version 2>&1 | head -n1)"
log "$("$sbin/bird" --version 2>&1 | head -n1) ready in $sbin"
printf 'BIRD16_BIRD=%s\nBIRD16_BIRD6=%s\n' "$sbin/bird" "$sbin/bird6"
