#!/usr/bin/env bash
# Refresh constraints.txt, the exact package versions CI installs (.ci/run exports it as
# PIP_CONSTRAINT), on purpose: the newest releases are installed into a fresh venv, the whole
# test suite and the examples must pass with them, and only then is the file rewritten. Review
# the diff and commit it with the test results. `tox -e latest` tries the newest releases
# without touching the file.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" -m venv "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONSTRAINT=
python -m pip install -q --upgrade pip
# torch stays at the CPU build 2.13.0 (an unpinned torch resolves to a CUDA build of GBs).
python -m pip install -q -e ".[test,tensorflow,sklearn,statsmodels,torch,jax,spark,report,lint,type,dist]" \
    "tox>=4.11" "torch==2.13.0"
python -m pytest -p no:cacheprovider -q
python -m pytest -p no:cacheprovider -q examples
{
  echo "# Exact versions that pass the whole suite on CI's Python ($(python --version | cut -d' ' -f2)),"
  echo "# written by scripts/refresh_constraints.sh on $(date -u +%Y-%m-%d). CI installs with them"
  echo "# (.ci/run: PIP_CONSTRAINT=constraints.txt); tox -e latest ignores them on purpose."
  python -m pip freeze --exclude-editable | grep -v '^pip==' | sed 's/^\(torch==[^+]*\)+.*/\1/'
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "constraints.txt refreshed: review with git diff constraints.txt"
