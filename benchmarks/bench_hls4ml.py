"""Does hls4ml read tinyaudio's QONNX export, and does its C simulation predict what the Brevitas model predicts?

Claim checked: hls4ml (PyPI 1.3.x) converts the file written by `tinyaudio.export_onnx.export_qonnx_model`, and the
generated C++ (compiled with g++: hls4ml's C simulation, no Vitis/Vivado needed) gives the same classes as the
Brevitas model on real audio. The script also shows where this fails and why: models ending in global average
pooling (ds_cnn, stride_ds) are refused as exported; a small graph rewrite makes them pass, and two hls4ml precision
defaults explain the remaining logit differences.

hls4ml is not a tinyaudio dependency. scripts/install.sh installs it into `.hls4ml` in the repository, apart, so
the project's torch/onnx/qonnx/numpy stay untouched (`--no-deps`; hls4ml's other requirements, numpy and pyyaml,
are already installed):

    pip install --no-deps --target .hls4ml hls4ml==1.3.0 h5py==3.16.0 pydigitalwavetools==1.1 quantizers==1.2.2

Set `HLS4ML_PATH` to use another folder. g++ must be on PATH. tests/test_hls4ml.py runs a small case in CI.

Protocol. Data: tinyaudio.core.data_root()/'fsdd', official split, 8 kHz, one window per clip (pad/trim), 40 log-mel
bands, hop 160 (input (1, 40, 49)), computed with bench_quantize.py's `fsdd_features`. Per model: the zoo model at
`--width`, trained in float for `--epochs` epochs (plain Adam: accuracy is not the point, realistic weights and
activation ranges are), converted with `quantize_model(bits=8, po2=True)` calibrated on 256 training windows,
exported with `export_qonnx_model`, then prepared as hls4ml's QONNX documentation says (qonnx cleanup,
ConvertToChannelsLastAndClean, GemmToMatMul, cleanup). Graph variants (`--variants`):

    as_exported  nothing more;
    cl_avgpool   what `tinyaudio.export_onnx.hls4ml_qonnx` does: drop the Transpose that qonnx leaves in front of
                 the whole-map AveragePool and mark the pool channels-last (its output is 1x1, so Flatten sees the
                 same vector);
    global_op    the other route hls4ml's ONNX front end has for global pooling: the standard GlobalAveragePool op
                 (what torch.onnx.export writes for AdaptiveAvgPool2d(1)) in place of AveragePool, Transpose kept;
    global_op_cl GlobalAveragePool with the Transpose dropped (channels-last input).

Variants only differ for models with global pooling; the others run `as_exported` only. hls4ml precision
(`--precision`): `default` is config_from_onnx_model's (fixed<16,6> default, other types inferred from the Quant
nodes); `wide` applies `tinyaudio.export_onnx.hls4ml_precision` (input and average-pool types), `wide_input` /
`wide_pool` only one of them (see `hls4ml_config`). Each graph is converted with `hls4ml.converters.convert_from_onnx_model` (Vitis backend,
io_stream), compiled with g++ and run on `--n` test windows drawn at random (seeded). Printed per model, variant
and precision: converted or the exact error (with the hls4ml source line that raised it), argmax agreement with the
Brevitas model, max |logit difference|, how many "read while empty" stream warnings the C simulation printed, and
the time of each step.

Findings with hls4ml 1.3.0 / qonnx 1.0.0: sb_cnn converts as exported; ds_cnn and stride_ds are refused
(pooling.py:15, AveragePool not in the channels-last domain); with `cl_avgpool` they convert, and with `wide` the
C simulation's logits equal Brevitas' exactly. `global_op` converts but computes garbage (a channels-first
Transpose feeds a channels-last global pool; stride_ds even dies on SIGILL), `global_op_cl` is refused (the
global-pool parser reads the NHWC shape as NCHW, so the Dense input size is wrong).

Run (about 4.5 minutes on one busy core with the defaults):

    OMP_NUM_THREADS=1 python benchmarks/bench_hls4ml.py [--models sb_cnn,ds_cnn,stride_ds] [--n 64] [--epochs 8]
        [--width 0.25] [--variants as_exported,cl_avgpool,global_op,global_op_cl]
        [--precision default,wide,wide_input,wide_pool]
"""
import argparse, contextlib, io, multiprocessing, os, signal, sys, tempfile, time, traceback, warnings
from pathlib import Path
import numpy as np
import torch
from torch import nn
from tinyaudio.export_onnx import channels_last_global_pools

