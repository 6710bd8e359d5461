#!/usr/bin/env bash
# Single-node SLURM test: runs the demo through snakemake-executor-plugin-slurm on a real
# SLURM (Debian's slurm-wlm) set up on this machine, and checks that the jobs went through
# SLURM and that the results equal a local run's byte for byte.
#
#   tests/slurm/run_slurm_test.sh          (from anywhere; as root)
#   EXOCARGO_SLURM_REFERENCE=DIR tests/slurm/run_slurm_test.sh
#
# Steps: install slurm-wlm and munge if missing; write a munge key and a one-node
# slurm.conf under $EXOCARGO_SLURM_STATE (default /tmp/exocargo-slurm-test, wiped first);
# start munged, slurmctld and slurmd in the foreground of background shells, so that their
# pids are known; run the demo through SLURM (--profile profiles/slurm --profile
# tests/slurm/profile) in a copy of the workflow, never in the repository's results/;
# compare its results/counts, results/de and results/cargo with a local run's (cmp); check
# that every submitted job is COMPLETED in SLURM's job-completion log, that every
# per-sample step of every library ran inside a SLURM job (the job's SLURM log) and that
# the rules marked local ran on the submitting host; then cancel leftover jobs and stop the
# daemons it started, by pid, also on failure or interrupt. Nothing outside the state
# directory is configured: clients find the cluster through SLURM_CONF, and no system
# service is touched.
#
# The local run: by default the script runs `snakemake --cores 2` on the demo in a second
# copy. EXOCARGO_SLURM_REFERENCE=DIR instead names a copy of this checkout's workflow in
# which that run already completed (CI passes the demo run of the test suite, see .ci/run);
# the script checks that DIR holds the same Snakefile, config, workflow and resources as the
# checkout and that `snakemake -n` has nothing to do there, and fails otherwise.
#
# Assumes `make install` ran (.venv with snakemake and the SLURM executor plugin, and the
# command-line tools). Exit status 0 only when every check passed. Time-bounded: each step
# runs under `timeout` (EXOCARGO_SLURM_TIMEOUT seconds for each snakemake run, default 1800).

set -euo pipefail
exec </dev/null

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${EXOCARGO_SLURM_STATE:-/tmp/exocargo-slurm-test}
REFERENCE=${EXOCARGO_SLURM_REFERENCE:-}
[ -z "$REFERENCE" ] || REFERENCE=$(cd "$REFERENCE" 2>/dev/null && pwd) ||
    { echo "EXOCARGO_SLURM_REFERENCE=$EXOCARGO_SLURM_REFERENCE is not a directory" >&2 && exit 1; }
TEST_START=$SECONDS
RUN_TIMEOUT=${EXOCARGO_SLURM_TIMEOUT:-1800}
CORES=2
export PATH="$REPO/.venv/bin:$PATH"

log() { printf '[slurm-test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() {
    log "FAIL: $*"
    exit 1
}

