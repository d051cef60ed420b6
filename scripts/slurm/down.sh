#!/usr/bin/env bash
# Stops the Slurm dev cluster that scripts/slurm/up.sh started, by its pid files only: jobs are
# cancelled first (so Slurm cleans up their processes), then slurmrestd, every slurmd, job steps
# orphaned by a killed slurmd, slurmctld, and munged if up.sh started it.
#   WIPE=1 (or --wipe)    also deletes the state dir: configs, controller state, spool, logs, env
#   ZHISUAN_SLURM_DIR     state dir (default /var/lib/zhisuan-slurm)
# Exits 0 when nothing is running.
set -uo pipefail
started_ns=$(date +%s%N)
WIPE="${WIPE:-0}"
for arg in "$@"; do
  case "$arg" in
    --wipe) WIPE=1 ;;
    *) echo "down.sh: unknown argument '$arg' (only --wipe)" >&2; exit 2 ;;
  esac
done
STATE_DIR="${ZHISUAN_SLURM_DIR:-/var/lib/zhisuan-slurm}"
run="$STATE_DIR/run"
spool="$STATE_DIR/spool"
export SLURM_CONF="$STATE_DIR/etc/slurm.conf"

log() { echo "down.sh: $*"; }

# A process that exited but was not reaped yet (this host's PID 1 reaps slowly) counts as gone.
alive() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# stop <pid file> <expected command name>: SIGTERM, up to 10 s, then SIGKILL. The name guards
# against a stale pid file whose pid now belongs to something else.
stop() {
  local file=$1 comm=$2 pid
  [ -s "$file" ] || { rm -f "$file"; return 0; }
  pid="$(cat "$file")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "$comm ($pid) ignored SIGTERM for 10 s; killing it"
      kill -9 "$pid" 2>/dev/null
    fi
    log "stopped $comm ($pid)"
  fi
  rm -f "$file"
}

descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$c"
    echo "$c"
  done
}

if [ -d "$run" ]; then
  # 1. Cancel every job while the daemons still run, and give Slurm up to 10 s to end them.
  if [ -f "$SLURM_CONF" ] && timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; then
    jobs="$(squeue -h -o %i 2>/dev/null)"
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null
      for _ in $(seq 50); do
        [ -z "$(squeue -h -t R,CG,S 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  # 2. Daemons, front to back.
  stop "$run/slurmrestd.pid" slurmrestd
  for f in "$run"/slurmd-*.pid; do [ -e "$f" ] && stop "$f" slurmd; done
  # 3. Job steps left behind by a slurmd that was killed (tests do that): found through their
  #    sockets in this cluster's spool dirs, killed with their process trees.
  for pid in $(ss -xlpn 2>/dev/null | grep -F " $spool/" | grep -oE 'pid=[0-9]+' | cut -d= -f2 | sort -u); do
    # shellcheck disable=SC2046
    kill -9 $(descendants "$pid") "$pid" 2>/dev/null && log "killed orphaned slurmstepd ($pid)"
  done
  stop "$run/slurmctld.pid" slurmctld
  # accounting (ZHISUAN_SLURM_ACCOUNTING=slurmdbd): slurmdbd, then its MariaDB
  stop "$run/slurmdbd.pid" slurmdbd
  stop "$run/mariadbd.pid" mariadbd
  # munged: only when up.sh started it (it leaves a munged already running alone).
  stop "$run/munged.pid" munged
fi

if [ "$WIPE" = 1 ] && [ -d "$STATE_DIR" ]; then
  if [ -f "$STATE_DIR/.zhisuan-slurm" ]; then
    rm -rf "$STATE_DIR"
    log "deleted $STATE_DIR"
  else
    log "not deleting $STATE_DIR: it has no .zhisuan-slurm marker (not made by up.sh)"
  fi
fi
log "done in $(( ($(date +%s%N) - started_ns) / 1000000 )) ms"
exit 0
