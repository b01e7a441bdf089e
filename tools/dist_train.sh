#!/usr/bin/env bash
# Distributed training on one machine (NGPUS processes; on a machine without
# GPUs they train on the CPU):
#   tools/dist_train.sh CONFIG NGPUS [train.py options]
exec "$(dirname "$0")/dist_run.sh" train "$2" "$1" "${@:3}"
