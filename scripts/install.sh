#!/usr/bin/env bash
# One-command install on a fresh machine: Python packages (editable, with the dev extra) and the Debian tools the
# tests use (Cortex-M toolchain and QEMU for the C export, clang for fuzzing, chromium for the docs check).
set -euo pipefail
cd "$(dirname "$0")/.."

# clang with its sanitizer/libFuzzer runtime for the fuzz target (the -rt package must match clang's major version)
clang_major=$(apt-cache policy clang 2>/dev/null | sed -n 's/.*Candidate: 1:\([0-9]*\).*/\1/p')
apt_packages=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm clang "libclang-rt-${clang_major:-14}-dev" chromium)
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

python3 -m pip install -q --disable-pip-version-check torch==2.13.0
python3 -m pip install -q --disable-pip-version-check -c scripts/constraints.txt -e ".[dev]"
# atheris (libFuzzer for Python) drives fuzz/fuzz_artifact.py; binary wheels exist for Linux x86_64 only
python3 -m pip install -q --disable-pip-version-check "atheris>=2.3" || echo "warning: atheris not installed; the artifact fuzz test is skipped" >&2
# hls4ml is not a dependency; tests/test_hls4ml.py checks that it reads our QONNX export. It goes into .hls4ml, apart,
# without its dependencies, so the environment's torch/onnx/qonnx/numpy stay the ones tinyaudio is tested with.
python3 -m pip install -q --disable-pip-version-check --no-deps --upgrade --target .hls4ml \
  hls4ml==1.3.0 h5py==3.16.0 pydigitalwavetools==1.1 quantizers==1.2.2
python3 -c "import tinyaudio.core as c; print('tinyaudio installed; torchaudio extension:', 'fallback (' + type(c.torchaudio_extension_error).__name__ + ')' if c.import_torchaudio() and c.torchaudio_extension_error else 'loaded')"
