"""Compression on a real dataset: QAT accuracy against bits, and distillation and channel pruning at equal size.

First train (and save) the float model with bench_train.py, then run the studies on it; each appends one JSON line
per configuration to --json, and `report` turns those lines into the README table and the Pareto plot:

    python benchmarks/bench_train.py --dataset esc50 --save benchmarks/out/esc50_stride_ds.pt
    python benchmarks/bench_compress.py sweep --float benchmarks/out/esc50_stride_ds.pt --configs 8,6,4,3,2,mixed,w4a8
    python benchmarks/bench_compress.py distill --float benchmarks/out/esc50_stride_ds.pt --width 0.5
    python benchmarks/bench_compress.py prune --float benchmarks/out/esc50_stride_ds.pt --amount 0.5
    python benchmarks/bench_compress.py report --plot nbs/images/compression_esc50.png

Protocol (ESC-50: train folds 1-3, validate fold 4; the recipe's 1 s windows with 0.5 s hop, clip = mean of its
windows' probabilities), with the float training's mixup and label smoothing kept during every fine-tune:
  sweep    the float model converted with `quantize_model` (BatchNorm folded, power-of-two scales, per-channel
           weights, calibrated) then QAT fine-tuned for --qat-epochs with one-cycle at --qat-lr (0: calibration
           only, post-training quantization). Bits: '6' is 6-bit weights and activations, 'w4a8' 4-bit weights
           and 8-bit activations, 'mixed' 8 bits for the first and last layers and 4/4 elsewhere ('mixed-w3a4' to
           choose the body). --seed changes the fine-tune's data order and mixup draws. The integer reference (`IntModel`,
           numpy) is run on --check-windows validation windows and compared with the Brevitas prediction.
           --kd adds distillation from the float model during QAT; --scales float uses float scales (the C export
           then requantizes with an integer multiplier and shift instead of a shift alone).
  distill  the same architecture at --width, trained for --epochs from scratch twice with the same seed:
           without and with `DistillationCallback` (teacher: the float model, T=--temperature, alpha=--alpha).
  prune    `prune_channels(float model, --amount)` (lowest-L1 filters of every regular convolution) fine-tuned for
           --epochs, with and without distillation from the unpruned model; and the same pruned shape re-initialised
           and trained from scratch for the float model's epochs: accuracy at equal size.
Weight bytes are as the C export stores them (`packed_weight_bytes`; float32 rows: 4 bytes a weight).
"""
import argparse, copy, json, os, time, warnings
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from torch import nn
from tinyaudio.core import markdown_table

warnings.filterwarnings('ignore')
OUT = Path('benchmarks/out')


def load_setup(a):
    "Checkpoint, recipe, DataLoaders and a Learner holding the float model (mixup as in its training)."
    from tinyaudio.core import seed_everything
    from tinyaudio.recipes import RECIPES, read_dataset, recipe_dataloaders
    from tinyaudio.train import load_checkpoint
    ck = load_checkpoint(a.float)
    recipe = RECIPES[a.dataset].replace(frontend=ck.frontend)
    seed_everything(a.seed)
    dls = recipe_dataloaders(recipe, read_dataset(a.dataset, split=recipe.split), seed=a.seed)
    if list(dls.vocab) != list(ck.vocab): raise SystemExit(f'{a.float}: its classes are not those of {a.dataset}')
    return ck, recipe, dls


def training_cbs(a, teacher=None) -> list:
    "Fresh callbacks for one fine-tune: mixup as in the float training, and distillation from `teacher` if given."
    from tinyaudio.augment import mixup
    from tinyaudio.compress import DistillationCallback
    return ([mixup(a.mixup)] if a.mixup > 0 else []) + ([DistillationCallback(teacher, a.temperature, a.alpha)] if teacher else [])


def learner(a, dls, recipe, model, teacher=None):
    "A quiet tinyaudio Learner for `model` with the benchmark's mixup, label smoothing and (optionally) a teacher."
    from tinyaudio.train import audio_learner
    return audio_learner(dls, model, frontend=recipe.frontend, seed=a.seed, quiet=True, save_best=False,
                         label_smoothing=a.label_smoothing, cbs=training_cbs(a, teacher))


