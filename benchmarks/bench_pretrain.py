"""What self-supervised pretraining is worth: linear probes and fine-tuning with few labels, pretrained against random.

    python benchmarks/bench_pretrain.py [--encoder pretrained] [--probe esc50,speechcommands,fsdd]
                                        [--finetune speechcommands,fsdd] [--fractions 0.1,0.25,1] [--seeds 0]
                                        [--epochs N] [--runs benchmarks/out/pretrain]

The encoder (default: the one shipped with tinyaudio, `tinyaudio.pretrain.pretrained_path()`; retrain it with
`tinyaudio pretrain --epochs 80 --out FILE`) is compared with the same architecture with random weights (seeded),
the HEAR way:

(a) Linear probe. The encoder is frozen; each clip's embedding is the mean over its one-second windows (0.5 s hop) of
    the pooled features; a logistic regression is fitted on the training clips (C by 3-fold CV on them) and scored on
    the held-out clips. ESC-50: 4-fold cross-validation over the shared folds 1-4 (each fold held out once), mean and
    per fold. Speech Commands: the recipe's speaker-disjoint split (15% of speakers held out). FSDD: official split.
(b) Fine-tuning with 10%, 25% and 100% of the training labels (the same share of every class, `Run.train(labels=)`),
    the recipe's split and schedule, the encoder's model and frontend: from the encoder (`init='pretrained'`) against
    from scratch. Clip accuracy on the recipe's held-out split, float model.

Caveat printed with the table: the shipped encoder was pretrained on every clip of the shared data, the held-out
clips included, without labels (transductive); HEAR's encoders never hear the tasks' audio.
"""
import argparse, json, statistics, time
from pathlib import Path
import numpy as np


def probe_rows(dataset, bodies, frontend, seed):
    from tinyaudio.data import ClipStore
    from tinyaudio.recipes import read_dataset
    from tinyaudio.pretrain import clip_embeddings, linear_probe
    items = list(read_dataset(dataset))
    store = ClipStore(items, frontend.sample_rate, cache=True)   # decoded once, embedded by every body
    labels = np.array([it.label for it in items])
    if dataset == 'esc50':
        folds = np.array([it.fold for it in items])
        splits = [(f'fold {f}', folds != f, folds == f) for f in sorted(set(folds))]
    else:
        split = np.array([it.split for it in items])
        held = 'test' if 'test' in set(split) else 'valid'
        splits = [(held, split == 'train', split == held)]
    rows = []
    for name, body in bodies.items():
        t = time.perf_counter()
        x = clip_embeddings(body, items, frontend, store)
        accs = [linear_probe(x[tr], labels[tr], x[te], labels[te], seed)['accuracy'] for _, tr, te in splits]
        rows.append(dict(dataset=dataset, encoder=name, accuracy=statistics.mean(accs), per_split=dict(zip([s[0] for s in splits], accs)),
                         clips=len(items), seconds=round(time.perf_counter() - t, 1)))
    return rows