warnings.filterwarnings('ignore')

HLS4ML_PATH = os.environ.get('HLS4ML_PATH', str(Path(__file__).resolve().parent.parent/'.hls4ml'))
INSTALL_HINT = (f'pip install --no-deps --target {HLS4ML_PATH} hls4ml==1.3.0 h5py==3.16.0 pydigitalwavetools==1.1 '
                'quantizers==1.2.2   (scripts/install.sh does this)')


def try_import_hls4ml():
    "hls4ml from its separate install folder, or None with the reason."
    if HLS4ML_PATH not in sys.path: sys.path.insert(0, HLS4ML_PATH)
    try:
        import hls4ml
        return hls4ml, None
    except ImportError as err: return None, f'hls4ml cannot be imported from HLS4ML_PATH={HLS4ML_PATH} ({err})'


def import_hls4ml():
    "hls4ml from its separate install folder; exit with the install command when it is missing."
    hls4ml, why = try_import_hls4ml()
    if hls4ml is None: sys.exit(f'{why}.\nInstall it with:\n    {INSTALL_HINT}')
    return hls4ml


# ---- data and models -------------------------------------------------------------------------------------------

def load_fsdd(cfg):
    "(train x, y), (test x, y), vocab: bench_quantize.py's feature pipeline, imported so both stay identical."
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_quantize import fsdd_features
    return fsdd_features(cfg)


def train_float(model:nn.Module, x:torch.Tensor, y:torch.Tensor, epochs:int, lr:float=3e-3, bs:int=64, seed:int=0):
    "A few epochs of plain Adam: enough for realistic weight and activation ranges, not for accuracy."
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(bs):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


def build_and_quantize(name:str, args, n_classes:int, cfg, train, workdir:Path):
    "(float model, Brevitas model, QONNX path, seconds to train, seconds to quantize and export)."
    from tinyaudio.core import seed_everything
    from tinyaudio.models import MODELS
    from tinyaudio.qat import quantize_model
    from tinyaudio.export_onnx import export_qonnx_model
    seed_everything(args.seed)
    (xt, yt), (_, n_mels, n_frames) = train, cfg.input_shape
    model = MODELS[name](n_classes, n_mels, n_frames, width=args.width)
    t0 = time.time(); train_float(model, xt, yt, args.epochs, seed=args.seed); train_s = time.time() - t0
    t0 = time.time()
    calib = xt[torch.randperm(len(xt), generator=torch.Generator().manual_seed(args.seed))[:256]]
    qmodel = quantize_model(model, bits=8, po2=True, calib=calib).eval()
    path = export_qonnx_model(qmodel, cfg.input_shape, workdir/f'{name}.onnx')
    return model, qmodel, path, train_s, time.time() - t0


def accuracy(logits, y) -> float: return float((np.asarray(logits).argmax(1) == np.asarray(y)).mean())


# ---- qonnx graph preparation and rewrites ---------------------------------------------------------------------

def hls4ml_ready_qonnx(path):
    "The transforms hls4ml's QONNX documentation lists (cleanup, channels-last, Gemm -> MatMul), nothing more."
    from tinyaudio.export_onnx import hls4ml_qonnx
    return hls4ml_qonnx(path, channels_last_pools=False)


