#!/usr/bin/env bash
# Shared by slurm_train.sh and slurm_test.sh:
#   tools/slurm_run.sh {train|test} PARTITION JOB_NAME [SCRIPT ARGS]
# Environment: GPUS (default 4), GPUS_PER_NODE (4), CPUS_PER_TASK (5),
# SRUN_ARGS; PYTHON defaults to the repository's .venv when it exists.
set -euo pipefail
SCRIPT=$1
PARTITION=$2
JOB_NAME=$3
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-$([[ -x "$HERE/../.venv/bin/python" ]] && echo "$HERE/../.venv/bin/python" || echo python)}
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-4}

# shellcheck disable=SC2086
PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="${CPUS_PER_TASK:-5}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS:-} \
    "$PYTHON" -u "$HERE/$SCRIPT.py" "${@:4}" --launcher slurm
