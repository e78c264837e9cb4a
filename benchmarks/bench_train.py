"""Train a zoo model on a real dataset with a fixed seed and report cost, time and clip accuracy.

    python benchmarks/bench_train.py --dataset fsdd [--model tcnn --width 1.0 --epochs 15 --lr 1e-2 --threads 2]
    python benchmarks/bench_train.py --dataset esc50 [--model tcnn --epochs 40 --mixup 0]
    python benchmarks/bench_train.py --dataset speechcommands --epochs 20
    python benchmarks/bench_train.py --dataset esc50 --epochs 5 --cache [--keep-valid] [--memory-format contiguous]

Protocols (data from tinyaudio.core.data_root()):
  fsdd            official split: recordings with index 0-4 are the test set, the rest train (8 kHz frontend).
  esc50           train on folds 1-3, validate on fold 4 (5 s clips, 1 s windows, 16 kHz, 64 mel bands);
                  recipe: stride_ds, 80 epochs, mixup 0.3.
  speechcommands  the shared copy of the official test set, split speaker-disjoint (hash of the speaker id),
                  12 classes (10 words, _unknown_, _silence_); 16 kHz, 40 mel bands.
Prints the model cost (params, MACs per window and per second of audio, int8 weight bytes), the data loading time,
the training time and time per epoch (and the median training and validation pass), window accuracy and clip accuracy for every pooling method.
"""
import argparse, json, os, statistics, time
from pathlib import Path
import torch
from tinyaudio.core import seed_everything
from tinyaudio.recipes import RECIPES, read_dataset, recipe_dataloaders, recipe_callbacks
from tinyaudio.aggregate import compare_pooling
from fastai.callback.core import Callback
from tinyaudio.train import audio_learner, clip_report, save_checkpoint
from tinyaudio.pipeline import model_summary

BENCHMARKED = ('fsdd', 'esc50', 'speechcommands')


