"""The C network kernels and the log-mel frontend against the field's Cortex-M libraries: exact instructions and
estimated cycles on the emulated Cortex-M4 (QEMU mps2-an386, arm-none-eabi-gcc -O2), the Cortex-M7 (mps2-an500), and
the no-FPU frontend on the Cortex-M3 (mps2-an385). Estimated cycles are printed for the M4 only (the timing model is
the M4's).

Two networks: the exact MLPerf Tiny keyword-spotting DS-CNN shape (`ds_cnn(12, 10, 49)`, 10 mels x 49 frames) and
tinyaudio's default DS-CNN (40 mels x 49 frames); then regular convolutions, the Speech Commands recipe's tcnn, on the
M4 (the gathering SMLAD kernel) and the M3 (the scalar one). Random weights quantized by `tinyaudio.qat` (the cost does not depend
on training), with power-of-two scales, with float scales (per-channel integer multiplier + shift, the TFLite
arithmetic), and with 4- and 2-bit weights. For each: per-layer instructions, instructions and estimated cycles per
MAC, the instruction-class histogram that the cycle estimate is made of, activation RAM (the arena and the planner's
lower bound) and flash; then the frontend per 512-point frame (float and fixed point).

    python benchmarks/bench_kernels.py [--quick]

Reference figures (the issue's measurements; same bench for CMSIS, on hardware for X-CUBE-AI):
CMSIS-NN v7 on the MLPerf shape 7,693,500 instructions; ST X-CUBE-AI 9.0 on a NUCLEO-L4R5ZI 5.18 M cycles (MLPerf Tiny
v1.2); CMSIS-DSP log-mel (40 bands, f32) 35,985 instructions per frame. The cycles here are an estimate from the
timing model documented in `tinyaudio.mcu` (the TRM's instruction timings, zero wait states), not a measurement.
"""
import argparse, functools, tempfile
import numpy as np
from tinyaudio.core import seed_everything
from tinyaudio.features import FrontendConfig
from tinyaudio.mcu import run_pipeline_on_mcu, mcu_report, flash_ram_by_object
from tinyaudio.export_c import plan_arena
from tinyaudio.intmodel import int_reference
from bench_mcu import bench_audio, bench_intmodel

CMSIS_NN_MLPERF_INSNS = 7_693_500
XCUBE_AI_MLPERF_CYCLES = 5_180_000
CMSIS_DSP_FRAME_INSNS = 35_985
GOALS = dict(network_po2=3.9e6, network_mult_shift=5.0e6, depthwise_per_mac=3.0, pointwise_per_mac=1.3,
             cycles_per_mac=1.6, arena_bytes=16*1024, frame_float=28_000, frame_fixed=36_000)
VARIANTS = [('8-bit po2', 8, True), ('8-bit mult+shift', 8, False), ('w4a8 po2', 'w4a8', True),
            ('w2a8 po2', 'w2a8', True), ('4-bit po2 (w4a4)', 4, True)]
SHAPES = {'MLPerf KWS DS-CNN (10 mels x 49 frames)': FrontendConfig(n_mels=10),
          'default DS-CNN (40 mels x 49 frames)': FrontendConfig()}

@functools.cache
def measure(n_mels:int, bits, po2:bool, cpu:str, model:str='ds_cnn') -> dict:
    "One pipeline run of `model`(12, n_mels, 49) at `bits` on board `cpu` (each setting measured once per benchmark run)."
    cfg = FrontendConfig(n_mels=n_mels)
    seed_everything(0)
    im, _ = bench_intmodel(cfg, 12, 1.0, bits, po2, model)
    with tempfile.TemporaryDirectory() as d:
        r, out = run_pipeline_on_mcu(im, bench_audio(cfg)[0], 'kws', work_dir=d, cpu=cpu)
        rep = mcu_report(r, im, prefix='kws')
        by_object = flash_ram_by_object(r)
    # a figure of kernels that compute something else is no figure: the C scores must equal the integer reference's
    rep['c_exact'] = bool(np.array_equal(out['scores'], int_reference(im, out['input'].reshape(im.input_shape))))
    if not rep['c_exact']: raise SystemExit(f"{model}({n_mels} mels) at {bits} bits on {cpu}: the C scores differ from int_reference")
    rep['model_flash'], rep['frontend_flash'] = by_object['kws_model.o'][0], by_object['kws_frontend.o'][0]
    plan = plan_arena(im)
    rep['arena'], rep['lower_bound'] = plan['arena_bytes'], ping_pong_bound(im, plan)
    return rep

