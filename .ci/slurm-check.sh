#!/usr/bin/env bash
# A real single-node Slurm cluster runs a sharded sweep (docs/cluster.md):
# `sbatch --array=0-3 --wait` runs four shards with `--shard auto`, `ccsim
# merge` combines them, and the merged folder and --json must equal the
# unsharded sweep's byte for byte. Installs slurm-wlm and munge with apt-get
# when missing, starts munged, slurmctld and slurmd as root on this machine's
# short hostname with everything under a temporary folder, and stops exactly
# the daemons it started (by pid) however it ends.
#
# Usage: .ci/slurm-check.sh [path/to/ccsim]   (default target/release/ccsim)
# Skips (exit 0, saying why) where Slurm cannot run: not root, no apt-get
# to install it, no munge key. CCSIM_SLURM_CHECK=skip skips it on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
ccsim=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/ccsim}")

skip() {
    echo "slurm-check: SKIPPED: $*"
    exit 0
}

[[ "${CCSIM_SLURM_CHECK:-}" == skip ]] && skip "CCSIM_SLURM_CHECK=skip"
[[ -x "$ccsim" ]] || { echo "slurm-check: no ccsim binary at $ccsim (cargo build --release first)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || skip "the daemons run as root here and this is user $(id -un)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get to install them"
    echo "slurm-check: installing slurm-wlm and munge"
    apt-get update -qq || skip "apt-get update failed (no network?)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null ||
        skip "apt-get install slurm-wlm munge failed"
fi

host=$(hostname -s)
cpus=$(nproc)
tmp=$(mktemp -d /tmp/ccsim-slurm.XXXXXX)
chmod 700 "$tmp"
pids=()

stop() {
    local status=$?
    # Exactly the daemons started here, newest first, by pid.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [[ $status -ne 0 ]]; then
        echo "slurm-check: FAILED (status $status); logs:" >&2
        tail -n 20 "$tmp"/*.log "$tmp"/*.out "$tmp"/munge/*.log 2>/dev/null >&2 || true
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap stop EXIT
trap 'exit 130' INT TERM

# munge: a key (created if the system has none), and a private munged on a
# socket of its own, so that a munged of the system is left alone.
mkdir -p "$tmp/munge"
chmod 700 "$tmp/munge"
if [[ ! -s /etc/munge/munge.key ]]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chmod 400 /etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
fi
install -m 400 /etc/munge/munge.key "$tmp/munge/munge.key"
munged --foreground --force --socket="$tmp/munge/munge.socket" \
    --key-file="$tmp/munge/munge.key" --pid-file="$tmp/munge/munged.pid" \
    --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" \
    >"$tmp/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S "$tmp/munge/munge.socket" ]] && break; sleep 0.1; done
[[ -S "$tmp/munge/munge.socket" ]] || { echo "slurm-check: munged did not start" >&2; exit 1; }

# Slurm: one node with this machine's CPUs, one default partition, ports
# away from a system Slurm's defaults (6817, 6818).
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=ccsimci
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 120); do
    state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
    [[ "$state" == idle ]] && break
    sleep 0.5
done
[[ "$state" == idle ]] || { echo "slurm-check: node $host is \"$state\", not idle, after 60 s" >&2; exit 1; }
echo "slurm-check: Slurm $(slurmd -V | awk '{print $2}') up on $host ($cpus CPUs)"

# The sweep, unsharded first: into out/, then moved to ref/ so that the
# merge writes the same --out (the manifest records the command line).
export SOURCE_DATE_EPOCH=1700000000 CCSIM="$ccsim" PARTS="$tmp/parts"
sweep=(sweep scenarios/quickstart.toml --vary agents.support.count=24..31
    --replications 24 --json --charts --html)
mkdir -p "$PARTS"
"$ccsim" "${sweep[@]}" --out "$tmp/out" >"$tmp/ref.json" 2>/dev/null
mv "$tmp/out" "$tmp/ref"

cat >"$tmp/shard.sh" <<EOF
#!/usr/bin/env bash
#SBATCH --job-name=ccsim-shard
#SBATCH --cpus-per-task=1
set -euo pipefail
cd "$repo"
start=\$(date +%s%N)
RAYON_NUM_THREADS=1 "\$CCSIM" ${sweep[*]} --shard auto --out "\$PARTS/shard-\$SLURM_ARRAY_TASK_ID"
end=\$(date +%s%N)
echo "shard \$SLURM_ARRAY_TASK_ID of \$SLURM_ARRAY_TASK_COUNT on \$(hostname -s): \$(( (end - start) / 1000000 )) ms" >"\$PARTS/time-\$SLURM_ARRAY_TASK_ID"
EOF
job=$(sbatch --parsable --wait --array=0-3 --output="$tmp/slurm-%A_%a.out" "$tmp/shard.sh")
job=${job%%;*}
echo "slurm-check: job $job (array 0-3) finished"
for i in 0 1 2 3; do
    cat "$PARTS/time-$i"
done

"$ccsim" merge "$PARTS"/shard-3 "$PARTS"/shard-1 "$PARTS"/shard-0 "$PARTS"/shard-2 \
    --out "$tmp/out" >"$tmp/merged.json" 2>/dev/null
digest() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64); }
ref=$(digest "$tmp/ref")
merged=$(digest "$tmp/out")
echo "slurm-check: unsharded folder digest $ref"
echo "slurm-check: merged folder digest    $merged"
echo "slurm-check: unsharded --json $(sha256sum <"$tmp/ref.json" | cut -c1-64)"
echo "slurm-check: merged --json    $(sha256sum <"$tmp/merged.json" | cut -c1-64)"
diff -r "$tmp/ref" "$tmp/out"
cmp "$tmp/ref.json" "$tmp/merged.json"
[[ "$ref" == "$merged" ]]
echo "slurm-check: OK: 4 Slurm array shards merged byte-identical to the unsharded sweep"
