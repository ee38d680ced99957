#!/usr/bin/env bash
# The framework configurations of the tox envs keras-tf, keras-jax, keras-torch, torch, jax
# and spark, each run with the Python on PATH. tox runs one per env (`tox -e keras-jax`); CI runs them in
# its own environment, which holds every framework (one install instead of five).
#
#   bash scripts/framework_matrix.sh keras-jax keras-torch
#
# Keras 3 reads KERAS_BACKEND when it is first imported, so each configuration is its own
# pytest process. float64 under JAX needs JAX_ENABLE_X64 (else JAX truncates to float32).
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo "== $1: ${*:2}"; env "${@:2}"; }
for name in "$@"; do
    case "$name" in
        keras-tf) run "$name" KERAS_BACKEND=tensorflow \
            python -m pytest -p no:cacheprovider -q -k "keras or Keras" tests/unit examples ;;
        keras-jax) run "$name" KERAS_BACKEND=jax JAX_ENABLE_X64=1 \
            python -m pytest -p no:cacheprovider -q -k "keras or Keras" tests/unit examples ;;
        keras-torch) run "$name" KERAS_BACKEND=torch \
            python -m pytest -p no:cacheprovider -q -k "keras or Keras" tests/unit examples ;;
        torch) run "$name" python -m pytest -p no:cacheprovider -q -k "torch or Torch" \
            tests/unit ;;
        jax) run "$name" python -m pytest -p no:cacheprovider -q -k "jax or numerics" \
            tests/unit ;;
        spark) run "$name" python -m pytest -p no:cacheprovider -q tests/unit/test_spark_fits.py ;;
        *) echo "unknown configuration: $name (keras-tf keras-jax keras-torch torch jax spark)"; exit 2 ;;
    esac
done