def finetune_row(a, dataset, fraction, init, seed, encoder):
    from tinyaudio.pipeline import Run, recipe_with_encoder
    from tinyaudio.recipes import recipe_for
    recipe = recipe_with_encoder(recipe_for(dataset), encoder)
    same = dict(model=recipe.model, frontend=recipe.frontend, **recipe.model_kwargs)   # scratch: the same network and frontend
    changes = dict(epochs=a.epochs) if a.epochs else {}
    path = Path(a.runs)/f'{dataset}_{init}_{round(fraction*100)}pct_seed{seed}'
    start = time.perf_counter()
    if init == 'scratch': run = Run.train(path, dataset, seed=seed, quiet=True, cache=True, labels=fraction, **same, **changes)
    else: run = Run.train(path, dataset, seed=seed, quiet=True, cache=True, labels=fraction, init=a.encoder, **changes)
    report = run.info['float_report']
    return dict(dataset=dataset, labels=fraction, init=init, seed=seed, accuracy=report['clip_accuracy'],
                macro_f1=report['clip_macro_f1'], train_clips=sum(it.split == 'train' for it in run.items()),
                epochs=run.recipe.epochs, seconds=round(time.perf_counter() - start, 1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--encoder', default='pretrained', help="'pretrained' (shipped) or an encoder file")
    p.add_argument('--probe', default='esc50,speechcommands,fsdd', help='datasets for the linear probe ("" for none)')
    p.add_argument('--finetune', default='speechcommands,fsdd', help='datasets for fine-tuning ("" for none)')
    p.add_argument('--fractions', default='0.1,0.25,1')
    p.add_argument('--seeds', default='0')
    p.add_argument('--epochs', type=int, default=None, help="fine-tuning epochs (default: the recipe's)")
    p.add_argument('--runs', default='benchmarks/out/pretrain', help='fine-tuning run folders go here')
    p.add_argument('--json', default=None, help='append every row as a JSON line to this file')
    a = p.parse_args()
    from tinyaudio.pretrain import resolve_encoder, encoder_of
    from tinyaudio.core import seed_everything
    encoder = resolve_encoder(a.encoder)
    about = encoder.about
    print(f"encoder {encoder.path}: {encoder.model_name} {encoder.model_kwargs}, {encoder.frontend.n_mels} mels at "
          f"{encoder.frontend.sample_rate} Hz; pretrained on {about.get('clips')} clips ({about.get('seconds_of_audio')} s), "
          f"{about.get('epochs')} epochs in {about.get('train_seconds')} s, final losses {about.get('final_losses')}")
    print("caveat: it heard every clip of the shared data during pretraining, the held-out clips included (without labels)")
    seeds = [int(s) for s in a.seeds.split(',')]
    out = []
    def emit(row):
        out.append(row)
        if a.json:
            with open(a.json, 'a') as f: f.write(json.dumps(row) + '\n')
    if a.probe:
        seed_everything(seeds[0])
        bodies = {'pretrained': encoder_of(encoder.build(2)), 'random': encoder_of(encoder.build(2, pretrained=False))}
        print('\n(a) linear probe, clip accuracy on held-out clips')
        print(f"{'dataset':15s} {'pretrained':>10s} {'random':>8s}  per split (pretrained / random)")
        for ds in a.probe.split(','):
            rows = probe_rows(ds, bodies, encoder.frontend, seeds[0])
            for r in rows: emit(dict(part='probe', **r))
            pre, rnd = rows
            splits = ', '.join(f"{k} {pre['per_split'][k]:.1%}/{rnd['per_split'][k]:.1%}" for k in pre['per_split'])
            print(f"{ds:15s} {pre['accuracy']:10.1%} {rnd['accuracy']:8.1%}  {splits}", flush=True)
    if a.finetune:
        print('\n(b) fine-tuning: clip accuracy (float) on the recipe\'s held-out clips, mean over seeds')
        print(f"{'dataset':15s} {'labels':>6s} {'clips':>6s} {'scratch':>8s} {'pretrained':>10s} {'gain':>7s} {'s per run':>9s}")
        for ds in a.finetune.split(','):
            for fraction in [float(f) for f in a.fractions.split(',')]:
                got = {init: [finetune_row(a, ds, fraction, init, s, encoder) for s in seeds] for init in ('scratch', 'pretrained')}
                for rows in got.values():
                    for r in rows: emit(dict(part='finetune', **r))
                acc = {k: statistics.mean(r['accuracy'] for r in v) for k, v in got.items()}
                secs = statistics.mean(r['seconds'] for v in got.values() for r in v)
                print(f"{ds:15s} {fraction:6.0%} {got['scratch'][0]['train_clips']:6d} {acc['scratch']:8.1%} {acc['pretrained']:10.1%}"
                      f" {acc['pretrained'] - acc['scratch']:+7.1%} {secs:9.1f}", flush=True)


if __name__ == '__main__':
    main()
