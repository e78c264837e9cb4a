"""Continuous listening on long streams built from held-out clips only: keyword spotting next to MLPerf Tiny's
streaming wake-word figures, ESC-50 event soundscapes at three SNRs, and the latency study (window hop and
smoothing against event F1, false alarms and the Cortex-M4 cost per hop). The C decision layer is checked against
Python on every test stream.

    python benchmarks/bench_streams.py [--runs DIR] [--esc-epochs 40] [--part kws,esc50,latency] [--quick]

The runs are trained into `--runs` (default ~/.cache/tinyaudio/bench_streams) the first time and reused after:
- kws: the `speechcommands` recipe on the shared Speech Commands copy, split by speaker into train 70%, valid 15%
  and test 15%, 8-bit. The calibration stream uses valid-split speakers only, the test stream test-split speakers.
- esc50: the `esc50` recipe (folds 1-3 train, fold 4 valid), `--esc-epochs` epochs, 8-bit. Fold 4 is split in two
  halves by clip: one for the calibration soundscape, the other for the test soundscapes.
Needs the shared data ($TINYAUDIO_DATA), arm-none-eabi-gcc and qemu-system-arm for the Cortex-M4 part, gcc for the C.
"""
import argparse, hashlib, math, os, tempfile, time
from dataclasses import replace
from pathlib import Path
import numpy as np
from tinyaudio.pipeline import Run
from tinyaudio.events import EventRules, detect_events, posteriors_q15, Q15
from tinyaudio.listen import score_file, calibrate_rules, rules_of
from tinyaudio.streams import make_keyword_stream, make_soundscape, write_stream, stream_metrics, detection_tradeoff, false_alarms_at_recall
from tinyaudio.host import HostProject
from tinyaudio.export_c import write_c_project

KWS_SNR_DB = (10.0, 20.0)   # each word's SNR against the background noise (the _silence_ clips of its split), uniform
ESC_HOP_S = 0.1      # onsets to a 200 ms collar need rows finer than the recipe's 0.5 s hop
KWS_WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go']
MLPERF = dict(true_positives=44, misses=6, false_alarms=4, minutes=20)      # MLPerf Tiny v1.3 streaming wake word, closed, Cortex-M4

def trained(runs:Path, name:str, **train) -> Run:
    "The run `name` under `runs`, trained, quantized to 8 bits and exported the first time."
    run = Run(runs/name)
    if not run.file('artifact').is_file():
        t = time.time()
        run = Run.train(runs/name, quiet=True, **train)
        run.quantize(8, quiet=True)
        run.export()
        print(f"[{name}: trained, quantized and exported in {time.time() - t:.0f} s]", flush=True)
    return run

def split_of(run:Run, split:str) -> list:
    return [it for it in run.items() if it.split == split]

def half(items, which:int) -> list:
    "One of two halves of `items`, by a hash of the clip's file name (the same half on every machine)."
    return [it for it in items if int(hashlib.sha256(Path(it.path).name.encode()).hexdigest(), 16) % 2 == which]

def stream_file(stream, folder:Path) -> tuple[Path, list]:
    write_stream(stream, folder)
    return folder/'audio.wav', stream.events

def c_agrees(run:Run, intmodel, audio_path, rules) -> tuple[bool, int]:
    "Whether the exported C, audio in and events out, gives exactly the events Python gives from the C's own scores."
    import soundfile as sf
    with tempfile.TemporaryDirectory() as d:
        write_c_project(replace(intmodel, event_rules=rules.to_dict()), d, prefix='bs')
        host = HostProject(d, 'bs', intmodel=replace(intmodel, event_rules=rules.to_dict()))
        audio = sf.read(audio_path, dtype='float32')[0]
        scores = host.stream(audio, block_sizes=(1000, 160, 4093))
        c_events = host.listen(audio, block_sizes=(1000, 160, 4093))
    py_events = detect_events(scores, intmodel.class_names, rules, output_scale=intmodel.output_scale)
    return c_events == py_events, len(c_events)

def evaluate(intmodel, audio_path, truth, rules, duration_s, labels, scores=None) -> dict:
    scores = score_file(intmodel, audio_path) if scores is None else scores
    events = detect_events(scores, intmodel.class_names, rules, output_scale=intmodel.output_scale)
    m = stream_metrics(truth, events, duration_s, labels)
    w = intmodel.frontend.windowing(); sr = intmodel.frontend.sample_rate
    # the device knows of a detection when the window of its first row ends: (window + hop) / 2 after the row's stretch starts
    m['decision_delay_median'] = m['onset_delay_median'] + (w['window_samples'] + w['hop_samples']) / sr / 2
    return m

