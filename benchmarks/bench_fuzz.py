"""Fuzz the streaming entry point (`fz_stream_push` of a generated project) with libFuzzer + ASan + UBSan for a
bounded time; print executions, coverage and crashes; exit non-zero on a crash.

The target (`fuzz/fuzz_stream.c`) feeds PCM and raw float32 blocks, NaN and infinities included (on purpose in one
block in eight), and aborts on any status but TA_OK and TA_ERR_NONFINITE, on TA_ERR_NONFINITE for a window that
holds no non-finite sample (or TA_OK for one that does), and on a count of replaced samples other than its own.

    python benchmarks/bench_fuzz.py [--seconds 60] [--seed 0] [--keep DIR]

Needs Debian's `clang` and `libclang-rt-14-dev` (the libFuzzer runtime matching clang 14). A crash leaves its
reproducer in the work folder (kept, and named, when there is one): rerun it with `<binary> <crash-file>`.
"""
import argparse, sys, tempfile, time
from pathlib import Path
from tinyaudio.host import build_stream_fuzzer, run_fuzzer, fuzzer_problem, fuzz_frontend

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seconds', type=int, default=60)
    ap.add_argument('--seed', type=int, default=0, help='random_intmodel seed of the fuzzed project')
    ap.add_argument('--keep', default=None, help='work folder to keep (project, binary, corpus, crash files)')
    args = ap.parse_args()
    if problem := fuzzer_problem():
        print(problem); return 2
    work = Path(args.keep or tempfile.mkdtemp(prefix='tinyaudio-fuzz-'))
    t = time.time()
    binary = build_stream_fuzzer(work, seed=args.seed)
    cfg = fuzz_frontend()
    print(f'target: fz_stream_push, {cfg.sample_rate} Hz, n_fft {cfg.n_fft}, hop {cfg.hop_length}, '
          f'{cfg.n_mels} mels x {cfg.frames_per_window} frames, random_intmodel(seed={args.seed}); built in {time.time() - t:.1f} s')
    r = run_fuzzer(binary, args.seconds, work)
    print(f"ran {args.seconds} s: {r['execs']} executions ({r['execs']/max(args.seconds, 1):.0f}/s), "
          f"edge coverage {r['cov']}, features {r['ft']}, corpus {len(list((work/'corpus').iterdir()))} inputs")
    if r['crashed'] or r['returncode'] != 0:
        tail = '\n'.join(l for l in r['log'].splitlines() if 'runtime error' in l or 'ERROR' in l or 'SUMMARY' in l)
        print(f"CRASH (exit {r['returncode']}): {[str(c) for c in r['crashes']]}\n{tail}\nwork folder kept: {work}")
        return 1
    print('crashes: 0')
    if not args.keep:
        import shutil; shutil.rmtree(work, ignore_errors=True)
    return 0

if __name__ == '__main__': sys.exit(main())