def float_cost(model, recipe) -> dict:
    from tinyaudio.pipeline import model_summary
    cost = model_summary(model, recipe.frontend)
    return dict(params=cost['params'], macs_per_s=cost['macs_per_s'], int8_weight_bytes=cost['weight_bytes'],
                float32_weight_bytes=model_summary(model, recipe.frontend, bits=32)['weight_bytes'])


def clip_scores(learn) -> dict:
    from tinyaudio.train import clip_report
    r = clip_report(learn)
    return dict(clip_accuracy=r['accuracy'], clip_macro_f1=r['macro_f1'])


def record(a, row:dict):
    row = dict(dataset=a.dataset, seed=a.seed, threads=torch.get_num_threads(), **row)
    print(json.dumps(row), flush=True)
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    with open(a.json, 'a') as f: f.write(json.dumps(row) + '\n')


def fit(learn, epochs:int, lr:float) -> float:
    "Seconds of `fit_one_cycle(epochs, lr)`; 0 epochs trains nothing (the sweep's post-training quantization)."
    start = time.perf_counter()
    if epochs > 0: learn.fit_one_cycle(epochs, lr)
    return round(time.perf_counter() - start, 1)


def valid_inputs(dls, n:int) -> torch.Tensor:
    "The first `n` validation windows as the model sees them (log-mel, after the DataLoaders' batch transforms)."
    batches, have = [], 0
    for x, _ in dls.valid:
        batches.append(x.as_subclass(torch.Tensor)); have += len(x)
        if have >= n: break
    return torch.cat(batches)[:n]


def sweep(a):
    from tinyaudio.core import seed_everything
    from tinyaudio.train import make_quiet
    from tinyaudio.qat import quantize_learner, to_intmodel
    from tinyaudio.intmodel import int_reference, quantize_input, packed_weight_bytes
    ck, recipe, dls = load_setup(a)
    learn = learner(a, dls, recipe, ck.model)
    cost = float_cost(ck.model, recipe)
    record(a, dict(study='float', config='float32', **clip_scores(learn), params=cost['params'],
                   macs_per_s=cost['macs_per_s'], weight_bytes=cost['float32_weight_bytes']))
    mels = valid_inputs(dls, a.check_windows)
    for name in a.configs.split(','):
        seed_everything(a.seed)
        teacher = ck.model if a.kd else None
        qlearn = make_quiet(quantize_learner(learn, bits=name, po2=a.scales == 'po2', per_channel=True,
                                             cbs=training_cbs(a, teacher)))
        seconds = fit(qlearn, a.qat_epochs, a.qat_lr)
        im = to_intmodel(qlearn.model.eval(), class_names=list(dls.vocab), frontend=recipe.frontend)
        with torch.no_grad(): brevitas_pred = qlearn.model(mels).argmax(1).numpy()
        int_pred = int_reference(im, quantize_input(im, mels)).argmax(1)
        label = (name + ('' if a.scales == 'po2' else f' {a.scales} scales') + (' + KD' if a.kd else '')
                 + (' PTQ' if a.qat_epochs == 0 else ''))
        record(a, dict(study='sweep', config=label, bits=name, scales=a.scales, distilled=a.kd, **clip_scores(qlearn), params=cost['params'],
                       macs_per_s=cost['macs_per_s'], weight_bytes=packed_weight_bytes(im), qat_epochs=a.qat_epochs,
                       qat_lr=a.qat_lr, seconds=seconds, int_agreement=float(np.mean(int_pred == brevitas_pred)),
                       n_checked=len(int_pred)))


def scratch_copy(model:nn.Module) -> nn.Module:
    "Same architecture (and channel counts) as `model`, freshly initialised."
    fresh = copy.deepcopy(model)
    for m in fresh.modules():
        if hasattr(m, 'reset_parameters'): m.reset_parameters()
        if hasattr(m, 'reset_running_stats'): m.reset_running_stats()
    return fresh


def train_and_record(a, dls, recipe, model, study, config, epochs, lr, teacher=None, **extra):
    learn = learner(a, dls, recipe, model, teacher)
    seconds = fit(learn, epochs, lr)
    cost = float_cost(learn.model, recipe)
    record(a, dict(study=study, config=config, **clip_scores(learn), params=cost['params'],
                   macs_per_s=cost['macs_per_s'], weight_bytes=cost['float32_weight_bytes'],
                   int8_weight_bytes=cost['int8_weight_bytes'], epochs=epochs, lr=lr, seconds=seconds,
                   distilled=teacher is not None, **extra))


