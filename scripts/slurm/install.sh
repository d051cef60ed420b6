#!/usr/bin/env bash
# Installs the packages of the Slurm dev cluster (Debian 12 / bookworm, Slurm 22.05, as root).
# Idempotent: when every package is already installed it does nothing and touches no network.
# The daemons are started by scripts/slurm/up.sh, never by the packages (no systemd assumed).
set -euo pipefail

packages=(slurmctld slurmd slurmrestd slurm-client munge slurm-wlm-jwt-plugin curl iproute2 procps)
# --accounting: also slurmdbd and MariaDB, for up.sh's ZHISUAN_SLURM_ACCOUNTING=slurmdbd (real
# `sacct` history; CI does not need it)
for arg in "$@"; do
  case "$arg" in
    --accounting) packages+=(slurmdbd mariadb-server) ;;
    *) echo "install.sh: unknown argument '$arg' (only --accounting)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "install.sh: must run as root" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
  [ "$status" = installed ] || missing+=("$p")
done

if [ "${#missing[@]}" = 0 ]; then
  echo "slurm dev cluster packages already installed ($(dpkg-query -W -f='${Version}' slurmctld))"
  exit 0
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Where systemd is PID 1 the postinst scripts would start the daemons with Debian's empty
# config; up.sh runs its own, so keep the packaged services from starting during install.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 0755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "installed slurm $(dpkg-query -W -f='${Version}' slurmctld)"
