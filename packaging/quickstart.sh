#!/usr/bin/env bash
# The README's two commands:
#   packaging/quickstart.sh demo   install what is missing, build, run the main job on the
#                                  bundled sample mailbox
#   packaging/quickstart.sh test   install what is missing, build, run the whole test suite
# Works on a fresh Debian 12 machine (as root, or with sudo).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="${BOUNCED_BUILD_DIR:-$here/build}"

packages=(build-essential cmake pkg-config
          libgmime-3.0-dev libre2-dev libpqxx-dev libyaml-cpp-dev catch2
          libgoogle-perftools-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev zlib1g-dev libsystemd-dev
          postgresql postgresql-contrib
          libetpan-dev libgnutls28-dev libsasl2-modules libmilter-dev
          dovecot-imapd postfix openssl
          clang-14 libclang-rt-14-dev python3)   # the fuzz targets (.ci/run, tests/fuzz/run.sh)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

build_all() {
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "$(nproc)" >&2
}

case "${1:-}" in
  demo)
    install_missing
    build_all
    shift
    exec "$here/packaging/demo.sh" "$build/bounced" "$@"
    ;;
  test)
    install_missing
    build_all
    cd "$build"
    exec ctest --output-on-failure -j "$(nproc)"
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