def ping_pong_bound(im, plan) -> int:
    "Bytes that must be live at once when no layer runs in place: the largest input + output of two consecutive arena layers."
    sizes = [int(np.prod(l.out_shape)) if w is not None else 0 for l, w in zip(im.layers, plan['writes'])]
    return max(a + b for a, b in zip(sizes, sizes[1:]))

def layers_of(rep, kind:str) -> list[dict]:
    "The measured layers of one kind: 'stem', 'depthwise' or 'pointwise' (the DS-CNN's convolutions other than its stem)."
    return [l for n, l in rep['layers'].items() if l['macs'] and
            (l['op'] == 'depthwise' if kind == 'depthwise' else l['op'] == 'conv2d' and (('stem' in n) == (kind == 'stem')))]

def per_mac(rep, kind:str, key:str='insns') -> float:
    "Instructions (or cycles) per MAC over all layers of `kind`."
    ls = layers_of(rep, kind)
    return sum(l[key] for l in ls)/max(sum(l['macs'] for l in ls), 1)

def print_layers(rep):
    print(f"  {'layer':24s} {'op':9s} {'MACs':>9s} {'insns':>10s} {'/MAC':>6s} {'est cycles':>11s} {'/MAC':>6s}")
    for name, l in rep['layers'].items():
        pm = f"{l['insns']/l['macs']:6.2f}" if l['macs'] else '     -'
        pc = f"{l['cycles']/l['macs']:6.2f}" if l['macs'] else '     -'
        print(f"  {name:24s} {l['op']:9s} {l['macs']:9d} {l['insns']:10d} {pm} {l['cycles']:11d} {pc}")

def print_classes(title, classes, total):
    shown = ', '.join(f'{k} {v/total:.1%}' for k, v in sorted(classes.items(), key=lambda kv: -kv[1]) if v)
    print(f'  {title}: {shown}')

def network_table(title, cfg, variants, cpus):
    reps = {}
    print(f'\n== {title} ==')
    print('(every row: the C scores on the board equal the integer reference\'s)')
    print(f"{'variant':18s} {'cpu':3s} {'insns':>10s} {'/MAC':>5s} {'est cyc':>10s} {'/MAC':>5s} {'stem':>5s} {'dw':>5s} {'pw':>5s}"
          f" {'arena B':>8s} {'bound B':>8s} {'model flash':>11s} {'vs CMSIS-NN':>11s} {'vs X-CUBE-AI':>12s}")
    for name, bits, po2 in variants:
        for cpu in cpus if name == variants[0][0] else cpus[:1]:
            rep = reps[name, cpu] = measure(cfg.n_mels, bits, po2, cpu)
            net, cyc = rep['insns_window_network'], rep['cycles_window_network']
            mlperf = cfg.n_mels == 10
            vs_nn = f"{net/CMSIS_NN_MLPERF_INSNS:11.2f}" if mlperf else f"{'':11s}"
            vs_st = f"{cyc/XCUBE_AI_MLPERF_CYCLES:12.2f}" if mlperf and cpu == 'm4' else f"{'':12s}"
            est = f"{cyc:10d} {rep['cycles_per_mac']:5.2f}" if cpu == 'm4' else f"{'-':>10s} {'-':>5s}"  # the model is the M4's
            print(f"{name:18s} {cpu:3s} {net:10d} {rep['insns_per_mac']:5.2f} {est}"
                  f" {per_mac(rep, 'stem'):5.2f} {per_mac(rep, 'depthwise'):5.2f} {per_mac(rep, 'pointwise'):5.2f}"
                  f" {rep['arena']:8d} {rep['lower_bound'] if rep['lower_bound'] is not None else '-':>8} {rep['model_flash']:11d} {vs_nn} {vs_st}")
    base = reps[variants[0][0], cpus[0]]
    print(f"per layer, {variants[0][0]} on {cpus[0]} ({base['macs']} MACs; est cycles from the M4 timing model):")
    print_layers(base)
    print_classes('network instruction classes', base['classes_network'], base['insns_window_network'])
    for op in ('stem', 'depthwise', 'pointwise'):
        ls = layers_of(base, op)
        merged = {k: sum(l['classes'][k] for l in ls) for k in ls[0]['classes']} if ls else {}
        if merged: print_classes(f'{op:9s}', merged, sum(merged.values()))
    return reps

