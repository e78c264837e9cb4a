#!/usr/bin/env bash
# The whole test suite, as CI runs it: the library and README must match the notebooks, notebooks must be clean,
# then the notebook tests (nbdev-test) and the pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

tree_state() { git status --porcelain --untracked-files=all -- tinyaudio nbs README.md; git diff -- tinyaudio nbs README.md | sha1sum; }
before=$(tree_state)
nbdev-export
nbdev-clean
python3 scripts/make_readme.py
after=$(tree_state)
if [ "$before" != "$after" ]; then
  echo "FAIL: nbdev-export / nbdev-clean / make_readme changed files; run them and commit:" >&2
  git status --porcelain -- tinyaudio nbs README.md >&2
  exit 1
fi
echo "library, README and notebooks match the source notebooks"

# flagged notebook cells: `slow` always; `mcu` (Arm toolchain + QEMU), `fuzz` (clang + libFuzzer) and `data` (the
# shared audio) where they can run. With CI=true a missing tool is an error, and so is missing data with
# TINYAUDIO_REQUIRE_DATA=1; the pytest suite follows the same rule (tinyaudio.testing.require).
flags=$(python3 -m tinyaudio.testing flags)
echo "nbdev-test flags: $flags"
step_start=$(date +%s)
nbdev-test --n-workers 2 --timing --flags "$flags"
echo "nbdev-test took $(( $(date +%s) - step_start )) s"
step_start=$(date +%s)
# the docs test executes the notebooks again to show their outputs: with the same flags
TINYAUDIO_TEST_FLAGS="$flags" python3 -m pytest -q -rs tests
echo "pytest took $(( $(date +%s) - step_start )) s"
