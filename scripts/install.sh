#!/usr/bin/env bash
# One-command install on a fresh machine: Python packages (editable, with the dev extra) and the Debian tools the
# tests use (Cortex-M toolchain and QEMU for the C export, clang for fuzzing, chromium for the docs check).
set -euo pipefail
cd "$(dirname "$0")/.."

# clang with its sanitizer/libFuzzer runtime for the fuzz target (the -rt package must match clang's major version)
clang_major=$(apt-cache policy clang 2>/dev/null | sed -n 's/.*Candidate: 1:\([0-9]*\).*/\1/p')
apt_packages=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm make cmake clang "libclang-rt-${clang_major:-14}-dev" chromium)
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: missing Debian packages (${missing[*]}); C/MCU/docs tests will be skipped" >&2
  fi
fi

# A system Python that refuses pip installs (PEP 668: Debian's and Ubuntu's own python3) gets a virtual environment
# in .venv, and the tinyaudio command is linked onto the PATH, so the next command works without activating it.
python=${PYTHON:-python3}
made_venv=
if "$python" scripts/python_env.py needs-venv; then
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      fi
      "$python" -m venv .venv || { echo "error: cannot make a virtual environment: install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
    fi
  fi
  python=.venv/bin/python
  made_venv=1
fi
pip=("$python" -m pip install -q --disable-pip-version-check)

"${pip[@]}" torch==2.13.0
"${pip[@]}" -c scripts/constraints.txt -e ".[dev]"
# atheris (libFuzzer for Python) drives fuzz/fuzz_artifact.py; binary wheels exist for Linux x86_64 only
"${pip[@]}" "atheris>=2.3" || echo "warning: atheris not installed; the artifact fuzz test is skipped" >&2
# hls4ml is not a dependency; tests/test_hls4ml.py checks that it reads our QONNX export. It goes into .hls4ml, apart,
# without its dependencies, so the environment's torch/onnx/qonnx/numpy stay the ones tinyaudio is tested with.
"${pip[@]}" --no-deps --upgrade --target .hls4ml hls4ml==1.3.0 h5py==3.16.0 pydigitalwavetools==1.1 quantizers==1.2.2
"$python" -c "import tinyaudio.core as c; print('tinyaudio installed; torchaudio extension:', 'fallback (' + type(c.torchaudio_extension_error).__name__ + ')' if c.import_torchaudio() and c.torchaudio_extension_error else 'loaded')"
if [ -n "$made_venv" ]; then
  "$python" scripts/python_env.py link-command "$(pwd)/.venv/bin/tinyaudio"
fi