def global_pool_to_global_op(model):
    "Whole-map AveragePool -> standard GlobalAveragePool, Transpose kept (its hls4ml parser has no domain check)."
    from onnx import helper
    from tinyaudio.export_onnx import _whole_map_pools_behind_transpose
    for _, pool in _whole_map_pools_behind_transpose(model):
        nodes = model.graph.node
        gap = helper.make_node('GlobalAveragePool', list(pool.input), list(pool.output), name=pool.name)
        nodes.insert(list(nodes).index(pool), gap)
        nodes.remove(pool)
    return model


def global_pool_to_global_op_cl(model):
    "Whole-map AveragePool -> standard GlobalAveragePool reading the channels-last tensor, Transpose dropped."
    from tinyaudio.export_onnx import _whole_map_pools_behind_transpose, _pool_reads_channels_last
    for transpose, pool in _whole_map_pools_behind_transpose(model):
        _pool_reads_channels_last(model, transpose, pool, op_type='GlobalAveragePool', domain='')
    return model


REWRITES = {'as_exported': lambda m: m, 'cl_avgpool': channels_last_global_pools,
            'global_op': global_pool_to_global_op, 'global_op_cl': global_pool_to_global_op_cl}


def graph_tail(model, n:int=6) -> str:
    "The last `n` non-Quant ops: where the variants differ (the convolutions before are the same)."
    ops = [node.op_type for node in model.graph.node if node.op_type != 'Quant']
    return ('... ' if len(ops) > n else '') + ' '.join(ops[-n:])


# ---- hls4ml ------------------------------------------------------------------------------------------------------

PRECISIONS = ('default', 'wide', 'wide_input', 'wide_pool')


def hls4ml_config(hls4ml, qonnx_model, precision:str) -> dict:
    """hls4ml's per-layer config ('default': as config_from_onnx_model makes it, default precision fixed<16,6>).

    'wide' applies tinyaudio's `hls4ml_precision` overrides for the two types that round where Brevitas does not:
    the network input (fixed<16,6> truncates the float input to 2**-10 and the first Quant node then rounds that
    again) and the average pool (infer_precision copies its result type from its input, e.g. ufixed<8,5>, so the
    mean is rounded to the input's step before the Quant node after it rounds to its own, finer step).
    'wide_input' and 'wide_pool' apply one of the two, to tell their effects apart."""
    from tinyaudio.export_onnx import hls4ml_precision
    config = hls4ml.utils.config.config_from_onnx_model(qonnx_model.model, granularity='name', backend='Vitis',
                                                        default_precision='fixed<16,6>')
    if precision != 'default':
        overrides = hls4ml_precision(qonnx_model, input=precision in ('wide', 'wide_input'), pool=precision in ('wide', 'wide_pool'))
        for name, layer in overrides.items(): config['LayerName'][name]['Precision'].update(layer['Precision'])
    return config


def hls4ml_convert(hls4ml, qonnx_model, out_dir:Path, precision:str, trace:bool=False):
    "hls4ml model (Vitis backend, io_stream) of a channels-last QONNX graph; hls4ml's printing is swallowed."
    with contextlib.redirect_stdout(io.StringIO()):
        config = hls4ml_config(hls4ml, qonnx_model, precision)
        if trace:
            for layer in config['LayerName'].values(): layer['Trace'] = True
        return hls4ml.converters.convert_from_onnx_model(qonnx_model.model, output_dir=str(out_dir), backend='Vitis',
                                                         io_type='io_stream', hls_config=config)


@contextlib.contextmanager
def captured_fds(log:list):
    "Collect what C code writes to file descriptors 1 and 2 (the C simulation's stream warnings) into `log`."
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile(mode='w+b') as tmp:
        os.dup2(tmp.fileno(), 1); os.dup2(tmp.fileno(), 2)
        try:
            with contextlib.redirect_stdout(io.StringIO()): yield
        finally:
            sys.stdout.flush(); sys.stderr.flush()
            os.dup2(saved[0], 1); os.dup2(saved[1], 2)
            os.close(saved[0]); os.close(saved[1])
            tmp.seek(0); log.append(tmp.read().decode(errors='replace'))


