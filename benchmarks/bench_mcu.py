"""Cost of the exported C pipeline on a Cortex-M4F (QEMU mps2-an386, arm-none-eabi-gcc -O2): flash, static RAM,
stack high-water mark, exact instructions per frontend frame, per analysis window (frontend and network), and
instructions per MAC of the network, with a per-layer breakdown.

The network is `tinyaudio.models.ds_cnn` quantized to int8 by `tinyaudio.qat` (random weights: cost does not
depend on training). The audio is one Speech Commands test clip when the shared data is present, else a synthetic chirp.

    python benchmarks/bench_mcu.py [--width 1.0] [--classes 12] [--bits 8] [--cpu m4]

`--bits 4` or `--bits 2` quantizes weights and activations to that width; sub-byte weights are stored packed.
"""
import argparse, tempfile
import numpy as np
import torch
from tinyaudio.core import data_root, seed_everything
from tinyaudio.features import FrontendConfig, LogMel
from tinyaudio.testing import synthetic_signals
from tinyaudio.models import build_model
from tinyaudio.qat import quantize_model, to_intmodel
from tinyaudio.mcu import run_pipeline_on_mcu, mcu_report, flash_ram_by_object
from tinyaudio.cgen import RUNTIME_PREFIX

def bench_intmodel(cfg, n_classes:int, width:float, bits=8, po2:bool=True, model_name:str='ds_cnn'):
    "A zoo model (ds_cnn by default) quantized by tinyaudio.qat (random weights: the cost does not depend on training); po2=False: float scales per channel."
    model = build_model(model_name, n_classes, cfg.n_mels, cfg.frames_per_window, width=width).eval()
    calib = LogMel(cfg)(torch.randn(16, cfg.samples_per_window)*0.1)
    q = quantize_model(model, bits=bits, po2=po2, per_channel=not po2, calib=calib)
    names = [f'class_{i}' for i in range(n_classes)]
    scales = 'po2' if po2 else 'multiplier + shift'
    return to_intmodel(q, class_names=names, frontend=cfg), f'{model_name}(width={width}) {bits}-bit {scales}'

def bench_audio(cfg):
    clips = sorted((data_root()/'speech_commands_v0.02_test').glob('yes/*.flac'))
    if clips:
        import soundfile as sf
        x, _ = sf.read(clips[0], dtype='float32')
        return np.pad(x, (0, max(0, cfg.samples_per_window - len(x))))[:cfg.samples_per_window], clips[0].name
    return synthetic_signals(cfg)['chirp'], 'synthetic chirp'

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--width', type=float, default=1.0)
    ap.add_argument('--classes', type=int, default=12)
    ap.add_argument('--bits', type=int, default=8)
    ap.add_argument('--cpu', default='m4')
    args = ap.parse_args()
    seed_everything(0)
    cfg = FrontendConfig()
    im, what = bench_intmodel(cfg, args.classes, args.width, args.bits)
    audio, source = bench_audio(cfg)
    with tempfile.TemporaryDirectory() as d:
        r, _ = run_pipeline_on_mcu(im, audio, 'kws', work_dir=d, cpu=args.cpu)
        by_obj = flash_ram_by_object(r)
        rep = mcu_report(r, im, prefix='kws')
    print(f'model: {what}; audio: {source}; cpu: {args.cpu}; frontend: {cfg.n_mels} mels x {cfg.frames_per_window} frames, '
          f'n_fft {cfg.n_fft}, hop {cfg.hop_length}')
    print(f"flash {rep['flash']} B   static RAM {rep['ram']} B   stack high-water {rep['stack']} B")
    ours = [o for o in by_obj if o.startswith((f'{RUNTIME_PREFIX}_', 'kws_'))]
    for obj in ours: print(f'  {obj:16s} flash {by_obj[obj][0]:7d} B  RAM {by_obj[obj][1]:6d} B')
    print(f"  exported pipeline flash {rep['exported_flash']} B, RAM {rep['exported_ram']} B "
          f'(the rest is the bench: test audio in flash, newlib printf, startup)')
    print(f"frontend: {rep['insns_frame']} insns per frame, {rep['insns_window_frontend']} insns per window "
          f"(incl. normalization + input quantization)")
    print(f"fixed-point frontend (int16 in, ta_logmel_frame_q): {rep['insns_frame_q']} insns per frame")
    print(f"network:  {rep['insns_window_network']} insns per window, {rep['macs']} MACs, {rep['insns_per_mac']:.2f} insns/MAC")
    for name, l in rep['layers'].items():
        per = f"{l['insns']/l['macs']:.2f} insns/MAC" if l['macs'] else ''
        print(f"  {name:24s} {l['op']:10s} {l['macs']:9d} MACs {l['insns']:10d} insns {per}")
    print(f"per hop of {rep['hop_s']*1e3:.0f} ms ({rep['hop_frames']} new frames + one network run): {rep['insns_per_hop']} insns; "
          f"real-time factor at {rep['clock_hz']/1e6:.0f} MHz (1 insn/cycle assumed): {rep['real_time_factor']:.3f}")

if __name__ == '__main__': main()
