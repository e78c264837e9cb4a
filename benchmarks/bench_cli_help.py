"""How long `tinyaudio --help` (and `--version`) take in a fresh process, against two anchors measured in the same
run: a bare interpreter (`python -c pass`) and `import torch`, which the command must not load before it parses.

    python benchmarks/bench_cli_help.py [--repeats 5]

Target (issue 11): under 1 s. Prints the median of each and whether torch was imported by `--help`.
"""
import argparse, statistics, subprocess, sys, time

CLI = 'import sys; from tinyaudio.cli import main; sys.exit(main(sys.argv[1:]))'

def seconds(args:list[str], repeats:int) -> float:
    "Median wall time of `python ARGS` over `repeats` fresh processes."
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=5)
    a = ap.parse_args()
    bare = seconds(['-c', 'pass'], a.repeats)
    torch_import = seconds(['-c', 'import torch'], a.repeats)
    help_s = seconds(['-c', CLI, '--help'], a.repeats)
    version_s = seconds(['-c', CLI, '--version'], a.repeats)
    loads_torch = subprocess.run([sys.executable, '-c', f"import sys, io, contextlib\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                                  f"  try: exec({CLI.split('; sys.exit')[0]!r}); main(['--help'])\n  except SystemExit: pass\n"
                                  "print('torch' in sys.modules)"], capture_output=True, text=True).stdout.strip()
    print(f"python -c pass      {bare:6.3f} s")
    print(f"import torch        {torch_import:6.3f} s")
    print(f"tinyaudio --help    {help_s:6.3f} s  ({help_s - bare:.3f} s over a bare interpreter, "
          f"{help_s / torch_import:.2f} x an import of torch)")
    print(f"tinyaudio --version {version_s:6.3f} s")
    print(f"torch imported by --help: {loads_torch}; target --help < 1 s: {'met' if help_s < 1 else 'NOT met'}")
    return 0 if help_s < 1 and loads_torch == 'False' else 1

if __name__ == '__main__': sys.exit(main())
