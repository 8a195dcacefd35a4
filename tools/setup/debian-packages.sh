#!/usr/bin/env bash
# Installs the Debian packages the lab and the real-kernel tests use, if any is missing.
set -euo pipefail
packages=(iproute2 iptables nftables openvpn tinyproxy stunnel4 prometheus tcpdump iperf3 conntrack curl procps util-linux iputils-ping openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "overlap: missing Debian packages (${missing[*]}); install them as root" >&2
  exit 1
fi
echo "overlap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian starts these as services on install; the lab runs its own instances.
for svc in prometheus tinyproxy stunnel4 openvpn; do
  systemctl disable --now "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
done
