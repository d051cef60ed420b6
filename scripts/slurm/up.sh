#!/usr/bin/env bash
# Brings up the Slurm dev cluster on this host (Debian 12, Slurm 22.05, as root), the cluster
# that examples/clusters/slurm-dev-8.yaml describes:
#   munged, one slurmctld, 8 fake nodes gpu-001..gpu-008 (one `slurmd -N` each, on its own port),
#   each with Gres=gpu:h100:8 (fake char devices) and Features=h100, topology/tree with leaf
#   switches of 4 nodes under one spine, and slurmrestd with JWT auth on 127.0.0.1.
# Installs nothing (scripts/slurm/install.sh does). Waits until every node is idle and slurmrestd
# answers, then prints the environment a test needs and writes it to $ZHISUAN_SLURM_DIR/env.
# Anything left running by an earlier up.sh is stopped first (scripts/slurm/down.sh).
#
#   up.sh --restart slurmctld|slurmrestd|<node>   (re)starts one daemon of the running cluster,
#                                       with the same config, pid file and log (for tests that
#                                       kill one); slurmctld stops with SIGTERM (it saves its
#                                       state) and starts again from that state: running jobs
#                                       go on in their slurmd and keep their ids
#
# Knobs (environment):
#   ZHISUAN_SLURM_DIR             state dir: configs, controller state, spool, pids, logs, env
#                                 (default /var/lib/zhisuan-slurm)
#   ZHISUAN_SLURM_REST_PORT       slurmrestd port on 127.0.0.1 (6820)
#   ZHISUAN_SLURM_CTLD_PORT       slurmctld port (6817)
#   ZHISUAN_SLURM_NODE_PORT_BASE  slurmd of node NNN listens on base+NNN (17000)
#   ZHISUAN_SLURM_NODES           fake nodes (8)      } keep these in step with
#   ZHISUAN_SLURM_NODES_PER_LEAF  nodes per leaf (4)  } examples/clusters/slurm-dev-8.yaml
#   ZHISUAN_SLURM_LEAVES_PER_SPINE  leaves under each spine switch (0: all under one spine, no
#                                 core); with N > 0 the tree has 3 tiers: spines of N leaves
#                                 under one core switch (as a Zhisuan pod of N blocks)
#   ZHISUAN_SLURM_SCHED_PARAMS    extra SchedulerParameters, comma-separated (a time-compressed
#                                 replay wants e.g. bf_interval=1,sched_interval=1)
#   ZHISUAN_SLURM_ACCOUNTING      none (default: finished jobs in a jobcomp log only) or slurmdbd:
#                                 a private MariaDB and slurmdbd, so `sacct` has the whole history
#                                 with each job's GPUs (needs scripts/slurm/install.sh --accounting)
#   ZHISUAN_SLURM_DBD_PORT        slurmdbd port (6819); MariaDB listens on 127.0.0.1:(this + 1000)
#   ZHISUAN_SLURM_KEEP_STATE=1    keep the controller's saved jobs/nodes (default: start empty)
#   ZHISUAN_SLURM_TOKEN_LIFESPAN  lifetime of the printed SLURM_JWT, seconds (86400)
#   ZHISUAN_SLURM_TIMEOUT         seconds to wait for each daemon to be ready (60)
set -euo pipefail
started_ns=$(date +%s%N)

here="$(cd "$(dirname "$0")" && pwd)"
STATE_DIR="${ZHISUAN_SLURM_DIR:-/var/lib/zhisuan-slurm}"
REST_PORT="${ZHISUAN_SLURM_REST_PORT:-6820}"
CTLD_PORT="${ZHISUAN_SLURM_CTLD_PORT:-6817}"
NODE_PORT_BASE="${ZHISUAN_SLURM_NODE_PORT_BASE:-17000}"
NODES="${ZHISUAN_SLURM_NODES:-8}"
PER_LEAF="${ZHISUAN_SLURM_NODES_PER_LEAF:-4}"
PER_SPINE="${ZHISUAN_SLURM_LEAVES_PER_SPINE:-0}"
SCHED_PARAMS="${ZHISUAN_SLURM_SCHED_PARAMS:-}"
ACCOUNTING="${ZHISUAN_SLURM_ACCOUNTING:-none}"
DBD_PORT="${ZHISUAN_SLURM_DBD_PORT:-6819}"
TOKEN_LIFESPAN="${ZHISUAN_SLURM_TOKEN_LIFESPAN:-86400}"
TIMEOUT="${ZHISUAN_SLURM_TIMEOUT:-60}"