def hls4ml_compile(hls_model):
    "Write the C++ project and build it (hls4ml's build_lib.sh runs g++ -O3 serially: one core)."
    with captured_fds([]): hls_model.compile()


def _predict_in_child(conn, hls_model, x):
    try:
        log = []
        with captured_fds(log): out = hls_model.predict(np.ascontiguousarray(x, dtype=np.float32))
        conn.send((np.asarray(out, dtype=np.float64).reshape(len(x), -1), log[0].count('read while empty')))
    except Exception as err: conn.send(err)
    finally: conn.close()


class CSimCrash(RuntimeError): "The C simulation process died on a signal."


def hls4ml_predict(hls_model, x:np.ndarray) -> tuple[np.ndarray, int]:
    """(logits of the C simulation, number of 'read while empty' stream warnings it printed).

    Runs in a forked child: a C simulation can die on a signal (g++ turns a division by zero in a template constant
    into a trap instruction, SIGILL), which must not end the whole benchmark."""
    ctx = multiprocessing.get_context('fork')
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_predict_in_child, args=(sender, hls_model, x))
    child.start(); sender.close()
    try: answer = receiver.recv()
    except EOFError: answer = None
    child.join()
    if child.exitcode and child.exitcode < 0:
        raise CSimCrash(f'C simulation killed by {signal.Signals(-child.exitcode).name}')
    if isinstance(answer, Exception) or answer is None: raise answer or CSimCrash(f'exit code {child.exitcode}')
    return answer


def short_error(err:BaseException) -> str:
    "Exception type and first message line, plus the innermost hls4ml/qonnx frame (file:line) that raised it."
    frames = [f for f in traceback.extract_tb(err.__traceback__) if '/hls4ml/' in f.filename or '/qonnx/' in f.filename]
    message = str(err).strip().splitlines()[0] if str(err).strip() else ''
    if not frames: return f'{type(err).__name__}: {message}'
    source = '' if message else f': {frames[-1].line}'  # a bare assert says nothing: show the line instead
    where = '/'.join(Path(frames[-1].filename).parts[-2:])
    return f'{type(err).__name__}: {message} [{where}:{frames[-1].lineno}{source}]'


def run_variant(hls4ml, exported:Path, variant:str, precision:str, x:np.ndarray, reference:np.ndarray,
                out_dir:Path) -> dict:
    "Prepare, rewrite, convert, compile and run one graph variant; a dict for the report (with the error on failure)."
    result = dict(variant=variant, precision=precision, stage='prepare')
    try:
        graph = REWRITES[variant](hls4ml_ready_qonnx(exported))
        result['tail'] = graph_tail(graph)
        t0 = time.time(); result['stage'] = 'convert'
        hls_model = hls4ml_convert(hls4ml, graph, out_dir, precision)
        result['convert_s'] = time.time() - t0; result['stage'] = 'compile'
        t0 = time.time(); hls4ml_compile(hls_model); result['compile_s'] = time.time() - t0
        t0 = time.time(); result['stage'] = 'predict'
        logits, result['stream_warnings'] = hls4ml_predict(hls_model, x); result['predict_s'] = time.time() - t0
    except Exception as err:  # the report is the point: record the exact failure and go on
        result['error'] = short_error(err)
        return result
    result.update(stage='done', logits=logits, agree=int((logits.argmax(1) == reference.argmax(1)).sum()),
                  max_diff=float(np.abs(logits - reference).max()))
    return result


def has_global_pool(exported:Path) -> bool:
    from tinyaudio.export_onnx import _whole_map_pools_behind_transpose
    return bool(_whole_map_pools_behind_transpose(hls4ml_ready_qonnx(exported)))


# ---- report ------------------------------------------------------------------------------------------------------

