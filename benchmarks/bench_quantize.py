"""Accuracy of quantization-aware training versus bit width on FSDD (spoken digits), and the integer model's agreement.

    python benchmarks/bench_quantize.py [--model ds_cnn --width 0.5 --epochs 15 --qat-epochs 2 --lr 1e-2 --threads 1]

Protocol (data from tinyaudio.core.data_root()/fsdd): official split (recordings with index 0-4 are the test set,
the rest train), 8 kHz, each clip padded/trimmed to one 1 s window (FSDD clips are shorter than 1 s), log-mel with
40 bands and 20 ms hop, features computed once. A float model is trained, then for every configuration
(8, 6, 4, 3, 2 bits for weights and activations, and a mixed one: 8-bit first and last layers, 4-bit weights /
6-bit activations elsewhere) it is converted with `quantize_model` (BatchNorm folded, power-of-two scales,
per-channel weights), calibrated and fine-tuned with QAT. Prints test accuracy of the float model, of each Brevitas
model, and of its `IntModel` run by the pure-integer reference, plus the weight bytes as the C export packs them.
"""
import argparse, time, warnings
import numpy as np
import torch
from torch import nn

warnings.filterwarnings('ignore')


def fsdd_features(cfg):
    from tinyaudio.core import data_root
    from tinyaudio.data import load_audio, pad_trim
    from tinyaudio.datasets import read_fsdd
    from tinyaudio.features import LogMel
    items = read_fsdd(data_root()/'fsdd')
    vocab = sorted({it.label for it in items})
    frontend = LogMel(cfg).eval()
    xs, ys, splits = [], [], []
    for it in items:
        wave, _ = load_audio(it.path, sr=cfg.sample_rate)
        xs.append(pad_trim(wave, cfg.samples_per_window)[0])
        ys.append(vocab.index(it.label)); splits.append(it.split)
    with torch.no_grad(): x = torch.cat([frontend(torch.stack(xs[i:i+256])) for i in range(0, len(xs), 256)])
    y, test = torch.tensor(ys), np.array([s == 'test' for s in splits])
    return (x[~test], y[~test]), (x[test], y[test]), vocab


def accuracy_of(model, x, y):
    with torch.no_grad(): return float((model.eval()(x).argmax(1) == y).float().mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='ds_cnn'); ap.add_argument('--width', type=float, default=0.5)
    ap.add_argument('--epochs', type=int, default=15); ap.add_argument('--qat-epochs', type=int, default=2)
    ap.add_argument('--lr', type=float, default=1e-2); ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--configs', default='8,6,4,3,2,mixed-w4a6')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from fastai.learner import Learner
    from fastai.callback.schedule import fit_one_cycle  # noqa: F401 (patches Learner.fit_one_cycle)
    from fastai.metrics import accuracy
    from fastai.callback.progress import ProgressCallback
    from tinyaudio.core import seed_everything
    from tinyaudio.features import FrontendConfig
    from tinyaudio.models import MODELS
    from tinyaudio.qat import quantize_learner, to_intmodel
    from tinyaudio.intmodel import int_reference, quantize_input, packed_weight_bytes
    from tinyaudio.testing import tensor_dataloaders
    cfg = FrontendConfig(sample_rate=8000, n_fft=256, win_length=240, hop_length=160, n_mels=40, f_min=20.0)
    t0 = time.time()
    (xt, yt), (xv, yv), vocab = fsdd_features(cfg)
    print(f'features: train {tuple(xt.shape)} test {tuple(xv.shape)} in {time.time()-t0:.1f}s', flush=True)
    seed_everything(args.seed)
    dls = tensor_dataloaders(xt, yt, xv, yv, bs=args.bs, seed=args.seed)
    model = MODELS[args.model](len(vocab), cfg.n_mels, cfg.frames_per_window, width=args.width)
    learn = Learner(dls, model, loss_func=nn.CrossEntropyLoss(), metrics=accuracy)
    learn.remove_cb(ProgressCallback)
    t0 = time.time()
    with learn.no_logging(): learn.fit_one_cycle(args.epochs, args.lr)
    float_acc = accuracy_of(learn.model, xv, yv)
    n_params = sum(p.numel() for p in learn.model.parameters())
    print(f'{args.model} width {args.width}: {n_params} params, float test accuracy {float_acc:.3f} '
          f'({args.epochs} epochs, {time.time()-t0:.0f}s)', flush=True)
    print('config | QAT acc | int ref acc | int==brevitas argmax | weight bytes | QAT time', flush=True)
    for name in args.configs.split(','):
        seed_everything(args.seed)
        t0 = time.time()
        qlearn = quantize_learner(learn, bits=name, po2=True, per_channel=True)
        qlearn.remove_cb(ProgressCallback)
        with qlearn.no_logging(): qlearn.fit_one_cycle(args.qat_epochs, args.lr / 3)
        q_acc = accuracy_of(qlearn.model, xv, yv)
        im = to_intmodel(qlearn.model, class_names=vocab, frontend=cfg)
        pred = int_reference(im, quantize_input(im, xv)).argmax(1)
        with torch.no_grad(): pred_q = qlearn.model.eval()(xv).argmax(1).numpy()
        print(f'{name:>6} | {q_acc:.3f} | {float((pred == yv.numpy()).mean()):.3f} | {float((pred == pred_q).mean()):.3f} '
              f'| {packed_weight_bytes(im)} | {time.time()-t0:.0f}s', flush=True)


if __name__ == '__main__':
    main()
