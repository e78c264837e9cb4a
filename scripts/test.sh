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

# cells flagged `data` need the shared audio; run them wherever it is present (CI has it beside the clone)
flags=""
if python3 -c "import sys; from tinyaudio.core import data_root; sys.exit(0 if (data_root()/'fsdd').is_dir() else 1)"; then
  flags="data"; echo "shared audio found: running the data-flagged notebook cells too"
else
  echo "no shared audio at \$TINYAUDIO_DATA or ../shared/data: data-flagged notebook cells skipped"
fi
nbdev-test --n-workers 2 --timing --flags "$flags"
# the docs test executes the notebooks again to show their outputs: with the same flags
TINYAUDIO_TEST_FLAGS="$flags" python3 -m pytest -q tests