def report_line(r:dict, n:int) -> str:
    head = f'  {r["variant"]:<12} {r["precision"]:<10}'
    if 'error' in r:
        converted = 'yes' if r['stage'] in ('compile', 'predict') else 'no '
        return f'{head} converted {converted}  FAILED at {r["stage"]}: {r["error"]}'
    return (f'{head} converted yes  argmax agree {r["agree"]}/{n}  max|dlogit| {r["max_diff"]:.2e}  '
            f'stream warnings {r["stream_warnings"]}  convert {r["convert_s"]:.1f}s compile {r["compile_s"]:.1f}s '
            f'predict {r["predict_s"]:.1f}s')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--models', default='sb_cnn,ds_cnn,stride_ds')
    ap.add_argument('--variants', default=','.join(REWRITES))
    ap.add_argument('--precision', default='default,wide')
    ap.add_argument('--n', type=int, default=64, help='number of FSDD test windows (random, seeded) to compare on')
    ap.add_argument('--width', type=float, default=0.25)
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--workdir', default='/tmp/hls4ml_work')
    args = ap.parse_args()
    torch.set_num_threads(1)
    variants, precisions = args.variants.split(','), args.precision.split(',')
    if bad := set(variants) - set(REWRITES): sys.exit(f'unknown variants {sorted(bad)}; choose from {list(REWRITES)}')
    if bad := set(precisions) - set(PRECISIONS): sys.exit(f'unknown precision {sorted(bad)}; choose from {PRECISIONS}')
    hls4ml = import_hls4ml()
    from importlib.metadata import version
    from tinyaudio.features import FrontendConfig
    print(f'hls4ml {hls4ml.__version__} (from {HLS4ML_PATH}); ' +
          ', '.join(f'{p} {version(p)}' for p in ('qonnx', 'brevitas', 'onnx', 'torch', 'numpy')), flush=True)
    workdir = Path(args.workdir); workdir.mkdir(parents=True, exist_ok=True)
    cfg = FrontendConfig(sample_rate=8000, n_fft=256, win_length=240, hop_length=160, n_mels=40)
    t0 = time.time()
    train, (xv, yv), vocab = load_fsdd(cfg)
    # a seeded random subset: the test set is ordered by label, so its first windows would all be one digit
    pick = torch.randperm(len(xv), generator=torch.Generator().manual_seed(args.seed))[:args.n]
    x, y, n = xv[pick], yv[pick].numpy(), len(pick)
    print(f'FSDD features {tuple(train[0].shape[1:])}: {len(train[0])} train windows, comparing on {n} of '
          f'{len(xv)} test windows ({time.time()-t0:.1f}s)', flush=True)
    t_all = time.time()
    for name in args.models.split(','):
        model, qmodel, path, train_s, quant_s = build_and_quantize(name, args, len(vocab), cfg, train, workdir)
        with torch.no_grad(): reference, float_logits = qmodel(x).numpy().astype(np.float64), model(x).numpy()
        print(f'{name} width {args.width}: {sum(p.numel() for p in model.parameters())} params, '
              f'{args.epochs} epochs {train_s:.0f}s, quantize+export {quant_s:.1f}s; on these {n} windows: '
              f'float acc {accuracy(float_logits, y):.3f}, Brevitas acc {accuracy(reference, y):.3f}, '
              f'Brevitas predicts {len(set(reference.argmax(1)))} distinct classes', flush=True)
        tails = {}
        for variant in (variants if has_global_pool(path) else ['as_exported']):  # the rewrites would change nothing
            for precision in precisions:
                r = run_variant(hls4ml, path, variant, precision, x.numpy(), reference,
                                workdir/f'{name}_{variant}_{precision}')
                print(report_line(r, n), flush=True)
                if 'tail' in r: tails[variant] = r['tail']
        for variant, tail in tails.items(): print(f'    graph {variant:<12}: {tail}', flush=True)
    print(f'total {time.time()-t_all:.0f}s after features', flush=True)


if __name__ == '__main__':
    main()
