#!/usr/bin/env bash
# Create (or reuse) the virtual environment udaplug runs in.
#
#   tools/setup_env.sh            # used by `make demo` and `make test`
#
# Environment variables:
#   VENV                  where the environment lives (default: .venv)
#   PYTHON                interpreter that creates it (default: python3)
#   UDAPLUG_TORCH         pip requirement(s) for torch/torchvision
#                         (default: the pins in requirements/torch.txt)
#   UDAPLUG_TORCH_INDEX   extra index URL for that torch build, e.g.
#                         https://download.pytorch.org/whl/cu126
#   MMCV_FORCE_CUDA       set to 1 to compile mmcv's CUDA ops (needs nvcc)
#
# A second run finds the stamp file written at the end of a successful setup
# and returns at once, unless the requirement files or UDAPLUG_TORCH changed.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_REQ=${UDAPLUG_TORCH:-$(grep -v '^\s*#' requirements/torch.txt | xargs)}
MMCV_VERSION=$(sed -n 's/^mmcv==\(.*\)$/\1/p' requirements/constraints.txt)
STAMP="$VENV/.udaplug-env"

fingerprint() {
    cat requirements/*.txt setup.py
    echo "torch: $TORCH_REQ index: ${UDAPLUG_TORCH_INDEX:-} cuda: ${MMCV_FORCE_CUDA:-0}"
}
want=$(fingerprint | sha256sum | cut -d' ' -f1)
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    exit 0
fi

step() { printf '\n==> [udaplug setup] %s\n' "$*"; }

if [[ ! -x "$VENV/bin/python" ]]; then
    step "creating virtual environment $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip

step "installing PyTorch ($TORCH_REQ) and build tools (several GB on first install)"
extra=()
[[ -n "${UDAPLUG_TORCH_INDEX:-}" ]] && extra=(--extra-index-url "$UDAPLUG_TORCH_INDEX")
# shellcheck disable=SC2086
"${PIP[@]}" install "${extra[@]}" $TORCH_REQ -r requirements/build.txt -c requirements/constraints.txt

if "$PY" -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
    step "mmcv $MMCV_VERSION with ops is already installed"
else
    step "building mmcv $MMCV_VERSION with ops from source"
    echo "    No prebuilt mmcv wheel matches this torch build, so its C++ ops are compiled:"
    echo "    about 11 minutes on 2 CPU cores, once per machine (pip caches the wheel)."
    MMCV_WITH_OPS=1 FORCE_CUDA=${MMCV_FORCE_CUDA:-0} MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "${PIP[@]}" install --no-build-isolation --no-deps "mmcv==$MMCV_VERSION"
fi

step "installing OpenMMLab packages (mmengine, mmsegmentation, mmagic) and test tools"
"${PIP[@]}" install -r requirements/runtime.txt -r requirements/tests.txt -c requirements/constraints.txt

step "installing udaplug in editable mode"
"${PIP[@]}" install --no-build-isolation --no-deps -e .

step "checking the environment"
"${PIP[@]}" check
"$PY" -c "import mmcv.ops, mmseg.models, mmagic.models, udaplug; print('udaplug', udaplug.__version__, 'ready')"
echo "$want" > "$STAMP"
