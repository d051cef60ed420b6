#!/usr/bin/env bash
# Smoke test of the Slurm dev cluster started by scripts/slurm/up.sh: nodes, GRES, features and
# topology as examples/clusters/slurm-dev-8.yaml says; a 2-node gpu:8 sbatch job on two chosen
# nodes; scancel; drain with a reason and resume; slurmrestd (JWT) reads, submit and cancel.
# Times each stage. Prints "N passed, M failed" and exits non-zero on any failure, and when the
# cluster is not up (it never skips).
#   ZHISUAN_SLURM_DIR  state dir of the running cluster (default /var/lib/zhisuan-slurm)
# shellcheck disable=SC2016 # single-quoted $ and ${} are meant for the job shell and for node
set -uo pipefail
STATE_DIR="${ZHISUAN_SLURM_DIR:-/var/lib/zhisuan-slurm}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cluster_file="$root/examples/clusters/slurm-dev-8.yaml"
envfile="$STATE_DIR/env"

if [ ! -s "$envfile" ]; then
  echo "smoke.sh: $envfile not found: the dev cluster is not up (scripts/slurm/up.sh)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
get() { sed -n "s/^$1=//p" "$envfile" | tail -1; }
SLURM_CONF="$(get SLURM_CONF)"
export SLURM_CONF
# The token stays in this shell: a SLURM_JWT in a job's environment makes every srun in that job
# fail (slurmd: "authentication plugin auth/jwt(102) not found"), and sbatch exports our env.
unset SLURM_JWT
token="$(get SLURM_JWT)"
user="$(get SLURM_USER)"
api="$(get SLURMRESTD_API)"
rest="$(get SLURMRESTD_URL)/slurm/$api"
openapi_url="$(get SLURMRESTD_URL)/openapi/v3"

pass=0
fail=0
ok() { echo "  ok   $*"; pass=$((pass + 1)); }
bad() { echo "  FAIL $*"; fail=$((fail + 1)); }
# check <description> <command...>: passes when the command succeeds.
check() {
  local d=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}
# expect <description> <wanted> <actual>
expect() {
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: wanted '$2', got '$3'"; fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t_all=$(now_ms)
t_stage=0
stage_name=""
timings=()
stage() {
  end_stage
  stage_name=$1
  t_stage=$(now_ms)
  echo "== $1"
}
end_stage() {
  if [ -n "$stage_name" ]; then
    local ms=$(($(now_ms) - t_stage))
    timings+=("$(printf '%-42s %6d ms' "$stage_name" "$ms")")
    echo "   ($ms ms)"
  fi
  stage_name=""
}

# Jobs and drains of this run are undone on exit, pass or fail.
OUT="$(mktemp -d /tmp/zhisuan-slurm-smoke.XXXXXX)"
chmod 0755 "$OUT"
jobs_started=()
drained=""
cleanup() {
  [ "${#jobs_started[@]}" -gt 0 ] && scancel "${jobs_started[@]}" 2>/dev/null
  [ -n "$drained" ] && scontrol update nodename="$drained" state=resume 2>/dev/null
  if [ "$fail" = 0 ]; then rm -rf "$OUT"; else echo "job output kept in $OUT"; fi
}
trap cleanup EXIT

# submit <sbatch args...>: prints the job id and remembers it for cleanup.
submit() {
  local id
  id="$(sbatch --parsable -o "$OUT/%j.out" "$@")" || return 1
  id="${id%%;*}"
  jobs_started+=("$id")
  echo "$id"
}
job_state() { squeue -h -t all -j "$1" -o %T 2>/dev/null; }
# wait_job <id> <state regex> <seconds>
wait_job() {
  local deadline=$(($(date +%s) + $3)) s
  while :; do
    s="$(job_state "$1")"
    [[ "$s" =~ ^($2)$ ]] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || { echo "job $1 is '$s', not $2" >&2; return 1; }
    sleep 0.1
  done
}
node_state() { sinfo -h -N -n "$1" -o %T | head -1; }
# wait_node <node> <state regex> <seconds>
wait_node() {
  local deadline=$(($(date +%s) + $3))
  until [[ "$(node_state "$1")" =~ ^($2)$ ]]; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# call <METHOD> <url> [json body]: sets code and body.
call() {
  local args=(-s -o "$OUT/rest.body" -w '%{http_code}' -X "$1"
    -H "X-SLURM-USER-NAME: $user" -H "X-SLURM-USER-TOKEN: $token")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data "$3")
  rm -f "$OUT/rest.body" # curl writes no file for an empty body (304)
  code="$(curl "${args[@]}" "$2")" || code="curl-error"
  body="$(cat "$OUT/rest.body" 2>/dev/null)"
}
# js <expression over d>: evaluates it on the last body (JSON); strings print raw.
js() {
  node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8"))
    const v = eval(process.argv[1])
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v))
  ' "$1" <<<"$body" 2>/dev/null
}
# wait_rest_job <id> <state regex> <seconds>: polls GET /job/{id}.
wait_rest_job() {
  local deadline=$(($(date +%s) + $3)) s
  while :; do
    call GET "$rest/job/$1"
    s="$(js 'd.jobs[0].job_state')"
    [[ "$s" =~ ^($2)$ ]] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || { echo "job $1 is '$s', not $2" >&2; return 1; }
    sleep 0.1
  done
}

