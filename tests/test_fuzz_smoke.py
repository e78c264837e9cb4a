"""Build the libFuzzer target of the streaming entry point and run it for ~10 s: no crash, no sanitizer report.
Skipped, saying what to install, where clang's libFuzzer runtime is missing; in CI that is a failure."""
from tinyaudio.testing import require
from tinyaudio.host import build_stream_fuzzer, run_fuzzer

def test_stream_fuzzer_smoke(tmp_path):
    require('fuzz')
    r = run_fuzzer(build_stream_fuzzer(tmp_path), 10, tmp_path)
    assert not r['crashed'] and r['returncode'] == 0 and not r['crashes'], r['log'][-3000:]
    assert r['execs'] > 100 and r['cov'] > 100, (r['execs'], r['cov'])