def distill(a):
    from tinyaudio.core import seed_everything
    from tinyaudio.train import build_named_model
    ck, recipe, dls = load_setup(a)
    kwargs = {**ck.model_kwargs, 'width': a.width}
    for teacher in (None, ck.model):
        seed_everything(a.seed)
        student = build_named_model(ck.model_name, **kwargs)
        label = f"{ck.model_name} w{a.width}" + (' + KD' if teacher is not None else '')
        train_and_record(a, dls, recipe, student, 'distill', label, a.epochs, a.lr, teacher,
                         temperature=a.temperature, alpha=a.alpha)


def prune(a):
    from tinyaudio.compress import prune_channels
    ck, recipe, dls = load_setup(a)
    pruned = prune_channels(ck.model, amount=a.amount)
    tag = f"pruned {a.amount:.0%}"
    train_and_record(a, dls, recipe, copy.deepcopy(pruned), 'prune', f'{tag} + fine-tune', a.epochs, a.lr)
    train_and_record(a, dls, recipe, copy.deepcopy(pruned), 'prune', f'{tag} + fine-tune + KD', a.epochs, a.lr,
                     teacher=ck.model, temperature=a.temperature, alpha=a.alpha)
    train_and_record(a, dls, recipe, scratch_copy(pruned), 'prune', f'{tag} shape from scratch', a.scratch_epochs, a.lr)


def latest_rows(path, dataset) -> list[dict]:
    "The newest row of every (study, config, seed) of `dataset`."
    rows = {}
    for line in Path(path).read_text().splitlines():
        r = json.loads(line)
        if r['dataset'] == dataset: rows[(r['study'], r['config'], r['seed'])] = r
    return list(rows.values())


STUDY_ORDER = {'float': 0, 'sweep': 1, 'distill': 2, 'prune': 3}


def report_table(df):
    "The README table: one row per configuration, accuracies in percent, differences in points."
    float_acc = df.loc[df.study == 'float', 'clip_accuracy'].iloc[0]
    df = df.reindex(columns=df.columns.union(['qat_epochs', 'epochs', 'int_agreement']))  # absent when a study was not run
    return pd.DataFrame({
        'study': df.study, 'configuration': df.config,
        'clip accuracy': (df.clip_accuracy * 100).map('{:.2f}%'.format),
        'vs float': ((df.clip_accuracy - float_acc) * 100).map('{:+.2f}'.format),
        'params': df.params.map('{:,}'.format), 'weight bytes': df.weight_bytes.map('{:,}'.format),
        'M MACs/s': (df.macs_per_s / 1e6).map('{:.1f}'.format),
        'epochs': df.qat_epochs.fillna(df.epochs).map(lambda v: '' if pd.isna(v) else f'{int(v)}'),
        'int ref == Brevitas': df.int_agreement.map(lambda v: '' if pd.isna(v) else f'{v:.3f}'),
    })


def seed_spread(runs):
    "Clip accuracy over seeds for the configurations run with more than one seed."
    groups = runs.groupby(['study', 'config'], sort=False).clip_accuracy
    stats = pd.DataFrame({'seeds': groups.size(), 'min': groups.min() * 100, 'mean': groups.mean() * 100,
                          'max': groups.max() * 100})
    stats = stats[stats.seeds > 1].reset_index()
    stats = stats[stats.study != 'float']  # re-evaluated by every sweep run, not retrained
    for col in ('min', 'mean', 'max'): stats[col] = stats[col].map('{:.2f}%'.format)
    return stats


def short_label(config:str) -> str:
    "'4 PTQ' -> 'W4A4 PTQ', 'w4a8' -> 'W4A8', 'stride_ds w0.5 + KD' -> 'w0.5 + KD': labels that fit beside a point."
    bits, _, rest = config.partition(' ')
    if bits.isdigit(): return f'W{bits}A{bits} {rest}'.strip()
    if bits.startswith('w') and bits[1:2].isdigit(): return f'{bits.upper()} {rest}'.strip()
    return config.replace('stride_ds ', '').replace('fine-tune', 'ft').replace(' shape from scratch', ' shape, scratch')


