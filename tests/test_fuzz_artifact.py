"""The artifact fuzz target (fuzz/fuzz_artifact.py, atheris) for a few thousand inputs: every edited intmodel.json /
.npz is refused with an error naming the file, or loads into a valid model whose C generates; some inputs do load.
Skipped where atheris is missing (pip install atheris; scripts/install.sh installs it), a failure in CI."""
import importlib.util, sys
from pathlib import Path
import pytest
from tinyaudio.testing import in_ci

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'benchmarks'))

def test_artifact_fuzzer_smoke(tmp_path):
    if importlib.util.find_spec('atheris') is None:
        if in_ci(): pytest.fail('atheris is required here (CI=true): pip install atheris')
        pytest.skip('atheris is not installed (pip install atheris)')
    from bench_fuzz_artifact import run_artifact_fuzzer
    r = run_artifact_fuzzer(300, tmp_path, runs=3000)
    assert r['returncode'] == 0 and not r['crashes'], r['log'][-4000:]
    o = r['outcomes']
    assert o['inputs'] >= 2500 and o['refused'] > 0 and o['exported'] > 0, o
