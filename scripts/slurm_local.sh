#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for trying `-profile slurm` and for the tests.
#
#   scripts/slurm_local.sh up       install (Debian packages, when missing), configure and start
#   scripts/slurm_local.sh status   say what runs, and `sinfo` / `squeue`
#   scripts/slurm_local.sh down     cancel every job, then stop the daemons
#
# Needs root and no systemd: a private munged (own key, socket, pid file and log) and slurmctld +
# slurmd are started from files under the state directory. Nothing else on the machine is changed,
# except the Debian packages slurmctld, slurmd, slurm-client and munge.
#
# Environment:
#   PAIRBENCH_SLURM_DIR    state directory (default /tmp/pairbench-slurm)
#   PAIRBENCH_SLURM_PORT   slurmctld port; slurmd listens on the next one (default 6817)
#
# Slurm's client commands (sbatch, squeue, scancel, sinfo) find this cluster through
#   export SLURM_CONF=$PAIRBENCH_SLURM_DIR/slurm.conf
# which `up` and `status` print. When /etc/slurm/slurm.conf does not exist, `up` links it to this
# cluster's file, so the commands work without SLURM_CONF; `down` removes that link again.
#
# Memory limits are NOT enforced here (no cgroups: proctrack/linuxproc, task/none): a job that
# asks for 4 GB can use more. Slurm still counts requested memory when it places jobs.
set -euo pipefail

STATE="${PAIRBENCH_SLURM_DIR:-/tmp/pairbench-slurm}"
PORT="${PAIRBENCH_SLURM_PORT:-6817}"
CONF="$STATE/slurm.conf"
MUNGE_DIR="$STATE/munge"
SOCKET="$MUNGE_DIR/munge.socket.2"
PACKAGES=(slurmctld slurmd slurm-client munge)
ETC_CONF=/etc/slurm/slurm.conf
HOST="$(hostname -s)"

log() { echo "[slurm_local] $*"; }
die() { echo "[slurm_local] error: $*" >&2; exit 1; }

usage() {
  echo "usage: $0 up|down|status" >&2
  exit 2
}

pid_alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits up to $1 tenths of a second for the command that follows to succeed.
wait_for() {
  local tenths="$1"; shift
  local i
  for ((i = 0; i < tenths; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then return 0; fi
  command -v apt-get >/dev/null 2>&1 || die "packages missing (${missing[*]}) and no apt-get; install them with your package manager"
  log "installing ${missing[*]} (Debian, --no-install-recommends)"
  # /usr/sbin/policy-rc.d (when present) keeps the packages' own services from starting; we start ours.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  log "installed: $(dpkg-query -W -f='${Package} ${Version}  ' "${PACKAGES[@]}")"
}

# One line from `slurmd -C` (NodeName=... CPUs=... RealMemory=...), the node as Slurm sees it.
node_line() {
  local line
  line="$(slurmd -C | head -n 1)"
  [[ "$line" == NodeName=* ]] || die "slurmd -C printed no node line: $line"
  # Leave the OS 5% of the memory, so that a job asking for the node's RealMemory still fits.
  local mem
  mem="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$line")"
  line="$(sed "s/RealMemory=[0-9]*/RealMemory=$((mem * 95 / 100))/" <<<"$line")"
  echo "$line NodeAddr=127.0.0.1 State=UNKNOWN"
}

write_conf() {
  local node cpus mem
  node="$(node_line)"
  cpus="$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node")"
  mem="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")"
  cat >"$CONF" <<EOF
# Written by pairbench scripts/slurm_local.sh: a one-node cluster for tests and trials.
ClusterName=pairbench
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# No cgroups: processes are tracked by parent pid, and memory limits are not enforced.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without it a job without --mem takes the whole node's memory, so jobs run one at a time.
DefMemPerCPU=$((mem / cpus))
# Without it a job asking for more CPUs or memory than exist is accepted and pends forever.
EnforcePartLimits=ALL
ReturnToService=2
# Seconds between SIGTERM and SIGKILL when a job is cancelled or runs out of time.
KillWait=5
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
$node
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
}