def tradeoff(intmodel, scores, truth, rules, duration_s, labels):
    p = posteriors_q15(scores, intmodel.output_scale) / Q15
    detect = lambda th: detect_events(p, intmodel.class_names, replace(rules, on=float(th), off=max(0.0, float(th) - 0.1)))
    return detection_tradeoff(truth, duration_s, labels, detect, np.round(np.arange(0.2, 0.991, 0.02), 2))

def _at_90(r) -> str:
    return f"{r['fa_at_90']:.1f}" if not math.isnan(r['fa_at_90']) else f"not reached (best recall {r['best_recall']:.2f})"

def kws_part(runs:Path, work:Path, quick:bool, latency:bool):
    run = trained(runs, 'kws_aug', data='speechcommands', split=dict(valid_pct=15, test_pct=15), augment=True)
    im = run.artifact()
    labels = KWS_WORDS
    minutes = 5 if quick else 20
    gap, snr = (8.0, 24.0), KWS_SNR_DB
    cal = make_keyword_stream(split_of(run, 'valid'), KWS_WORDS, duration_s=600 if not quick else 300, seed=1, gap_s=gap, snr_db=snr,
                              noise=[it.path for it in split_of(run, 'valid') if it.label == '_silence_'])
    test = make_keyword_stream(split_of(run, 'test'), KWS_WORDS, duration_s=minutes * 60, seed=2, gap_s=gap, snr_db=snr,
                               noise=[it.path for it in split_of(run, 'test') if it.label == '_silence_'])
    cal_audio, cal_truth = stream_file(cal, work/'kws_cal')
    test_audio, test_truth = stream_file(test, work/'kws_test')
    print(f"\n## Keyword stream: {minutes} min, {len(test_truth)} target words of {len(KWS_WORDS)} "
          f"(test-split speakers only) over their noise at {snr[0]:g}-{snr[1]:g} dB SNR, calibrated on a {cal.duration_s / 60:.0f}-min "
          f"valid-split stream for 6 false alarms an hour")
    base = EventRules.for_frontend(im.frontend, background=('_silence_', '_unknown_'), suppress_s=1.0)
    settings = [(0.5, 1), (0.25, 2), (0.1, 4)] if latency else [(0.5, 1)]
    rows = []
    for hop_s, smooth in settings:
        fe = replace(im.frontend, window_hop_seconds=hop_s)
        im_h = replace(im, frontend=fe, event_rules=None)
        rules0 = replace(EventRules.for_frontend(fe), background=base.background, suppress_s=base.suppress_s)
        cal_scores, test_scores = score_file(im_h, cal_audio), score_file(im_h, test_audio)
        rules, table = calibrate_rules(im_h, cal_scores, cal_truth, cal.duration_s, target_fa_per_hour=6.0, base=rules0,
                                       smooth_hops=(smooth,))
        m = evaluate(im_h, test_audio, test_truth, rules, test.duration_s, labels, test_scores)
        curve = tradeoff(im_h, test_scores, test_truth, rules, test.duration_s, labels)
        agree, n_c = c_agrees(run, im_h, test_audio, rules)
        rows.append(dict(window_s=fe.window_seconds, hop_s=fe.windowing()['hop_samples'] / fe.sample_rate, smooth_hops=smooth,
                         on=rules.on, m=m, fa_at_90=false_alarms_at_recall(curve, 0.9), best_recall=float(curve.recall.max()), c_agrees=agree, c_events=n_c, intmodel=im_h))
    print(f"| window s | hop s | smoothing | on | hits | misses | false alarms | FA/hour | FA/hour at 90% recall | event F1 | "
          f"median decision delay s | C = Python |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        m = r['m']
        print(f"| {r['window_s']:g} | {r['hop_s']:g} | {r['smooth_hops']} | {r['on']:.2f} | {m['true_positives']} | {m['misses']} | "
              f"{m['false_alarms']} | {m['false_alarms_per_hour']:.1f} | {_at_90(r)} | {m['event_f1']:.3f} | "
              f"{m['decision_delay_median']:.2f} | {'yes' if r['c_agrees'] else 'NO'} ({r['c_events']} events) |")
    scale = len(test_truth) / (MLPERF['true_positives'] + MLPERF['misses'])
    print(f"MLPerf Tiny v1.3 streaming wake word (closed, Cortex-M4 120 MHz, 20 min, 50 wake words): "
          f"{MLPERF['true_positives']} hits, {MLPERF['misses']} misses, {MLPERF['false_alarms']} false alarms "
          f"(12 per hour); this stream has {len(test_truth)} target words ({scale:.2f}x as many), 10 words instead of one")
    return rows

def esc_part(runs:Path, work:Path, epochs:int, quick:bool):
    run = trained(runs, 'esc50', data='esc50', epochs=epochs)
    im = run.artifact()
    im = replace(im, frontend=replace(im.frontend, window_hop_seconds=ESC_HOP_S), event_rules=None)   # the same network, a window every 0.1 s
    fold4 = split_of(run, 'valid')
    minutes = 3 if quick else 10
    cal = make_soundscape(half(fold4, 0), duration_s=minutes * 60, snr_db=10.0, seed=11)
    cal_audio, cal_truth = stream_file(cal, work/'esc_cal')
    rules, _ = calibrate_rules(im, score_file(im, cal_audio), cal_truth, cal.duration_s, target_fa_per_hour=30.0,
                               base=EventRules.for_frontend(im.frontend, merge_gap_s=0.5))
    print(f"\n## ESC-50 soundscapes: {minutes} min each, 6 events a minute, fold-4 clips of the test half only, 1 s windows every {ESC_HOP_S:g} s "
          f"(rules calibrated on the other half at 10 dB for 30 false alarms an hour: on {rules.on:.2f}, smoothing {rules.smooth_hops})")
    print("| SNR dB | events | hits | misses | false alarms | FA/hour | event F1 (200 ms onset collar) | event F1 (1 s collar) | "
          "median onset delay s | segment F1 (1 s) | C = Python |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for snr in (0.0, 10.0, 20.0):
        s = make_soundscape(half(fold4, 1), duration_s=minutes * 60, snr_db=snr, seed=21)
        audio, truth = stream_file(s, work/f'esc_{snr:g}')
        scores = score_file(im, audio)
        m = evaluate(im, audio, truth, rules, s.duration_s, im.class_names, scores)
        wide = stream_metrics(truth, detect_events(scores, im.class_names, rules, output_scale=im.output_scale), s.duration_s, im.class_names, collar_s=1.0)
        agree, n_c = c_agrees(run, im, audio, rules)
        print(f"| {snr:g} | {len(truth)} | {m['true_positives']} | {m['misses']} | {m['false_alarms']} | {m['false_alarms_per_hour']:.0f} | "
              f"{m['event_f1']:.3f} | {wide['event_f1']:.3f} | {m['onset_delay_median']:.2f} | {m['segment_f1']:.3f} | {'yes' if agree else 'NO'} ({n_c} events) |")

def latency_cost(rows, clock_hz:float=80e6):
    "Instructions per hop on the emulated Cortex-M4 (frontend frames of one hop + one network run + one decision step) per setting."
    from tinyaudio.mcu import run_pipeline_on_mcu, mcu_report
    print(f"\n## Cost per hop on the Cortex-M4 (QEMU mps2-an386, arm-none-eabi-gcc -O2, exact instruction counts), duty cycle at {clock_hz / 1e6:g} MHz")
    print("| window s | hop s | frontend insns per hop | network insns | decision insns | total per hop | duty cycle at 80 MHz | windows per s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        im = replace(r['intmodel'], event_rules=EventRules.for_frontend(r['intmodel'].frontend, on=r['on'], smooth_hops=r['smooth_hops'],
                                                                          background=('_silence_', '_unknown_'), suppress_s=1.0).to_dict())
        audio = np.zeros(im.frontend.samples_per_window, np.float32); audio[::97] = 0.1     # the cost does not depend on the audio
        res, _ = run_pipeline_on_mcu(im, audio, 'kws')
        rep = mcu_report(res, im, clock_hz)
        frontend = rep['hop_frames'] * rep['insns_frame']
        total = rep['insns_per_hop_listening']
        print(f"| {r['window_s']:g} | {r['hop_s']:g} | {frontend:,} | {rep['insns_window_network']:,} | {rep['insns_decision']:,} | "
              f"{total:,} | {total / clock_hz / r['hop_s']:.3f} | {1 / r['hop_s']:g} |")

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', default=str(Path.home()/'.cache'/'tinyaudio'/'bench_streams'))
    ap.add_argument('--esc-epochs', type=int, default=40)
    ap.add_argument('--part', default='kws,esc50,latency')
    ap.add_argument('--quick', action='store_true', help='shorter streams (5 and 3 minutes)')
    args = ap.parse_args()
    parts = set(args.part.split(','))
    runs = Path(args.runs); runs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        if parts & {'kws', 'latency'}: rows = kws_part(runs, work, args.quick, 'latency' in parts)
        if 'latency' in parts: latency_cost(rows)
        if 'esc50' in parts: esc_part(runs, work, args.esc_epochs, args.quick)

if __name__ == '__main__':
    main()