# Mirrors the cluster file: pool `gpu` → Zhisuan node names gpu-001.., one partition `gpu`.
POOL=gpu
GPUS=8
GPU_TYPE=h100
FEATURES=h100
SOCKETS=2
CORES_PER_SOCKET=56
MEMORY_MB=2048000
API=v0.0.38

die() {
  echo "up.sh: $*" >&2
  exit 1
}
log() { echo "up.sh: $*"; }
elapsed() { echo "$(( ($(date +%s%N) - started_ns) / 1000000 ))"; }
# wait_for <seconds> <command...>: polls every 0.1 s until the command succeeds.
wait_for() {
  local deadline=$(( $(date +%s) + $1 ))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
tail_log() { [ -f "$1" ] && { echo "--- last lines of $1" >&2; tail -n 20 "$1" >&2; }; return 0; }

etc="$STATE_DIR/etc"
run="$STATE_DIR/run"
logs="$STATE_DIR/log"
ctld_state="$STATE_DIR/ctld"
spool="$STATE_DIR/spool"
fakegpu="$STATE_DIR/fakegpu"
conf="$etc/slurm.conf"
node() { printf '%s-%03d' "$POOL" "$1"; }                  # node 3 → gpu-003
range() { printf '%s-[%03d-%03d]' "$POOL" "$1" "$2"; }     # 1 8 → gpu-[001-008]

# slurmrestd: JWT on loopback. It refuses to run as root and does not daemonize. -s is
# required: without it slurmrestd also loads the dbv0.0.38 plugins and exits (no slurmdbd).
start_slurmrestd() { # <port>
  id slurmrestd >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin slurmrestd
  SLURM_JWT=daemon setsid nohup /usr/sbin/slurmrestd -f "$conf" -u slurmrestd -a rest_auth/jwt \
    -s "openapi/$API" "127.0.0.1:$1" >>"$logs/slurmrestd.log" 2>&1 </dev/null &
  echo $! >"$run/slurmrestd.pid"
}
rest_up() { # <url> <token>
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-SLURM-USER-NAME: root" \
    -H "X-SLURM-USER-TOKEN: $2" "$1/slurm/$API/ping")" = 200 ]
}
ctld_up() { scontrol ping | grep -q 'is UP'; }
start_slurmd() { # <node>
  /usr/sbin/slurmd -f "$conf" -N "$1" || { tail_log "$logs/slurmd-$1.log"; die "slurmd $1 failed to start"; }
}
# stop_pid <pid file> <command name>: SIGTERM, then SIGKILL after 10 s; a zombie counts as gone.
stop_pid() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 0
  running() { kill -0 "$pid" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; }
  if [[ "$pid" =~ ^[0-9]+$ ]] && running && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
    kill "$pid"
    for _ in $(seq 100); do running || break; sleep 0.1; done
    running && kill -9 "$pid"
  fi
  rm -f "$1"
}

[[ "$PER_SPINE" =~ ^[0-9]+$ ]] || die "ZHISUAN_SLURM_LEAVES_PER_SPINE must be a whole number, got '$PER_SPINE'"
[[ "$SCHED_PARAMS" =~ ^[A-Za-z0-9_=,.:-]*$ ]] || die "ZHISUAN_SLURM_SCHED_PARAMS: comma-separated key=value words only, got '$SCHED_PARAMS'"
[[ "$ACCOUNTING" =~ ^(none|slurmdbd)$ ]] || die "ZHISUAN_SLURM_ACCOUNTING must be none or slurmdbd, got '$ACCOUNTING'"
{ [[ "$DBD_PORT" =~ ^[1-9][0-9]{2,4}$ ]] && (( DBD_PORT + 1000 < 65536 )); } ||
  die "ZHISUAN_SLURM_DBD_PORT must be a port below 64536, got '$DBD_PORT'"
[ "$(id -u)" = 0 ] || die "must run as root (slurmd runs as root; configs are written for user slurm)"