class PhaseTimes(Callback):
    "Wall time of every training pass and every validation pass (get_preds's passes count as validation)."
    order = 100
    def __init__(self): self.times = {'train': [], 'valid': []}
    def before_train(self): self.start = time.perf_counter()
    def after_train(self): self.times['train'].append(time.perf_counter() - self.start)
    def before_validate(self): self.start = time.perf_counter()
    def after_validate(self): self.times['valid'].append(time.perf_counter() - self.start)
    def median(self, phase): return float(statistics.median(self.times[phase])) if self.times[phase] else float('nan')


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--dataset', choices=BENCHMARKED, default='fsdd')
    p.add_argument('--model', default=None, help='zoo model name (default: per dataset)')
    p.add_argument('--width', type=float, default=None, help='width multiplier of the zoo model')
    p.add_argument('--epochs', type=int, default=None)
    p.add_argument('--lr', type=float, default=None)
    p.add_argument('--bs', type=int, default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--augment', action='store_true', help='waveform augmentation + SpecAugment (tinyaudio.augment)')
    p.add_argument('--mixup', type=float, default=None, help="mixup alpha (0: off; default: the recipe's)")
    p.add_argument('--label-smoothing', type=float, default=0.1)
    p.add_argument('--threads', type=int, default=2, help='torch intra-op threads')
    p.add_argument('--cache', action='store_true',
                   help="read the decoded clips from tinyaudio's clip cache (written on the first run)")
    p.add_argument('--keep-valid', action='store_true',
                   help='keep the validation batches (their log-mel) in memory after the first epoch (what Run.train(cache=True) does)')
    p.add_argument('--memory-format', choices=('channels_last', 'contiguous'), default='channels_last',
                   help='memory format while training (default: channels_last, audio_learner(channels_last=True))')
    p.add_argument('--keep-best', action='store_true',
                   help='report the epoch with the best validation clip accuracy (chosen on the evaluation split, so '
                        'optimistic) instead of the last epoch of the fixed schedule')
    p.add_argument('--save', default=None, help='write a tinyaudio checkpoint here')
    p.add_argument('--json', default=None, help='append the figures as one JSON line to this file')
    p.add_argument('--quiet', action='store_true', help='no progress bars / epoch table')
    a = p.parse_args()
    recipe = RECIPES[a.dataset]
    model, width = a.model or recipe.model, a.width or recipe.model_kwargs.get('width', 1.0)
    epochs, lr, bs = a.epochs or recipe.epochs, a.lr or recipe.lr, a.bs or recipe.bs
    mixup = recipe.mixup if a.mixup is None else a.mixup
    recipe = recipe.replace(model=model, model_kwargs={**recipe.model_kwargs, 'width': width}, epochs=epochs, lr=lr, bs=bs,
                            mixup=mixup)
    torch.set_num_threads(a.threads)
    seed_everything(a.seed)

    cfg = recipe.frontend
    start = time.perf_counter()
    dls = recipe_dataloaders(recipe, read_dataset(a.dataset, split=recipe.split), augment=a.augment, seed=a.seed,
                             cache=a.cache, keep_valid_batches=a.keep_valid)
    load_s = time.perf_counter() - start
    n_train, n_valid = len(dls.train.dataset), len(set(dls.valid.dataset.clip_ids))
    print(f"{a.dataset}: {n_train} training clips, {n_valid} validation clips ({len(dls.valid.dataset)} windows), "
          f"{len(dls.vocab)} classes; {'reading the clip cache' if dls.store.from_cache else 'decoding'} {load_s:.1f} s; torch threads {torch.get_num_threads()}, "
          f"cpus {os.cpu_count()}")

    learn = audio_learner(dls, model, model_kwargs=recipe.model_kwargs, frontend=cfg, seed=a.seed, quiet=a.quiet,
                          label_smoothing=a.label_smoothing, path=Path('benchmarks/out')/a.dataset, cbs=recipe_callbacks(recipe),
                          save_best=a.keep_best, channels_last=a.memory_format == 'channels_last')
    phases = PhaseTimes()
    learn.add_cb(phases)
    cost = model_summary(learn.model, cfg)
    print(f"model {model} width {width} {learn.model_kwargs}: {cost['params']:,} params, "
          f"{cost['macs_per_window']/1e6:.2f} M MACs per window, {cost['macs_per_s']/1e6:.2f} M MACs per second "
          f"(window hop {cfg.window_hop_samples/cfg.sample_rate} s), int8 weights {cost['weight_bytes']/1024:.1f} kB, "
          f"peak activations {cost['peak_ram_bytes']/1024:.1f} kB")

    start = time.perf_counter()
    learn.fit_one_cycle(epochs, lr)
    train_s = time.perf_counter() - start
    hist = learn.recorder.values
    if a.quiet:
        import pandas as pd
        print(pd.DataFrame(hist, columns=learn.recorder.metric_names[1:len(hist[0]) + 1]).round(4).to_string())
    best = max(range(len(hist)), key=lambda i: hist[i][-1])
    reported = best if a.keep_best else len(hist) - 1  # with --keep-best, SaveModelCallback reloaded the best weights
    report = clip_report(learn)
    probs, targets = learn.get_preds()
    pooling = compare_pooling(probs, targets, dls.valid.dataset.clip_ids)
    print(f"training: {train_s:.1f} s, {train_s/epochs:.2f} s per epoch (train + validation) over {epochs} epochs; "
          f"best epoch {best + 1}; reporting epoch {reported + 1} ({'best' if a.keep_best else 'last'})")
    print(f"per epoch, median: training pass {phases.median('train'):.2f} s ({n_train} clips), validation "
          f"{phases.median('valid'):.2f} s ({len(dls.valid.dataset)} windows); memory format {a.memory_format}"
          f"{'; validation batches kept after the first epoch' if a.keep_valid else ''}")
    print(pooling.round(4).to_string())
    print(f"clip accuracy (mean pooling): {report['accuracy']:.4f}, macro F1 {report['macro_f1']:.4f} "
          f"on {report['n_clips']} clips")
    if a.save: print(f"checkpoint: {save_checkpoint(learn, a.save)}")
    if a.json:
        row = dict(dataset=a.dataset, model=model, width=width, epochs=epochs, lr=lr, bs=bs, seed=a.seed,
                   augment=a.augment, mixup=mixup, threads=torch.get_num_threads(), load_s=round(load_s, 1),
                   train_s=round(train_s, 1), s_per_epoch=round(train_s / epochs, 2),
                   train_pass_s=round(phases.median('train'), 2), valid_pass_s=round(phases.median('valid'), 2),
                   memory_format=a.memory_format, from_cache=dls.store.from_cache, keep_valid=a.keep_valid, best_epoch=best + 1,
                   reported_epoch=reported + 1, best_epoch_clip_accuracy=hist[best][-1],
                   clip_accuracy=report['accuracy'], clip_macro_f1=report['macro_f1'],
                   window_accuracy=float(pooling.window_accuracy.iloc[0]),
                   pooling=pooling.clip_accuracy.to_dict(), **cost)
        with open(a.json, 'a') as f: f.write(json.dumps(row) + '\n')


if __name__ == '__main__':
    main()