start_munge() {
  if pid_alive "$MUNGE_DIR/munged.pid"; then return 0; fi
  mkdir -p "$MUNGE_DIR"
  chmod 0755 "$STATE" "$MUNGE_DIR"   # munged refuses a socket directory writable by others
  if [[ ! -s "$MUNGE_DIR/munge.key" ]]; then
    dd if=/dev/urandom of="$MUNGE_DIR/munge.key" bs=1024 count=1 status=none
  fi
  chmod 0400 "$MUNGE_DIR/munge.key"
  munged --key-file="$MUNGE_DIR/munge.key" --socket="$SOCKET" --pid-file="$MUNGE_DIR/munged.pid" \
    --log-file="$MUNGE_DIR/munged.log" --seed-file="$MUNGE_DIR/munged.seed"
  wait_for 50 munge -n -S "$SOCKET" || die "munged did not answer on $SOCKET (see $MUNGE_DIR/munged.log)"
}

up() {
  [[ "$(id -u)" -eq 0 ]] || die "needs root (it starts slurmctld, slurmd and munged)"
  install_packages
  mkdir -p "$STATE"/{ctld,spool,log}
  start_munge
  if pid_alive "$STATE/slurmctld.pid" && pid_alive "$STATE/slurmd.pid"; then
    log "already up ($CONF)"
  else
    write_conf
    export SLURM_CONF="$CONF"
    if ! pid_alive "$STATE/slurmctld.pid"; then
      # -c: a fresh controller every time (no jobs or node states left from an earlier cluster).
      slurmctld -c -f "$CONF"
      wait_for 300 bash -c "scontrol ping | grep -q UP" \
        || die "slurmctld is not UP after 30 s (see $STATE/log/slurmctld.log)"
    fi
    if ! pid_alive "$STATE/slurmd.pid"; then
      slurmd -f "$CONF" -N "$HOST"
    fi
    wait_for 300 bash -c "sinfo -h -N -o %t | grep -qE '^(idle|mix|alloc)'" \
      || die "node $HOST is not idle after 30 s: $(sinfo -h -N -o '%t %E' 2>&1) (see $STATE/log/slurmd.log)"
    log "up: $(sinfo -h -N -o '%N %t cpus=%c mem=%mMB')"
  fi
  if [[ ! -e "$ETC_CONF" ]]; then
    mkdir -p "$(dirname "$ETC_CONF")"
    ln -s "$CONF" "$ETC_CONF"
  fi
  echo "export SLURM_CONF=$CONF"
}

down() {
  export SLURM_CONF="$CONF"
  if pid_alive "$STATE/slurmctld.pid"; then
    scancel --full --quiet --user=root 2>/dev/null || true
    scancel --quiet --state=PENDING 2>/dev/null || true
    # Killing slurmd alone would leave slurmstepd and the jobs' processes behind.
    wait_for 200 bash -c '[[ -z "$(squeue -h -t RUNNING,COMPLETING,PENDING -o %i)" ]]' \
      || log "jobs still present after 20 s: $(squeue -h -o '%i %t' | tr '\n' ' ')"
  fi
  local name pidfile pid
  for name in slurmd slurmctld munged; do
    pidfile="$STATE/$name.pid"
    [[ "$name" == munged ]] && pidfile="$MUNGE_DIR/munged.pid"
    if pid_alive "$pidfile"; then
      pid="$(cat "$pidfile")"
      kill "$pid"
      wait_for 100 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  if [[ -L "$ETC_CONF" && "$(readlink "$ETC_CONF")" == "$CONF" ]]; then rm -f "$ETC_CONF"; fi
  log "down"
}

status() {
  local name pidfile state rc=0
  for name in munged slurmctld slurmd; do
    pidfile="$STATE/$name.pid"
    [[ "$name" == munged ]] && pidfile="$MUNGE_DIR/munged.pid"
    if pid_alive "$pidfile"; then state="running (pid $(cat "$pidfile"))"; else state="stopped"; rc=3; fi
    log "$name: $state"
  done
  if ((rc == 0)); then
    export SLURM_CONF="$CONF"
    sinfo -N -o '%N %t cpus=%c mem=%mMB partition=%P'
    squeue -o '%i %j %t %M %R'
    echo "export SLURM_CONF=$CONF"
  fi
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