if [ "${1:-}" = --restart ]; then
  what="${2:-}"
  [ -s "$STATE_DIR/env" ] || die "no running cluster in $STATE_DIR (run up.sh first)"
  export SLURM_CONF="$conf"
  env_get() { sed -n "s/^$1=//p" "$STATE_DIR/env" | tail -1; }
  case "$what" in
    slurmctld)
      stop_pid "$run/slurmctld.pid" slurmctld
      # no -c: the jobs and nodes it saved on SIGTERM are taken back
      /usr/sbin/slurmctld -f "$conf" || { tail_log "$logs/slurmctld.log"; die "slurmctld failed to start again"; }
      wait_for "$TIMEOUT" ctld_up || { tail_log "$logs/slurmctld.log"; die "slurmctld not up within ${TIMEOUT}s"; }
      log "slurmctld restarted (pid $(cat "$run/slurmctld.pid")) in $(elapsed) ms"
      ;;
    slurmrestd)
      url="$(env_get SLURMRESTD_URL)"
      token="$(env_get SLURM_JWT)"
      stop_pid "$run/slurmrestd.pid" slurmrestd
      start_slurmrestd "${url##*:}"
      wait_for "$TIMEOUT" rest_up "$url" "$token" ||
        { tail_log "$logs/slurmrestd.log"; die "slurmrestd not answering on $url within ${TIMEOUT}s"; }
      log "slurmrestd restarted (pid $(cat "$run/slurmrestd.pid")) in $(elapsed) ms"
      ;;
    "$POOL"-[0-9][0-9][0-9])
      grep -q "^NodeName=.*" "$conf" || die "no slurm.conf in $etc"
      stop_pid "$run/slurmd-$what.pid" slurmd
      start_slurmd "$what"
      # shellcheck disable=SC2317 # called through wait_for
      responding() { [[ "$(sinfo -h -N -n "$what" -o %T)" =~ ^[a-z]+$ ]]; }
      wait_for "$TIMEOUT" responding || die "$what not responding within ${TIMEOUT}s"
      log "slurmd $what restarted (pid $(cat "$run/slurmd-$what.pid")), node $(sinfo -h -N -n "$what" -o %T), in $(elapsed) ms"
      ;;
    *) die "--restart takes slurmctld, slurmrestd or a node name ($POOL-NNN), not '$what'" ;;
  esac
  exit 0