def frontend_table(cpus):
    print('\n== log-mel frontend, one 512-point frame (n_fft 512, win 480, hop 320, 16 kHz) ==')
    print(f"{'mels':>4s} {'cpu':3s} {'float insns':>11s} {'est cyc':>8s} {'fixed insns':>11s} {'est cyc':>8s} {'float vs CMSIS-DSP':>18s}")
    out = {}
    for n_mels in (40, 10):
        for cpu in cpus:
            rep = out[n_mels, cpu] = measure(n_mels, 8, True, cpu)
            vs = f"{rep['insns_frame']/CMSIS_DSP_FRAME_INSNS:18.2f}" if n_mels == 40 else ''
            cf, cq = (rep['cycles_frame'], rep['cycles_frame_q']) if cpu == 'm4' else ('-', '-')
            print(f"{n_mels:4d} {cpu:3s} {rep['insns_frame']:11d} {cf:>8} {rep['insns_frame_q']:11d} {cq:>8} {vs}")
    m4 = out[40, 'm4']
    print_classes('float frame classes (40 mels, m4)', m4['classes_frame'], m4['insns_frame'])
    print_classes('fixed frame classes (40 mels, m4)', m4['classes_frame_q'], m4['insns_frame_q'])
    print(f"frontend flash (kws_frontend.o: float and fixed-point tables and configuration), 40 mels: {m4['frontend_flash']} B")
    return out

def conv_table(cpus):
    "Regular convolutions: the tcnn of the Speech Commands and FSDD recipes (a (40, 3) stem, (1, 9) convolutions over 32-96 channels)."
    print('\n== regular convolutions: tcnn(12, 40, 49), the speechcommands recipe model, 8-bit po2 ==')
    for cpu in cpus:
        rep = measure(40, 8, True, cpu, 'tcnn')
        print(f"{cpu}: network {rep['insns_window_network']:,} instructions (C == integer reference) ({rep['insns_per_mac']:.2f} per MAC), "
              f"stack {rep['stack']:,} B, exported flash {rep['exported_flash']:,} B")
        if cpu == cpus[0]: print_layers(rep)

def goal(what, value, limit, fmt='{:,.0f}'):
    print(f"  {'met    ' if value <= limit else 'NOT met'}  {what}: {fmt.format(value)} (goal <= {fmt.format(limit)})")

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='MLPerf shape on the M4 only, 8-bit po2 and mult+shift')
    args = ap.parse_args()
    variants = VARIANTS[:2] if args.quick else VARIANTS
    cpus = ['m4'] if args.quick else ['m4', 'm7']
    (mlperf_title, mlperf_cfg), (default_title, default_cfg) = SHAPES.items()
    mlperf = network_table(mlperf_title, mlperf_cfg, variants, cpus)
    if not args.quick: network_table(default_title, default_cfg, VARIANTS[:2], cpus)
    conv_table(['m4'] if args.quick else ['m4', 'm3'])
    front = frontend_table(['m4'] if args.quick else ['m4', 'm7', 'm3'])
    po2, ms = mlperf['8-bit po2', 'm4'], mlperf['8-bit mult+shift', 'm4']
    print('\n== goals (MLPerf shape, Cortex-M4) ==')
    goal('network instructions, power-of-two scales', po2['insns_window_network'], GOALS['network_po2'])
    goal('network instructions, multiplier + shift', ms['insns_window_network'], GOALS['network_mult_shift'])
    goal('depthwise instructions per MAC', per_mac(po2, 'depthwise'), GOALS['depthwise_per_mac'], '{:.2f}')
    goal('pointwise instructions per MAC', per_mac(po2, 'pointwise'), GOALS['pointwise_per_mac'], '{:.2f}')
    goal('estimated cycles per MAC (X-CUBE-AI measures 1.95 on hardware)', po2['cycles_per_mac'], GOALS['cycles_per_mac'], '{:.2f}')
    goal('activation arena bytes', po2['arena'], GOALS['arena_bytes'])
    for name in [v[0] for v in variants[2:]]:
        sub = mlperf[name, 'm4']
        goal(f'{name}: instructions per MAC against 8-bit', sub['insns_per_mac'], po2['insns_per_mac'], '{:.3f}')
        goal(f'{name}: arena bytes against 8-bit', sub['arena'], po2['arena'])
    goal('float frontend instructions per frame (40 mels)', front[40, 'm4']['insns_frame'], GOALS['frame_float'])
    goal('fixed-point frontend instructions per frame (40 mels)', front[40, 'm4']['insns_frame_q'], GOALS['frame_fixed'])

if __name__ == '__main__': main()
