"""Fuzz the artifact reader (`IntModel.load` of intmodel.json + .npz, then C generation) with atheris for a bounded
time; print executions, how many inputs loaded and exported, and exit non-zero on a finding.

    python benchmarks/bench_fuzz_artifact.py [--seconds 60] [--keep DIR]

Needs `atheris` (pip; scripts/install.sh installs it). The target is fuzz/fuzz_artifact.py; a finding leaves its
input in the work folder: rerun it with `python fuzz/fuzz_artifact.py <crash-file>`.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent/'fuzz'/'fuzz_artifact.py'

def run_artifact_fuzzer(seconds:int, work:Path, runs:int|None=None) -> dict:
    "Run the target for `seconds` (or `runs` inputs) in `work`: executions, outcomes, findings, the log."
    (work/'corpus').mkdir(parents=True, exist_ok=True)
    limit = [f'-runs={runs}'] if runs else [f'-max_total_time={seconds}']
    # the clone's own package, whether or not (or wherever) tinyaudio is installed
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(TARGET.parent.parent), os.environ.get('PYTHONPATH', '')])}
    res = subprocess.run([sys.executable, str(TARGET), *limit, '-print_final_stats=1', str(work/'corpus')],
                         cwd=work, env=env, capture_output=True, text=True, timeout=seconds + 600)
    log = res.stdout + res.stderr
    execs = re.search(r'stat::number_of_executed_units:\s*(\d+)', log)
    outcomes = re.findall(r'artifact outcomes: (\{.*\})', log)
    return dict(returncode=res.returncode, execs=int(execs.group(1)) if execs else 0,
                outcomes=json.loads(outcomes[-1]) if outcomes else {}, crashes=sorted(work.glob('crash-*')), log=log)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seconds', type=int, default=60)
    ap.add_argument('--keep', default=None, help='work folder to keep (corpus, crash files)')
    args = ap.parse_args()
    try: import atheris  # noqa: F401
    except ImportError: print('atheris is not installed: pip install atheris'); return 2
    work = Path(args.keep or tempfile.mkdtemp(prefix='tinyaudio-fuzz-artifact-'))
    r = run_artifact_fuzzer(args.seconds, work)
    o = r['outcomes']
    print(f"ran {args.seconds} s: {r['execs']} executions ({r['execs']/max(args.seconds, 1):.0f}/s); of {o.get('inputs', 0)} "
          f"artifacts {o.get('refused', 0)} refused with an error naming the file, {o.get('loaded', 0)} loaded, "
          f"{o.get('exported', 0)} of those generated C")
    if r['execs'] == 0:
        print(f"the fuzz target did not start (exit {r['returncode']}):\n{r['log'][-3000:]}"); return 2
    if r['returncode'] != 0 or r['crashes']:
        tail = '\n'.join(r['log'].splitlines()[-40:])
        print(f"FINDING (exit {r['returncode']}): {[str(c) for c in r['crashes']]}\n{tail}\nwork folder kept: {work}")
        return 1
    print('findings: 0')
    if not args.keep: shutil.rmtree(work, ignore_errors=True)
    return 0

if __name__ == '__main__': sys.exit(main())