fi
[ $# = 0 ] || die "unknown arguments: $* (only --restart slurmctld|slurmrestd|<node>)"
bins=(slurmctld slurmd slurmrestd scontrol sinfo munged mungekey curl ss)
[ "$ACCOUNTING" = slurmdbd ] && bins+=(slurmdbd sacctmgr mariadbd mariadb-install-db mariadb)
for bin in "${bins[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] ||
    die "$bin not found: run scripts/slurm/install.sh first (--accounting for slurmdbd)"
done
case "$STATE_DIR" in /*) ;; *) die "ZHISUAN_SLURM_DIR must be an absolute path" ;; esac
[ "$STATE_DIR" != / ] || die "ZHISUAN_SLURM_DIR must not be /"
[[ "$NODES" =~ ^[1-9][0-9]?$ ]] || die "ZHISUAN_SLURM_NODES must be 1..99"
[[ "$PER_LEAF" =~ ^[1-9][0-9]*$ ]] || die "ZHISUAN_SLURM_NODES_PER_LEAF must be a positive integer"

# Anything from an earlier up.sh (even half started) goes first, so every run starts the same.
if [ -d "$STATE_DIR/run" ] && ls "$STATE_DIR"/run/*.pid >/dev/null 2>&1; then
  log "stopping what an earlier up.sh left running"
  ZHISUAN_SLURM_DIR="$STATE_DIR" WIPE=0 bash "$here/down.sh"
fi

host="$(hostname -s)"
all_nodes="$(range 1 "$NODES")"
[ "$NODES" = 1 ] && all_nodes="$(node 1)"

ports=("$CTLD_PORT" "$REST_PORT")
[ "$ACCOUNTING" = slurmdbd ] && ports+=("$DBD_PORT" "$((DBD_PORT + 1000))")
for ((i = 1; i <= NODES; i++)); do ports+=("$((NODE_PORT_BASE + i))"); done
listening="$(ss -Hltn | awk '{print $4}')"
for p in "${ports[@]}"; do
  if grep -qE "[:.]$p\$" <<<"$listening"; then
    die "port $p is already in use (set ZHISUAN_SLURM_*_PORT*, or stop what listens there)"
  fi
done

# ---- state dir -----------------------------------------------------------------------------
install -d -m 0755 "$STATE_DIR"
# down.sh WIPE=1 deletes only a directory carrying this marker.
echo "Slurm dev cluster state, made by scripts/slurm/up.sh; removed by WIPE=1 scripts/slurm/down.sh" \
  >"$STATE_DIR/.zhisuan-slurm"
if [ "${ZHISUAN_SLURM_KEEP_STATE:-0}" != 1 ]; then
  # the accounting database too: job ids start again at 1, and sacct keeps one record per id
  rm -rf "$ctld_state" "$spool" "$STATE_DIR/mariadb"
fi
rm -f "$run"/*.pid "$STATE_DIR/env"
install -d -m 0755 "$etc" "$spool" "$fakegpu"
install -d -o slurm -g slurm -m 0755 "$run" "$logs" "$ctld_state"
for ((i = 1; i <= NODES; i++)); do install -d -m 0755 "$spool/$(node "$i")"; done

# Fake GPUs: gres.conf needs File= for gpu, and the files must be character (or block) devices:
# without File= the GPUs are dropped and the node is drained, a missing file blocks slurmd and a
# plain file is logged as invalid. Clones of /dev/null (1:3); Slurm takes the GPU index from the
# trailing digit, so jobs get a real CUDA_VISIBLE_DEVICES.
for ((g = 0; g < GPUS; g++)); do
  [ -c "$fakegpu/nvidia$g" ] || { rm -f "$fakegpu/nvidia$g"; mknod -m 0666 "$fakegpu/nvidia$g" c 1 3; }
done

# ---- munge (shared with anything else on the host: started only if not answering) -----------
[ -s /etc/munge/munge.key ] || mungekey --create --force
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "munged already running; leaving it to its owner"
else
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  wait_for "$TIMEOUT" bash -c 'munge -n | unmunge' || die "munged did not answer within ${TIMEOUT}s"
  # Ours: down.sh stops it.
  cp /run/munge/munged.pid "$run/munged.pid"
fi

# ---- JWT key: slurmctld signs/verifies tokens with it; slurmrestd only forwards them ---------
jwt_key="$etc/jwt_hs256.key"
[ -s "$jwt_key" ] || dd if=/dev/urandom of="$jwt_key" bs=32 count=1 status=none
chown slurm:slurm "$jwt_key"
chmod 0600 "$jwt_key"

# ---- accounting (ZHISUAN_SLURM_ACCOUNTING=slurmdbd): a private MariaDB, then slurmdbd ---------
db_dir="$STATE_DIR/mariadb"
dbd_conf="$etc/slurmdbd.conf"
accounting_conf() {
  if [ "$ACCOUNTING" = slurmdbd ]; then
    printf '%s\n' "AccountingStorageType=accounting_storage/slurmdbd" \
      "AccountingStorageHost=${host}" "AccountingStoragePort=${DBD_PORT}" \
      "AccountingStorageTRES=gres/gpu"
  else
    echo "AccountingStorageType=accounting_storage/none"
  fi
}
start_accounting() {
  # its socket, log and pid file live in its own dir: it runs as mysql, and $run and $logs are slurm's
  local sock="$db_dir/mariadb.sock"
  if [ ! -d "$db_dir/mysql" ]; then
    install -d -o mysql -g mysql -m 0700 "$db_dir"
    mariadb-install-db --user=mysql --datadir="$db_dir" --auth-root-authentication-method=socket \
      --skip-test-db >"$logs/mariadb-install.log" 2>&1 ||
      { tail_log "$logs/mariadb-install.log"; die "mariadb-install-db failed"; }
  fi
  setsid nohup mariadbd --user=mysql --datadir="$db_dir" --socket="$sock" \
    --bind-address=127.0.0.1 --port=$((DBD_PORT + 1000)) --pid-file="$db_dir/mariadbd.pid" \
    --log-error="$db_dir/mariadb.log" --innodb-buffer-pool-size=64M </dev/null >/dev/null 2>&1 &
  wait_for "$TIMEOUT" mariadb --socket="$sock" -e 'select 1' ||
    { tail_log "$db_dir/mariadb.log"; die "MariaDB not answering within ${TIMEOUT}s"; }
  cp "$db_dir/mariadbd.pid" "$run/mariadbd.pid" # down.sh stops it
  mariadb --socket="$sock" -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'zhisuan-dev';
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'zhisuan-dev';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" || die "could not create MariaDB user slurm"
  {
    echo "# Written by scripts/slurm/up.sh; rewritten on every start."
    echo "AuthType=auth/munge"
    echo "DbdHost=${host}"
    echo "DbdAddr=127.0.0.1"
    echo "DbdPort=${DBD_PORT}"
    echo "SlurmUser=slurm"
    echo "PidFile=${run}/slurmdbd.pid"
    echo "LogFile=${logs}/slurmdbd.log"
    echo "DebugLevel=info"
    echo "StorageType=accounting_storage/mysql"
    echo "StorageHost=127.0.0.1"
    echo "StoragePort=$((DBD_PORT + 1000))"
    echo "StorageUser=slurm"
    echo "StoragePass=zhisuan-dev"
    echo "StorageLoc=slurm_acct_db"
  } >"$dbd_conf"
  chown slurm:slurm "$dbd_conf"
  chmod 0600 "$dbd_conf"
  # slurmdbd reads slurmdbd.conf beside $SLURM_CONF
  /usr/sbin/slurmdbd || { tail_log "$logs/slurmdbd.log"; die "slurmdbd failed to start"; }
  # shellcheck disable=SC2317 # called through wait_for
  dbd_up() { sacctmgr -n -P list cluster format=cluster; }
  wait_for "$TIMEOUT" dbd_up || { tail_log "$logs/slurmdbd.log"; die "slurmdbd not answering within ${TIMEOUT}s"; }
  sacctmgr -i add cluster zhisuan-dev >/dev/null 2>&1 || true
}

# ---- configs --------------------------------------------------------------------------------
cat >"$conf" <<EOF
# Written by scripts/slurm/up.sh; rewritten on every start.
ClusterName=zhisuan-dev
# slurmctld insists that the first name is this machine's short host name.
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${CTLD_PORT}
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# JWT for slurmrestd and \`scontrol token\`.
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=${jwt_key}
StateSaveLocation=${ctld_state}
SlurmdSpoolDir=${spool}/%n
SlurmctldPidFile=${run}/slurmctld.pid
SlurmdPidFile=${run}/slurmd-%n.pid
SlurmctldLogFile=${logs}/slurmctld.log
SlurmdLogFile=${logs}/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
# No cgroups for jobs; nothing is enforced on the fake nodes.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
# slurm.conf's CPUs/memory win over what this machine really has (else: "Low RealMemory").
SlurmdParameters=config_overrides
# A node that stopped answering comes back when its slurmd registers; an admin DOWN stays down.
ReturnToService=1
SchedulerType=sched/backfill
# Submit → running in ~1 s instead of 1–3 s.
SchedulerParameters=batch_sched_delay=0${SCHED_PARAMS:+,$SCHED_PARAMS}
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without it a job with no --mem takes the whole node.
DefMemPerCPU=1000
GresTypes=gpu
TopologyPlugin=topology/tree
# No slurmdbd: finished jobs are read with \`sacct -c\` (this file) or, for MinJobAge, from
# squeue -t all / scontrol / REST. (AccountingStorageTRES=gres/gpu would need slurmdbd.)
JobCompType=jobcomp/filetxt
JobCompLoc=${logs}/jobcomp.log
$(accounting_conf)
JobAcctGatherType=jobacct_gather/none
SlurmctldTimeout=30
SlurmdTimeout=20
InactiveLimit=0
MinJobAge=7200
KillWait=5
Waittime=0
NodeName=${all_nodes} NodeHostname=${host} NodeAddr=127.0.0.1 Port=[$((NODE_PORT_BASE + 1))-$((NODE_PORT_BASE + NODES))] Sockets=${SOCKETS} CoresPerSocket=${CORES_PER_SOCKET} ThreadsPerCore=1 RealMemory=${MEMORY_MB} Gres=gpu:${GPU_TYPE}:${GPUS} Features=${FEATURES} State=UNKNOWN
PartitionName=${POOL} Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

cat >"$etc/gres.conf" <<EOF
AutoDetect=off
NodeName=${all_nodes} Name=gpu Type=${GPU_TYPE} File=${fakegpu}/nvidia[0-$((GPUS - 1))]
EOF

# One leaf per Zhisuan block (nodesPerBlock consecutive nodes); all under one spine, or with
# ZHISUAN_SLURM_LEAVES_PER_SPINE, spines of that many leaves (Zhisuan pods) under one core.
leaves=$(( (NODES + PER_LEAF - 1) / PER_LEAF ))
# switches <prefix> <first> <last>: leaf0 or leaf[0-3]
switches() { if (( $2 == $3 )); then echo "$1$2"; else echo "$1[$2-$3]"; fi; }
{
  for ((l = 0; l < leaves; l++)); do
    a=$(( l * PER_LEAF + 1 ))
    b=$(( (l + 1) * PER_LEAF ))
    (( b > NODES )) && b=$NODES
    if (( a == b )); then echo "SwitchName=leaf$l Nodes=$(node "$a")"; else echo "SwitchName=leaf$l Nodes=$(range "$a" "$b")"; fi
  done
  if (( PER_SPINE == 0 )); then
    echo "SwitchName=spine0 Switches=$(switches leaf 0 $((leaves - 1)))"
  else
    spines=$(( (leaves + PER_SPINE - 1) / PER_SPINE ))
    for ((p = 0; p < spines; p++)); do
      a=$(( p * PER_SPINE ))
      b=$(( (p + 1) * PER_SPINE - 1 ))
      (( b >= leaves )) && b=$(( leaves - 1 ))
      echo "SwitchName=spine$p Switches=$(switches leaf "$a" "$b")"
    done
    echo "SwitchName=core0 Switches=$(switches spine 0 $((spines - 1)))"
  fi
} >"$etc/topology.conf"
chmod 0644 "$conf" "$etc/gres.conf" "$etc/topology.conf"
export SLURM_CONF="$conf"

[ "$ACCOUNTING" = slurmdbd ] && start_accounting

# ---- slurmctld ------------------------------------------------------------------------------
/usr/sbin/slurmctld -f "$conf" || { tail_log "$logs/slurmctld.log"; die "slurmctld failed to start"; }
wait_for "$TIMEOUT" ctld_up || { tail_log "$logs/slurmctld.log"; die "slurmctld not up within ${TIMEOUT}s"; }

# ---- slurmd, one per fake node (Debian builds with multiple-slurmd support) -----------------
for ((i = 1; i <= NODES; i++)); do
  start_slurmd "$(node "$i")"
done
all_idle() { [ "$(sinfo -h -N -t idle -o '%N' | sort -u | wc -l)" = "$NODES" ]; }
if ! wait_for "$TIMEOUT" all_idle; then
  sinfo -N -o '%N %T %E' >&2
  tail_log "$logs/slurmctld.log"
  die "not all $NODES nodes idle within ${TIMEOUT}s"
fi

# ---- slurmrestd ----------------------------------------------------------------------------
start_slurmrestd "$REST_PORT"
token="$(scontrol token lifespan="$TOKEN_LIFESPAN")" || die "scontrol token failed"
token="${token#SLURM_JWT=}"
url="http://127.0.0.1:$REST_PORT"
wait_for "$TIMEOUT" rest_up "$url" "$token" ||
  { tail_log "$logs/slurmrestd.log"; die "slurmrestd not answering on $url within ${TIMEOUT}s"; }

# ---- the environment a test needs -----------------------------------------------------------
cat >"$STATE_DIR/env" <<EOF
# Slurm dev cluster, written by scripts/slurm/up.sh. Load with: set -a; . ./env; set +a
# Send SLURM_JWT only as the X-SLURM-USER-TOKEN header (with X-SLURM-USER-NAME: \$SLURM_USER).
# Never leave it in the environment of sbatch/srun: sbatch exports it into the job, and every
# srun in that job then fails (slurmd: "authentication plugin auth/jwt(102) not found").
ZHISUAN_SLURM_DIR=$STATE_DIR
SLURM_CONF=$conf
SLURMRESTD_URL=$url
SLURMRESTD_API=$API
SLURM_USER=root
SLURM_JWT=$token
SLURM_JWT_KEY=$jwt_key
ZHISUAN_SLURM_NODELIST=$all_nodes
ZHISUAN_SLURM_PARTITION=$POOL
ZHISUAN_SLURM_RUN_DIR=$run
ZHISUAN_SLURM_LOG_DIR=$logs
EOF
chmod 0600 "$STATE_DIR/env"

sinfo -N -o '%N %T %G %f'
scontrol show topology
log "up in $(elapsed) ms: $NODES nodes idle, slurmrestd on $url (Slurm $(scontrol version | cut -d' ' -f2))"
echo "# environment for tests (also in $STATE_DIR/env; load with: set -a; . $STATE_DIR/env; set +a)"
cat "$STATE_DIR/env"
