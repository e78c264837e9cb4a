"""Batch log-mel throughput: tinyaudio.features.LogMel (torchaudio, one batch) against librosa (clip by clip).

Both compute the same log-mel (16 kHz, n_fft 512, 30 ms Hann window, 20 ms hop, 40 HTK bands, center=False,
ln(mel + 1e-6)) of the same ESC-50 clips (decoded and resampled once, outside the timing). One run, best of
`--repeats`, single-threaded by default so the figure does not depend on how many cores are free.

    python benchmarks/bench_features.py [--clips 64] [--repeats 3] [--threads 1]
"""
import argparse, time
import numpy as np
import torch
import librosa
from tinyaudio.core import data_root
from tinyaudio.data import load_audio, pad_trim
from tinyaudio.features import FrontendConfig, LogMel

def best_time(fn, repeats:int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return min(times)

def librosa_logmel(waves:np.ndarray, cfg:FrontendConfig) -> list:
    return [np.log(librosa.feature.melspectrogram(y=w, sr=cfg.sample_rate, n_fft=cfg.n_fft, win_length=cfg.win_length,
                hop_length=cfg.hop_length, window='hann', center=False, power=cfg.power, n_mels=cfg.n_mels,
                fmin=cfg.f_min, fmax=cfg.f_max_hz, htk=cfg.mel_scale == 'htk', norm=cfg.norm) + cfg.log_offset)
            for w in waves]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--clips', type=int, default=64)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = FrontendConfig(normalize='none')
    paths = sorted((data_root()/'esc50'/'audio').glob('*.ogg'))[:args.clips]
    n = 5*cfg.sample_rate
    waves = torch.stack([pad_trim(load_audio(p, cfg.sample_rate)[0], n) for p in paths])  # (B, 1, n)
    seconds = len(paths)*n/cfg.sample_rate
    logmel = LogMel(cfg)
    with torch.no_grad():
        ours = logmel(waves)
        t_ours = best_time(lambda: logmel(waves), args.repeats)
    np_waves = waves[:, 0].numpy()
    ref = np.stack(librosa_logmel(np_waves, cfg))
    t_librosa = best_time(lambda: librosa_logmel(np_waves, cfg), args.repeats)
    err = np.abs(ours[:, 0].numpy() - ref).max()
    print(f"{len(paths)} ESC-50 clips x 5 s at {cfg.sample_rate} Hz ({seconds:.0f} s of audio), "
          f"output {tuple(ours.shape)}, torch threads {args.threads}, best of {args.repeats}")
    print(f"tinyaudio LogMel (batch): {t_ours*1e3:8.1f} ms  {len(paths)/t_ours:8.1f} clips/s  {seconds/t_ours:8.0f}x real time")
    print(f"librosa (per clip):       {t_librosa*1e3:8.1f} ms  {len(paths)/t_librosa:8.1f} clips/s  {seconds/t_librosa:8.0f}x real time")
    print(f"speed ratio tinyaudio/librosa: {t_librosa/t_ours:.1f}x   max |log-mel difference|: {err:.2e}")

if __name__ == '__main__': main()