# What the cluster file says.
yaml() { sed -n "s/^ *$1: *\([0-9a-z-]*\).*/\1/p" "$cluster_file" | head -1; }
nodes="$(yaml count)"
per_leaf="$(yaml nodesPerBlock)"
pool="$(sed -n 's/^ *- name: *\([a-z0-9-]*\).*/\1/p' "$cluster_file" | head -1)"
want_nodes="$(for ((i = 1; i <= nodes; i++)); do printf '%s-%03d\n' "$pool" "$i"; done | paste -sd, -)"
n() { printf '%s-%03d' "$pool" "$1"; }

stage "nodes, GRES, features, topology"
expect "node names as Zhisuan names them ($pool-001..)" "$want_nodes" "$(sinfo -h -N -o %N | sort -u | paste -sd, -)"
expect "all $nodes nodes idle" "idle" "$(sinfo -h -N -o %T | sort -u | paste -sd, -)"
expect "every node has gres gpu:h100:8" "gpu:h100:8" "$(sinfo -h -N -o %G | sort -u | paste -sd, -)"
expect "every node has feature h100 (available and active)" "h100 h100" \
  "$(sinfo -h -N -o '%f %b' | sort -u | paste -sd, -)"
want_topo="$(
  leaves=$(((nodes + per_leaf - 1) / per_leaf))
  for ((l = 0; l < leaves; l++)); do
    a=$((l * per_leaf + 1)) b=$(((l + 1) * per_leaf))
    ((b > nodes)) && b=$nodes
    printf 'leaf%d %s-[%03d-%03d]\n' "$l" "$pool" "$a" "$b"
  done
  echo "spine0 leaf[0-$((leaves - 1))]"
)"
got_topo="$(scontrol show topology | sed -nE \
  -e 's/^SwitchName=(leaf[0-9]+) .*Nodes=([^ ]+).*/\1 \2/p' \
  -e 's/^SwitchName=(spine[0-9]+) .*Switches=([^ ]+).*/\1 \2/p')"
expect "topology: leaves of $per_leaf nodes under one spine (as the cluster file)" "$want_topo" "$got_topo"

stage "sbatch: 2 nodes x gpu:8 on chosen nodes"
# Two nodes on either side of the leaf boundary: not what Slurm would pick by itself.
pick="$(n 4),$(n 5)"
J="$(submit -J zhisuan-smoke-gang -N 2 --gres=gpu:8 -w "$pick" -t 5 \
  --wrap "srun bash -c 'echo \$SLURMD_NODENAME \$CUDA_VISIBLE_DEVICES'")"
check "sbatch accepted the job ($J)" test -n "$J"
check "job $J completes" wait_job "$J" COMPLETED 30
expect "job $J ran on exactly $pick" "$pool-[$(printf '%03d-%03d' 4 5)]" "$(squeue -h -t all -j "$J" -o %N)"
expect "one task per node, each with 8 GPUs" "$(n 4) 0,1,2,3,4,5,6,7,$(n 5) 0,1,2,3,4,5,6,7" \
  "$(sort "$OUT/$J.out" 2>/dev/null | paste -sd, -)"
check "job $J exit code 0:0" bash -c "scontrol show job $J | grep -q ' ExitCode=0:0'"

stage "scancel"
J="$(submit -J zhisuan-smoke-cancel -N 1 --gres=gpu:8 -w "$(n 1)" -t 5 --wrap 'sleep 300')"
check "job $J running on $(n 1)" wait_job "$J" RUNNING 30
check "$(n 1) busy (mixed: all 8 GPUs, 1 of 112 CPUs)" wait_node "$(n 1)" 'mixed|allocated' 5
scancel "$J"
check "scancel -> job $J CANCELLED" wait_job "$J" CANCELLED 30
check "$(n 1) idle again" wait_node "$(n 1)" idle 30

stage "drain with reason, resume"
d="$(n "$nodes")"
reason="zhisuan smoke: drain test"
scontrol update nodename="$d" state=drain reason="$reason" && drained="$d"
check "scontrol show node: $d State has DRAIN" bash -c "scontrol show node $d | grep -qE 'State=[A-Z+]*DRAIN'"
check "scontrol show node: $d Reason is the one given" \
  bash -c "scontrol show node $d | grep -qF 'Reason=$reason ['"
expect "sinfo: $d drained" drained "$(node_state "$d")"
call GET "$rest/node/$d"
expect "REST: $d state idle + flag DRAIN + reason" "idle [\"DRAIN\"] $reason" \
  "$(js '`${d.nodes[0].state} ${JSON.stringify(d.nodes[0].state_flags)} ${d.nodes[0].reason}`')"
