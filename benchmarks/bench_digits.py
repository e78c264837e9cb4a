"""Digits within 16 kB: the FSDD recipe (tcnn at half width), 4-bit QAT, exported to C and evaluated in C on every
test clip, over several seeds.

    python benchmarks/bench_digits.py [--seeds 0,1,2] [--bits 4] [--qat-epochs 10] [--runs benchmarks/out/digits]

Protocol: FSDD's official split (recordings with index 0-4 are the 300 test clips, the rest train). The settings are
the recipe's and were not chosen on the test clips (the half width was picked for its size before any test figure at
that width). Per seed, the `tinyaudio` pipeline: `Run.train` (the recipe, clip cache on), `Run.quantize` (power-of-two
scales, per-channel weights, QAT), `Run.export` (QONNX, integer model, C), then `Run.evaluate(use_c=True)`: the
generated C, compiled for this machine, runs the frontend and the network on every window of every test clip, and a
clip's class is the argmax of its windows' mean integer logits (`ta_clip_mean`, what the device computes). Printed
per seed: float and QAT clip accuracy (fastai, mean of window probabilities), the deployed accuracy in C, the
weight bytes as the C stores them, and the times; then mean and range.
"""
import argparse, json, statistics, time
from pathlib import Path


def one_seed(a, seed:int) -> dict:
    from tinyaudio.pipeline import Run
    from tinyaudio.intmodel import packed_weight_bytes
    path = Path(a.runs)/f'fsdd_seed{seed}'
    start = time.perf_counter()
    run = Run.train(path, 'fsdd', seed=seed, quiet=True, cache=True)
    trained = time.perf_counter()
    quant = run.quantize(a.bits, a.qat_epochs, per_channel=True, quiet=True)
    exported = run.export()
    done = time.perf_counter()
    deployed = run.evaluate(split='test', use_c=True)
    return dict(seed=seed, bits=a.bits, float_accuracy=run.info['float_report']['clip_accuracy'],
                qat_accuracy=quant['clip_accuracy'], c_accuracy=deployed['accuracy'], c_clips=deployed['clips'],
                c_network_exact=exported['c_network_exact'], weight_bytes=packed_weight_bytes(run.artifact()),
                params=run.info['float_report']['params'], macs_per_s=run.info['float_report']['macs_per_s'],
                train_s=round(trained - start, 1), quantize_export_s=round(done - trained, 1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', default='0,1,2')
    p.add_argument('--bits', default='4', help="QAT bits: 8, 4, 'w4a8', ...")
    p.add_argument('--qat-epochs', type=int, default=10)
    p.add_argument('--runs', default='benchmarks/out/digits', help='run folders go here')
    p.add_argument('--json', default=None, help='append each seed as a JSON line to this file')
    a = p.parse_args()
    a.bits = int(a.bits) if a.bits.isdigit() else a.bits
    rows = []
    print(f"{'seed':>4s} {'float':>7s} {'QAT':>7s} {'C, deployed':>11s} {'weights':>9s} {'train s':>8s} {'QAT+export s':>12s}")
    for seed in [int(s) for s in a.seeds.split(',')]:
        r = one_seed(a, seed); rows.append(r)
        print(f"{seed:4d} {r['float_accuracy']:7.2%} {r['qat_accuracy']:7.2%} {r['c_accuracy']:11.2%} {r['weight_bytes']:9,d}"
              f" {r['train_s']:8.1f} {r['quantize_export_s']:12.1f}", flush=True)
        if a.json:
            with open(a.json, 'a') as f: f.write(json.dumps(r) + '\n')
    c = [r['c_accuracy'] for r in rows]
    print(f"deployed (C) clip accuracy over {len(rows)} seeds: mean {statistics.mean(c):.2%}, min {min(c):.2%}, max {max(c):.2%}"
          f" on {rows[0]['c_clips']} test clips; {rows[0]['weight_bytes']:,} weight bytes, {rows[0]['params']:,} parameters,"
          f" {rows[0]['macs_per_s']/1e6:.2f} M MACs per second of audio; C network exact on every seed: {all(r['c_network_exact'] for r in rows)}")


if __name__ == '__main__':
    main()
