"""The model search on a real dataset: how many trials in how long, the front (retrained with the full protocol)
against the dataset's hand-made recipe under the same protocol, and how well the estimate predicted the measurement.

    python benchmarks/bench_search.py [--data speechcommands] [--budget flash=64kB,ram=48kB,latency=100ms] [--trials 40]

Speech Commands (the shared test-set copy) is split by speaker: 70% train, 15% validation (what the trials are
ranked on) and 15% test, which only the retrained front and the recipe are evaluated on. The study and every run
folder go to `--out` (default benchmarks/out/search-DATA); the same command resumes an interrupted search, and a
finished one only prints. Needs the shared data ($TINYAUDIO_DATA), arm-none-eabi-gcc and qemu-system-arm.
"""
import argparse, logging, os, sys, time
from pathlib import Path
import pandas as pd
from tinyaudio.search import search, Budget

SPLITS = {'speechcommands': dict(valid_pct=15, test_pct=15)}


def dominates(a, b) -> bool:
    "More accurate at less flash and fewer instructions per hop."
    return a.accuracy > b.accuracy and a.flash_bytes < b.flash_bytes and a.insns_per_hop < b.insns_per_hop


def study_hours(storage:str, name:str) -> float:
    "Wall time of the study's trials, first start to last end, over all the invocations that ran it."
    import optuna
    trials = [t for t in optuna.load_study(study_name=name, storage=storage).get_trials() if t.datetime_complete]
    return (max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)).total_seconds()/3600


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', default='speechcommands')
    p.add_argument('--budget', default='flash=64kB,ram=48kB,latency=100ms')
    p.add_argument('--clock', default='80MHz')
    p.add_argument('--trials', type=int, default=40)
    p.add_argument('--epochs', type=int, default=5, help='training epochs of a trial')
    p.add_argument('--final-epochs', type=int, default=None, help="the front's retraining (default: the recipe's)")
    p.add_argument('--max-front', type=int, default=4)
    p.add_argument('--space', default=None)
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--per-tensor', action='store_true', help='one weight scale per tensor (default: per output channel)')
    p.add_argument('--out', default=None)
    a = p.parse_args(argv)
    out = Path(a.out or f'benchmarks/out/search-{a.data}')
    handler = logging.StreamHandler(sys.stderr); handler.setFormatter(logging.Formatter('%(asctime)s %(message)s', '%H:%M:%S'))
    log = logging.getLogger('tinyaudio'); log.addHandler(handler); log.setLevel(logging.INFO)
    start = time.perf_counter()
    s = search(a.data, out, Budget.parse(a.budget, a.clock), trials=a.trials, space=a.space, epochs=a.epochs,
               final_epochs=a.final_epochs, max_front=a.max_front, workers=a.workers, split=SPLITS.get(a.data),
               per_channel=not a.per_tensor)
    seconds = time.perf_counter() - start
    front = pd.read_csv(out/'front.csv')
    trials = pd.read_csv(out/'trials.csv')
    print(f"{a.data}: {s['complete']} trials trained and measured, {s['pruned']} pruned before or during training, "
          f"{s['duplicates']} repeated settings, {s['failed']} failed; {s['feasible']} within the budget ({s['budget']})")
    print(f"study wall time {study_hours(s['storage'], s['study']):.2f} h over all invocations (this one {seconds/60:.1f} min), "
          f"{os.cpu_count()} cores, {a.epochs} epochs per trial; the front retrained with the recipe's protocol")
    held_out = 'held-out test: speakers no trial saw' if a.data in SPLITS else 'no held-out split: the validation fold is all there is'
    print(f"\nthe front and the recipe, full protocol (accuracy: quantized, as deployed, on the validation split; {held_out}; "
          f"weights {'per tensor' if a.per_tensor else 'per output channel'}):\n")
    print((out/'front.md').read_text())
    recipe = front[front.role.str.contains('recipe')]
    if len(recipe):
        r = recipe.iloc[0]
        better = [int(f.trial) for f in front[front.role.str.startswith('front')].itertuples() if dominates(f, r)]
        print(f"recipe (trial {int(r.trial)}): accuracy {r.accuracy:.3f}, flash {r.flash_bytes/1024:.1f} kB, "
              f"{r.insns_per_hop:,.0f} instructions per hop; front members that dominate it: {better or 'none'}")
    print('\nthe estimate against the measurement, over the trained trials:\n')
    print((out/'estimates.md').read_text())
    pruned = trials[trials.state == 'pruned'].pruned_by.fillna('').str.split(':').str[0].value_counts()
    print('pruned: ' + (', '.join(f'{k} {v}' for k, v in pruned.items()) or 'none'))
    print(f"\nwrote {', '.join(s['written'])}")


if __name__ == '__main__':
    main()