J="$(submit -J zhisuan-smoke-drained -N 1 --gres=gpu:8 -w "$d" -t 5 --wrap true)"
check "job $J for drained $d pends (ReqNodeNotAvail)" bash -c \
  "for _ in \$(seq 50); do squeue -h -j $J -o '%T %r' | grep -q '^PENDING ReqNodeNotAvail' && exit 0; sleep 0.1; done; exit 1"
scontrol update nodename="$d" state=resume && drained=""
check "resume: $d no longer DRAIN" bash -c "! scontrol show node $d | grep -qE 'State=[A-Z+]*DRAIN'"
check "resume: $d reason cleared" bash -c "scontrol show node $d | grep -q 'Reason=' && exit 1 || exit 0"
check "resume: pending job $J runs and completes" wait_job "$J" COMPLETED 30
check "resume: $d idle" wait_node "$d" idle 30

stage "slurmrestd reads (JWT)"
call GET "$rest/diag"
expect "GET /diag -> 200" 200 "$code"
check "diag has statistics" test -n "$(js 'd.statistics.server_thread_count')"
call GET "$rest/nodes"
expect "GET /nodes -> 200" 200 "$code"
expect "GET /nodes: $nodes nodes, gres gpu:h100:8, features h100" "$nodes gpu:h100:8 h100" \
  "$(js '`${d.nodes.length} ${[...new Set(d.nodes.map((x) => x.gres))]} ${[...new Set(d.nodes.map((x) => x.features))]}`')"
call GET "$rest/jobs"
expect "GET /jobs -> 200" 200 "$code"
expect "GET /jobs lists this run's jobs" "${#jobs_started[@]}" \
  "$(js "d.jobs.filter((j) => [${jobs_started[*]/%/,}].includes(j.job_id)).length")"
call GET "$rest/jobs?update_time=$(($(date +%s) + 60))"
expect "GET /jobs?update_time=<later> -> 304, empty body" "304 0" "$code ${#body}"
call GET "$openapi_url"
expect "GET /openapi/v3 -> 200, info.version 0.0.38" "200 0.0.38" "$code $(js 'd.info.version')"
code="$(curl -s -o /dev/null -w '%{http_code}' "$rest/ping")"
expect "no token -> 401" 401 "$code"

stage "slurmrestd: submit on chosen nodes"
pick="$(n 6),$(n 7)"
comment="zhisuan-job:smoke-$$"
script='#!/bin/bash\nsrun bash -c '"'"'echo $SLURMD_NODENAME $CUDA_VISIBLE_DEVICES'"'"'\n'
call POST "$rest/job/submit" "{\"script\": \"$script\", \"job\": {
  \"name\": \"zhisuan-smoke-rest\", \"partition\": \"$pool\", \"nodes\": 2, \"gres\": \"gpu:8\",
  \"nodelist\": \"$pick\", \"time_limit\": 5, \"comment\": \"$comment\",
  \"current_working_directory\": \"$OUT\", \"standard_output\": \"$OUT/%j.out\",
  \"environment\": {\"PATH\": \"/usr/sbin:/usr/bin:/sbin:/bin\"}}}"
expect "POST /job/submit -> 200, no errors" "200 []" "$code $(js 'd.errors')"
R="$(js 'd.job_id')"
[ -n "$R" ] && jobs_started+=("$R")
check "REST job $R completes (polled with GET /job/$R)" wait_rest_job "$R" COMPLETED 30
expect "REST job $R ran on exactly $pick, comment kept" "$pool-[$(printf '%03d-%03d' 6 7)] 2 $comment" \
  "$(js '`${d.jobs[0].nodes} ${d.jobs[0].node_count} ${d.jobs[0].comment}`')"
expect "one task per node, each with 8 GPUs" "$(n 6) 0,1,2,3,4,5,6,7,$(n 7) 0,1,2,3,4,5,6,7" \
  "$(sort "$OUT/$R.out" 2>/dev/null | paste -sd, -)"

stage "slurmrestd: cancel"
call POST "$rest/job/submit" "{\"script\": \"#!/bin/bash\nsleep 300\n\", \"job\": {
  \"name\": \"zhisuan-smoke-rest-cancel\", \"nodes\": 1, \"gres\": \"gpu:8\", \"nodelist\": \"$(n 2)\",
  \"time_limit\": 5, \"current_working_directory\": \"$OUT\", \"standard_output\": \"/dev/null\",
  \"environment\": {\"PATH\": \"/usr/bin:/bin\"}}}"
R="$(js 'd.job_id')"
[ -n "$R" ] && jobs_started+=("$R")
check "REST job $R running" wait_rest_job "$R" RUNNING 30
call DELETE "$rest/job/$R"
expect "DELETE /job/$R -> 200" 200 "$code"
check "REST job $R CANCELLED" wait_rest_job "$R" CANCELLED 30
end_stage

echo "== timings"
printf '   %s\n' "${timings[@]}"
printf '   %-42s %6d ms\n' total $(($(now_ms) - t_all))
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
