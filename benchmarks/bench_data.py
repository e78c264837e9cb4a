"""Throughput of the tinyaudio data layer on the shared ESC-50 copy (OGG, 44.1/48 kHz, 5 s clips).

    python benchmarks/bench_data.py --n 400 [--sr 16000 --window 1.0 --hop 0.5 --workers 2 --threads 1]

Prints clips per second for: decoding alone (soundfile), decode + validate + resample (`load_audio`, one thread),
the same through `ClipStore` (parallel threads), windowing the decoded clips (`frame_windows`), and one epoch of
`audio_dataloaders` (train: one random window per clip; valid: every window).
"""
import argparse, time
import soundfile as sf
import torch
from tinyaudio.core import data_root
from tinyaudio.data import load_audio, ClipStore, frame_windows, audio_dataloaders
from tinyaudio.datasets import read_esc50
from tinyaudio.features import FrontendConfig
from tinyaudio.recipes import frontend_with


def timed(fn):
    start = time.perf_counter(); out = fn(); return out, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n', type=int, default=400, help='number of ESC-50 clips')
    p.add_argument('--sr', type=int, default=16000, help='target sample rate')
    p.add_argument('--window', type=float, default=1.0, help='window, seconds')
    p.add_argument('--hop', type=float, default=0.5, help='hop, seconds')
    p.add_argument('--workers', type=int, default=2, help='ClipStore decoding threads')
    p.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    frontend = frontend_with(FrontendConfig(), sample_rate=a.sr, window_s=a.window, window_hop_s=a.hop)

    items = read_esc50(data_root()/'esc50')
    items = items[::max(1, len(items) // a.n)][:a.n]   # spread over the folds (the CSV is sorted by fold)
    n = len(items)
    print(f"ESC-50 from {data_root()/'esc50'}: {n} clips -> {a.sr} Hz, window {a.window} s, hop "
          f"{frontend.window_hop_samples/a.sr} s (whole frames), "
          f"{a.workers} decode threads, {a.threads} torch threads")
    rows = []
    _, t = timed(lambda: [sf.read(it.path, dtype='float32') for it in items])
    rows.append(('decode only (soundfile)', n, t))
    _, t = timed(lambda: [load_audio(it.path, a.sr) for it in items])
    rows.append(('decode+validate+resample, 1 thread', n, t))
    store, t = timed(lambda: ClipStore(items, a.sr, n_workers=a.workers))
    rows.append((f'ClipStore, {a.workers} threads', n, t))
    wins, t = timed(lambda: [frame_windows(store[it.clip_id], frontend.samples_per_window,
                                                   frontend.window_hop_samples).contiguous() for it in items])
    n_win = sum(len(w) for w in wins)
    rows.append((f'frame_windows ({n_win} windows)', n, t))
    dls = audio_dataloaders(items, frontend, bs=64, seed=0, store=store)
    n_train, n_valid = len(dls.train.dataset), len(dls.valid.dataset)
    _, t = timed(lambda: [b for b in dls.train])
    rows.append(('train epoch, 1 random window/clip', n_train, t))
    _, t = timed(lambda: [b for b in dls.valid])
    rows.append((f'valid epoch, all {n_valid} windows', len(dls.valid.dataset.items), t))

    print(f"{'stage':42s} {'clips':>6s} {'seconds':>8s} {'clips/s':>9s}")
    for name, count, seconds in rows:
        print(f"{name:42s} {count:6d} {seconds:8.2f} {count / seconds:9.1f}")
    print(f"windows/s: frame_windows {n_win / rows[3][2]:.0f}, valid epoch {n_valid / rows[5][2]:.0f}; "
          f"store {store.nbytes / 2**20:.0f} MiB for {store.seconds:.0f} s of audio")


if __name__ == '__main__':
    main()
