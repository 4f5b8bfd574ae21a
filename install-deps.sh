#!/usr/bin/env bash
# Installs the Debian packages zk2kraft needs to build and test, if any are missing.
# As root it runs apt-get; otherwise it prints the exact command and exits 2.
set -euo pipefail

packages=(
  build-essential clang libclang-rt-14-dev pkg-config python3
  libjansson-dev libuv1-dev libssl-dev libxml2-dev libxml2-utils libcmocka-dev
  libzookeeper-mt-dev zookeeper default-jre-headless
  librdkafka-dev kcat python3-kafka python3-kazoo
  netcat-openbsd procps openssl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "zk2kraft: missing Debian packages. Run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 2
fi
echo "zk2kraft: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