case "$STATE" in
/tmp/?* | /var/tmp/?*) ;;
*) fail "EXOCARGO_SLURM_STATE must be a directory under /tmp or /var/tmp (it is wiped): $STATE" ;;
esac
case "$REFERENCE/" in
"$STATE"/*) fail "EXOCARGO_SLURM_REFERENCE=$REFERENCE lies in EXOCARGO_SLURM_STATE=$STATE, which is wiped first; move it" ;;
esac

command -v snakemake >/dev/null && python -c "import snakemake_executor_plugin_slurm" 2>/dev/null ||
    fail "snakemake or snakemake-executor-plugin-slurm missing in $REPO/.venv; run 'make install' first"

# A completed local run of this checkout's demo, to compare with instead of running one.
check_reference() { # directory
    local reference=$1 part
    for part in Snakefile config workflow resources; do
        # resources/index: gitignored local data, not part of the demo
        diff -rq -x __pycache__ -x index "$REPO/$part" "$reference/$part" >/dev/null 2>&1 ||
            fail "EXOCARGO_SLURM_REFERENCE=$reference: its $part differs from $REPO/$part" \
                "(diff -rq shows how); it must be a run of this checkout's demo, or unset the" \
                "variable to run one here"
    done
    (cd "$reference" && timeout 300 snakemake -n --cores 1) >"$STATE/log/reference_check.log" 2>&1 ||
        fail "EXOCARGO_SLURM_REFERENCE=$reference: snakemake -n fails there; see $STATE/log/reference_check.log"
    grep -q "^Nothing to be done" "$STATE/log/reference_check.log" ||
        fail "EXOCARGO_SLURM_REFERENCE=$reference: the demo run there is incomplete (snakemake -n" \
            "has jobs to do; see $STATE/log/reference_check.log); complete it or unset the variable"
}

# --- 1. SLURM and munge from Debian ------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    log "installing slurm-wlm and munge (Debian packages)"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
    timeout 600 $SUDO apt-get update -qq
    # policy-rc.d or the absence of systemd keeps the packaged services from starting; the
    # test starts its own daemons with its own configuration.
    DEBIAN_FRONTEND=noninteractive timeout 600 $SUDO apt-get install -y -qq \
        --no-install-recommends slurm-wlm munge >/dev/null
fi
[ "$(id -u)" = 0 ] || fail "slurmd must run as root (SlurmdUser=root); run this test as root"

# --- 2. Stale daemons of an interrupted earlier run, then a fresh state directory ---------
# Only processes whose command line names this state directory were started by this test.
stop_pid() { # pid name
    local pid=$1 name=$2 waited=0
    kill -0 "$pid" 2>/dev/null || return 0
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 30 ]; do
        sleep 0.5
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

if [ -d "$STATE/pids" ]; then
    for pidfile in "$STATE"/pids/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        [ -r "/proc/$pid/cmdline" ] || continue
        # A daemon names the state directory on its command line; a snakemake run works in it.
        if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$STATE" ||
            readlink "/proc/$pid/cwd" | grep -qF "$STATE"; then
            [ "$(basename "$pidfile")" = run.pid ] && kill -INT "$pid" 2>/dev/null && sleep 5
            stop_pid "$pid" "stale $(basename "$pidfile" .pid)"
        fi
    done
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{etc,munge,run,ctld,spool,log,pids,work}
chmod 700 "$STATE/munge"
chmod 755 "$STATE" "$STATE/run" # munged wants its socket directory open to all
if [ -n "$REFERENCE" ]; then
    check_reference "$REFERENCE"
    log "local reference: the completed demo run in $REFERENCE"
fi

DAEMON_PIDS=() # "pid:name", in start order
SLURM_UP=0
RUN_PID="" # the snakemake run in progress (its `timeout` wrapper)
cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
        # SIGINT makes snakemake cancel its SLURM jobs (scancel) before it exits.
        log "interrupting the snakemake run (pid $RUN_PID)"
        kill -INT "$RUN_PID" 2>/dev/null
        for _ in $(seq 1 60); do
            kill -0 "$RUN_PID" 2>/dev/null || break
            sleep 1
        done
        kill -KILL "$RUN_PID" 2>/dev/null
        wait "$RUN_PID" 2>/dev/null
    fi
    if [ "$SLURM_UP" = 1 ]; then
        # Jobs of an aborted run would outlive slurmd (slurmstepd detaches): cancel them and
        # let slurmd reap them before stopping it.
        jobs_left=$(squeue -h -o %i 2>/dev/null)
        if [ -n "$jobs_left" ]; then
            log "cancelling leftover SLURM jobs: $(echo $jobs_left)"
            scancel $jobs_left 2>/dev/null
            for _ in $(seq 1 30); do
                [ -z "$(squeue -h -t RUNNING,COMPLETING,PENDING -o %i 2>/dev/null)" ] && break
                sleep 1
            done
        fi
    fi
    for ((i = ${#DAEMON_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${DAEMON_PIDS[$i]%%:*}" "${DAEMON_PIDS[$i]#*:}"
    done
    rm -f "$STATE"/pids/*.pid
    if [ $status -eq 0 ]; then
        log "PASSED (logs and both workflow copies under $STATE)"
    else
        log "FAILED with status $status; daemon logs: $STATE/log, runs: $STATE/work"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_daemon() { # name command...
    local name=$1
    shift
    "$@" >"$STATE/log/$name.out" 2>&1 &
    local pid=$!
    DAEMON_PIDS+=("$pid:$name")
    echo "$pid" >"$STATE/pids/$name.pid"
    log "started $name (pid $pid)"
}

# --- 3. munge and slurm.conf ---------------------------------------------------------------
mungekey --create --keyfile="$STATE/munge/munge.key"
start_daemon munged munged --foreground \
    --socket="$STATE/run/munge.socket" --key-file="$STATE/munge/munge.key" \
    --pid-file="$STATE/run/munged.pid" --log-file="$STATE/log/munged.log" \
    --seed-file="$STATE/munge/munged.seed"
for _ in $(seq 1 50); do
    [ -S "$STATE/run/munge.socket" ] && break
    sleep 0.2
done
munge -n -S "$STATE/run/munge.socket" | unmunge -S "$STATE/run/munge.socket" >/dev/null ||
    fail "munged does not answer; see $STATE/log/munged.log"

CPUS=$(nproc)
# The node offers SLURM twice the machine's cores: a demo job spends most of its time in two
# single-threaded snakemake start-ups (the job's and its step's), so two jobs of 2 threads
# side by side keep both cores busy where one would leave one idle. config_overrides makes
# slurmd take these figures from slurm.conf instead of draining a node with fewer cores.
NODE_CPUS=$((2 * CPUS))
# A little under the memory slurmd detects: a node that claims more than it has is drained.
MEMORY_MB=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
CONTROLLER=$(hostname -s)
export SLURM_CONF="$STATE/etc/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# One-node test cluster of exocargo's tests/slurm/run_slurm_test.sh (generated).
ClusterName=exocargo-test
SlurmctldHost=$CONTROLLER(127.0.0.1)
# Not the standard ports 6817/6818, so that a real SLURM on this host is left alone.
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$STATE/run/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Containers and VMs often lack a usable cgroup hierarchy: track processes by /proc. No CPU
# binding: the node declares more CPUs than the machine has.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmdParameters=config_overrides
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
# Cores and memory are both consumable, so jobs run side by side only when their
# cpus-per-task and mem requests fit the node: the requests the rules declare are enforced.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ReturnToService=2
# No slurmdbd: finished jobs stay visible to squeue for 10 minutes, which is what the
# executor's squeue status command needs (it wants MinJobAge >= 3 x its first poll).
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# One line per finished job (id, name, state, exit code): the test's proof of execution.
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.txt
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$NODE_CPUS RealMemory=$MEMORY_MB State=UNKNOWN
# The partitions that profiles/slurm/config.yaml names.
PartitionName=short Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=long Nodes=localhost MaxTime=INFINITE State=UP
EOF

# The slurm-jobstep executor starts each job's command with a nested `srun` and strips
# every SLURM_* variable, SLURM_CONF included, from srun's environment (the same problem as
# snakemake-executor-plugin-slurm issue #164), so srun inside a job would look for
# /etc/slurm/slurm.conf. Rather than writing to /etc, jobs of the SLURM run find this srun
# first on PATH: it restores SLURM_CONF and runs the real one.
mkdir -p "$STATE/bin"
cat >"$STATE/bin/srun" <<EOF
#!/bin/sh
SLURM_CONF='$SLURM_CONF' exec '$(command -v srun)' "\$@"
EOF
chmod 755 "$STATE/bin/srun"

# --- 4. slurmctld and slurmd ---------------------------------------------------------------
start_daemon slurmctld slurmctld -D -i -f "$SLURM_CONF"
start_daemon slurmd slurmd -D -N localhost -f "$SLURM_CONF"
SLURM_UP=1
state=""
for _ in $(seq 1 60); do
    state=$(sinfo -h -n localhost -p short -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || fail "node not idle after 60 s (state '$state'); see $STATE/log/slurmctld.log and slurmd.log"
log "SLURM up: $(sinfo -h -o '%P %a %D %t' | tr '\n' ';') $NODE_CPUS CPUs ($CPUS cores), ${MEMORY_MB} MB"

# --- 5. The demo through SLURM, and locally unless a reference run was given -------------
# A snakemake run in the background of this shell, so that a signal to the test reaches the
# trap at once, under `timeout`: SIGINT at the limit (snakemake then cancels its jobs), SIGKILL
# two minutes later.
run_bounded() { # directory log command...
    local directory=$1 logfile=$2 status=0
    shift 2
    (cd "$directory" && exec timeout -s INT -k 120 "$RUN_TIMEOUT" "$@") >"$logfile" 2>&1 &
    RUN_PID=$!
    echo "$RUN_PID" >"$STATE/pids/run.pid"
    wait "$RUN_PID" || status=$?
    RUN_PID=""
    rm -f "$STATE/pids/run.pid"
    return $status
}

copy_workflow() { # destination
    mkdir -p "$1"
    (cd "$REPO" && cp -r Snakefile config workflow resources profiles "$1"/)
    rm -rf "$1/resources/index" # gitignored local data, not part of the demo
}
VIA_SLURM="$STATE/work/slurm"
copy_workflow "$VIA_SLURM"
if [ -n "$REFERENCE" ]; then
    LOCAL=$REFERENCE
    LOCAL_WALL="0 (reused $REFERENCE)"
else
    LOCAL="$STATE/work/local"
    copy_workflow "$LOCAL"
    log "local reference run: snakemake --cores $CORES"
    start=$SECONDS
    run_bounded "$LOCAL" "$STATE/log/local_run.log" snakemake --cores "$CORES" ||
        fail "local run failed; see $STATE/log/local_run.log"
    LOCAL_WALL=$((SECONDS - start))
    log "local run done in ${LOCAL_WALL} s"
fi

log "SLURM run: snakemake --profile profiles/slurm --profile tests/slurm/profile"
start=$SECONDS
PATH="$STATE/bin:$PATH" run_bounded "$VIA_SLURM" "$STATE/log/slurm_run.log" \
    snakemake --profile profiles/slurm --profile "$REPO/tests/slurm/profile" ||
    fail "SLURM run failed; see $STATE/log/slurm_run.log"
SLURM_WALL=$((SECONDS - start))
log "SLURM run done in ${SLURM_WALL} s"

# --- 6. Checks -------------------------------------------------------------------------------
# 6a. Jobs went through SLURM. The executor logs "Job N has been submitted with SLURM jobid
# M (log: <file>)"; the job-completion log must hold every such job as COMPLETED with exit
# code 0. The SLURM log file of each job is written by slurmstepd on the node and holds what
# the job's own snakemake ran ("rule X:", "wildcards: ...", "Finished jobid: ... (Rule: X)"),
# one rule or a whole group: every job the run did not keep local must be there, the whole
# per-sample path of every library of the sheet among them, and no local job.
python - "$STATE/log/slurm_run.log" "$STATE/log/jobcomp.txt" "$VIA_SLURM/config/samples.tsv" <<'PY'
import csv
import re
import sys
from collections import Counter
from pathlib import Path

run_log, jobcomp, sheet = sys.argv[1:]
RULE = re.compile(r"^\s*(local)?rule (\w+):$")
WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


def jobs_of(lines):
    """(local?, rule, wildcards) of every job a snakemake log announces."""
    jobs, current = [], None
    for line in lines:
        if match := RULE.match(line):
            current = [bool(match.group(1)), match.group(2), ""]
            jobs.append(current)
        elif current and (match := WILDCARDS.match(line)):
            current[2] = match.group(1)
    return [tuple(job) for job in jobs]


submitted = {}  # SLURM job id -> its SLURM log file
pattern = re.compile(r"submitted with SLURM jobid (\d+) \(log: (\S+)\)")
lines = open(run_log).read().splitlines()
for line in lines:
    match = pattern.search(line)
    if match:
        submitted[match.group(1)] = Path(match.group(2))
if not submitted:
    sys.exit(f"no job was submitted to SLURM (no 'submitted with SLURM jobid' in {run_log})")

completed = {}
for line in open(jobcomp):
    fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
    completed[fields["JobId"]] = (fields["JobState"], fields.get("ExitCode", ""))
problems = [
    f"SLURM job {jobid} ({log}): "
    + ("not in the job-completion log" if jobid not in completed else f"state {completed[jobid]}")
    for jobid, log in sorted(submitted.items(), key=lambda kv: int(kv[0]))
    if completed.get(jobid) != ("COMPLETED", "0:0")
]
if problems:
    sys.exit("jobs that did not complete in SLURM:\n  " + "\n  ".join(problems))

# What ran inside the SLURM jobs: each job's SLURM log (written by slurmstepd on the node)
# holds the output of the snakemake processes of the job and its steps: "rule X:",
# "wildcards: ..." and "Finished jobid: N (Rule: X)" for every rule of a job or group.
ran = set()  # (rule, wildcards)
for jobid, log in submitted.items():
    if not log.is_file():
        sys.exit(f"SLURM job {jobid}: its log {log} is missing")
    text = log.read_text().splitlines()
    finished = {m.group(1) for l in text if (m := re.match(r"^Finished jobid: \d+ \(Rule: (\w+)\)", l))}
    ran.update((rule, wildcards) for _, rule, wildcards in jobs_of(text) if rule in finished)

# Every job that the run scheduled on the cluster ran in one, and no local job did.
scheduled = jobs_of(lines)
remote = {(rule, w) for local, rule, w in scheduled if not local}
local = {(rule, w) for local, rule, w in scheduled if local and rule != "all"}
if not local:
    sys.exit("no rule ran on the submitting host: the workflow's local rules were submitted")
if missing := sorted(remote - ran):
    sys.exit("jobs submitted to SLURM without a trace in SLURM's logs:\n  "
             + "\n  ".join(f"{rule} {w}" for rule, w in missing))
if misplaced := sorted(local & ran):
    sys.exit("local rules that ran in SLURM jobs:\n  "
             + "\n  ".join(f"{rule} {w}" for rule, w in misplaced))

# The whole per-sample path of every library of the sheet ran in SLURM jobs.
per_sample_rules = {
    "small": ["quantify_smallrna", "qc_smallrna_sample"],
    "long": ["trim_longrna", "star_align", "infer_strandedness", "featurecounts",
             "samtools_stats", "star_rescue", "circrna_first_pass", "circrna_sample",
             "qc_longrna_sample"],
}
with open(sheet) as handle:
    libraries = {row["sample"]: row["library"] for row in csv.DictReader(handle, delimiter="\t")}
ran_rules = {(re.sub(r"_(pe|se)$", "", rule), w) for rule, w in ran}
missing = [
    f"{rule} {sample}"
    for sample, library in libraries.items()
    for rule in per_sample_rules[library]
    if (rule, f"sample={sample}") not in ran_rules
]
if missing:
    sys.exit("per-sample jobs that did not run in a SLURM job:\n  " + "\n  ".join(missing))

per_rule = Counter(rule for rule, _ in ran)
print(f"{len(submitted)} SLURM jobs, all COMPLETED with exit code 0; rules run inside them: "
      + ", ".join(f"{rule} {n}" for rule, n in sorted(per_rule.items()))
      + f"; {len(local)} local jobs ran on the submitting host: "
      + ", ".join(sorted({rule for rule, _ in local})))
PY
log "jobs: every submitted SLURM job COMPLETED (job-completion log $STATE/log/jobcomp.txt)"

# Jobs of the run ran on the compute node under slurmstepd (what sbatch recorded), not in
# the snakemake process: the controller log names each batch job it started.
started=$(grep -c "sched: Allocate JobId=" "$STATE/log/slurmctld.log" || true)
log "slurmctld allocated $started job(s)"

# 6b. Results equal the local run's, byte for byte.
(
    cd "$LOCAL"
    ls results/counts/*.tsv results/de/*/*.tsv results/cargo/*.tsv
) >"$STATE/log/compared_files.txt" || fail "local run produced no result tables"
(
    cd "$VIA_SLURM"
    ls results/counts/*.tsv results/de/*/*.tsv results/cargo/*.tsv
) >"$STATE/log/compared_files.slurm.txt" || fail "SLURM run produced no result tables"
cmp -s "$STATE/log/compared_files.txt" "$STATE/log/compared_files.slurm.txt" ||
    fail "the runs wrote different sets of result tables: $(diff "$STATE/log/compared_files.txt" "$STATE/log/compared_files.slurm.txt" | tr '\n' ' ')"
for kind in counts de cargo; do
    grep -q "^results/$kind/" "$STATE/log/compared_files.txt" || fail "no results/$kind tables to compare"
done
differing=0
while read -r table; do
    if ! cmp -s "$LOCAL/$table" "$VIA_SLURM/$table"; then
        log "differs: $table"
        differing=$((differing + 1))
    fi
done <"$STATE/log/compared_files.txt"
[ $differing -eq 0 ] || fail "$differing result table(s) differ between the local and the SLURM run"
log "results: $(wc -l <"$STATE/log/compared_files.txt") tables (counts, de, cargo) byte-identical to the local run"
log "wall time: local run ${LOCAL_WALL} s, SLURM run ${SLURM_WALL} s, whole test $((SECONDS - TEST_START)) s"
