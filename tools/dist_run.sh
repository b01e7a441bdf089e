#!/usr/bin/env bash
# Shared by dist_train.sh and dist_test.sh:
#   tools/dist_run.sh {train|test} NPROC [SCRIPT ARGS]
# Starts NPROC processes of tools/<train|test>.py with torchrun on this
# machine (gloo on CPU-only machines, see udaplug.apis.setup_launcher).
# PYTHON defaults to the repository's .venv when it exists.
set -euo pipefail
SCRIPT=$1
NPROC=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-$([[ -x "$HERE/../.venv/bin/python" ]] && echo "$HERE/../.venv/bin/python" || echo python)}

PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" \
    "$HERE/$SCRIPT.py" "${@:3}" --launcher pytorch
