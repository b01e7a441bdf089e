#!/usr/bin/env bash
# Training on a slurm cluster:
#   [GPUS=8] [GPUS_PER_NODE=8] tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
exec "$(dirname "$0")/slurm_run.sh" train "$@"
