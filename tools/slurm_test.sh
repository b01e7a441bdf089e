#!/usr/bin/env bash
# Testing on a slurm cluster:
#   [GPUS=8] [GPUS_PER_NODE=8] tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
exec "$(dirname "$0")/slurm_run.sh" test "$@"