def pareto_plot(df, path, dataset:str, floor:float=0.6):
    "Clip accuracy against weight bytes, Pareto front marked; runs below `floor` drawn on the floor with their value."
    import matplotlib
    matplotlib.use('Agg')
    from tinyaudio.models import plot_accuracy_vs_cost
    shown = df.assign(label='', plotted=df.clip_accuracy.clip(lower=floor))
    fig = plot_accuracy_vs_cost(shown, accuracy='plotted', label='label',
                                costs=(('weight_bytes', 'weight bytes as stored (float32 models: 4 per weight)'),))
    fig.set_size_inches(9, 5.5)
    ax = fig.axes[0]
    ax.set_ylim(floor - 0.01, df.clip_accuracy.max() + 0.01)
    label_step = 10 * (ax.get_ylim()[1] - ax.get_ylim()[0]) / (fig.get_size_inches()[1] * 72 * 0.8)  # ~10 pt in data units
    sizes = sorted(set(shown.weight_bytes))
    for size in sizes:
        # labels go left when the next column of points is close on the right, and are spread to not overlap
        bigger = [b for b in sizes if b > size]
        right = not bigger or bigger[0] > 1.3 * size
        column = shown[shown.weight_bytes == size].sort_values('plotted')
        label_y = -np.inf
        for _, r in column.iterrows():
            label_y = max(r.plotted, label_y + label_step)
            text = short_label(r.config) + ('' if r.clip_accuracy >= floor else f': {r.clip_accuracy:.1%}, off the scale')
            on_right = right or r.clip_accuracy < floor
            ax.annotate(text, (size, r.plotted), xytext=(size * (1.04 if on_right else 0.96), label_y), fontsize=8,
                        ha='left' if on_right else 'right', va='center')
    ax.set_ylabel('clip accuracy'); ax.set_title(f'{dataset}: clip accuracy against weight bytes (Pareto front in orange)')
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches='tight')
    return path


def report(a):
    runs = pd.DataFrame(latest_rows(a.json, a.dataset))
    df = runs[runs.seed == a.seed].sort_values('study', key=lambda col: col.map(STUDY_ORDER), kind='stable').reset_index(drop=True)
    print(markdown_table(report_table(df), 'g'))
    spread = seed_spread(runs)
    if len(spread): print('\nacross seeds (the QAT fine-tune or training seed; same float model):\n' + markdown_table(spread, 'g'))
    if a.plot: print(f'plot: {pareto_plot(df, a.plot, a.dataset)}')


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('study', choices=('sweep', 'distill', 'prune', 'report'))
    p.add_argument('--dataset', default='esc50', choices=('esc50', 'fsdd', 'speechcommands'))
    p.add_argument('--float', default=str(OUT/'esc50_stride_ds.pt'), help='float checkpoint (bench_train.py --save)')
    p.add_argument('--configs', default='8,6,4,3,2,mixed,w4a8')
    p.add_argument('--qat-epochs', type=int, default=20); p.add_argument('--qat-lr', type=float, default=2e-3)
    p.add_argument('--check-windows', type=int, default=256)
    p.add_argument('--scales', choices=('po2', 'float'), default='po2',
                   help='sweep: power-of-two scales (shift-only requantization) or float scales (multiplier and shift)')
    p.add_argument('--kd', action='store_true', help='sweep: distil from the float model during QAT')
    p.add_argument('--width', type=float, default=0.5); p.add_argument('--amount', type=float, default=0.5)
    p.add_argument('--epochs', type=int, default=80); p.add_argument('--scratch-epochs', type=int, default=80)
    p.add_argument('--lr', type=float, default=1e-2)
    p.add_argument('--mixup', type=float, default=None, help="mixup alpha (default: the recipe's, as in bench_train.py)")
    p.add_argument('--label-smoothing', type=float, default=0.1)
    p.add_argument('--temperature', type=float, default=4.0); p.add_argument('--alpha', type=float, default=0.5)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--json', default=str(OUT/'compress_results.jsonl'))
    p.add_argument('--plot', default=None, help='report: write the Pareto plot here (PNG)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.mixup is None:
        from tinyaudio.recipes import RECIPES
        a.mixup = RECIPES[a.dataset].mixup
    print(f'{a.study} on {a.dataset}: torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}', flush=True)
    dict(sweep=sweep, distill=distill, prune=prune, report=report)[a.study](a)


if __name__ == '__main__':
    main()
