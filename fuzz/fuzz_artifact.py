"""libFuzzer target (atheris) for what reads a deployment artifact: `IntModel.load` of an `intmodel.json` and its
`.npz`, then the C project generated from whatever loaded.

Each input edits a valid artifact (a `random_intmodel`, which covers every layer kind): it replaces values anywhere in
the JSON (numbers of every size and sign, NaN, strings, lists, nulls), changes the dtype, shape or bytes of arrays,
truncates either file, and then either keeps the recorded SHA-256 of the arrays (so the hash check must catch the
change) or records the new one (so the checks behind it must). The contract:
- loading raises `AudioError` naming the JSON or NPZ file, or returns a model that passes `IntModel.validate`;
- a model that loaded generates its C project (`project_texts`), or is refused with an `AudioError` (a frontend the
  C cannot run, say) and no other exception.
Anything else (another exception, a crash) is a finding.

    python fuzz/fuzz_artifact.py -max_total_time=60           # libFuzzer flags; see benchmarks/bench_fuzz_artifact.py
"""
import hashlib, io, json, math, sys, tempfile
from pathlib import Path
import atheris

with atheris.instrument_imports(include=['tinyaudio']):
    import numpy as np
    from tinyaudio.core import AudioError
    from tinyaudio.intmodel import IntModel
    from tinyaudio.export_c import project_texts
    from tinyaudio.testing import random_intmodel, small_frontend

WORK = Path(tempfile.mkdtemp(prefix='tinyaudio-fuzz-artifact-', dir='/dev/shm' if Path('/dev/shm').is_dir() else None))
BASE = random_intmodel(frontend=small_frontend(), n_classes=3, seed=0).save(WORK/'intmodel.json')
BASE_DESC = json.loads(BASE.read_text())
with np.load(BASE.with_suffix('.npz')) as f: BASE_ARRAYS = {k: f[k] for k in f.files}
SPECIAL_FLOATS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-45, 3.4e38, 1e308, -1.0]
OUTCOMES = dict(inputs=0, refused=0, loaded=0, exported=0)   # how deep the inputs reach: printed every 500 inputs
DTYPES = [np.int8, np.uint8, np.int16, np.int32, np.int64, np.float32, np.float64, np.bool_]


def fuzzed_value(fdp):
    kind = fdp.ConsumeIntInRange(0, 7)
    if kind == 0: return fdp.ConsumeIntInRange(-3, 70000) if fdp.ConsumeBool() else fdp.ConsumeInt(9)
    if kind == 1: return fdp.PickValueInList(SPECIAL_FLOATS) if fdp.ConsumeBool() else fdp.ConsumeFloat()
    if kind == 2: return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 12))
    if kind == 3: return None
    if kind == 4: return fdp.ConsumeBool()
    if kind == 5: return [fuzzed_value(fdp) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    if kind == 6: return {fdp.ConsumeUnicodeNoSurrogates(4): fuzzed_value(fdp)}
    return [fdp.ConsumeIntInRange(-2, 64) for _ in range(fdp.ConsumeIntInRange(0, 5))]   # shape-like


def edit_json(fdp, node, depth:int=0):
    "Replace one value somewhere under `node`, chosen by the input."
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    if not keys: return
    key = fdp.PickValueInList(keys)
    child = node[key]
    if isinstance(child, (dict, list)) and child and depth < 6 and fdp.ConsumeBool(): edit_json(fdp, child, depth + 1)
    elif isinstance(node, dict) and fdp.ConsumeIntInRange(0, 9) == 0: del node[key]
    else: node[key] = fuzzed_value(fdp)


def edit_arrays(fdp, arrays:dict):
    key = fdp.PickValueInList(sorted(arrays))
    a = arrays[key]
    how = fdp.ConsumeIntInRange(0, 3)
    if how == 0: arrays[key] = a.astype(fdp.PickValueInList(DTYPES))
    elif how == 1: arrays[key] = a.reshape(-1)[:fdp.ConsumeIntInRange(0, a.size)]
    elif how == 2:
        raw = fdp.ConsumeBytes(a.nbytes)
        arrays[key] = np.frombuffer(raw.ljust(a.nbytes, b'\0'), a.dtype).reshape(a.shape).copy()
    else: del arrays[key]


def npz_bytes(arrays:dict) -> bytes:
    buf = io.BytesIO(); np.savez(buf, **arrays); return buf.getvalue()


def TestOneInput(data:bytes):
    fdp = atheris.FuzzedDataProvider(data)
    desc, arrays = json.loads(json.dumps(BASE_DESC)), dict(BASE_ARRAYS)
    for _ in range(fdp.ConsumeIntInRange(1, 4)):
        if fdp.ConsumeBool(): edit_json(fdp, desc)
        else: edit_arrays(fdp, arrays)
    npz = npz_bytes(arrays)
    if fdp.ConsumeIntInRange(0, 3) == 0: npz = npz[:fdp.ConsumeIntInRange(0, len(npz))]
    if fdp.ConsumeIntInRange(0, 3) and isinstance(desc.get('arrays'), dict):
        desc['arrays']['sha256'] = hashlib.sha256(npz).hexdigest()   # past the hash check, to the checks behind it
    text = json.dumps(desc, allow_nan=True)
    if fdp.ConsumeIntInRange(0, 7) == 0: text = text[:fdp.ConsumeIntInRange(0, len(text))]
    path = WORK/'intmodel.json'
    path.write_text(text); path.with_suffix('.npz').write_bytes(npz)
    OUTCOMES['inputs'] += 1
    if OUTCOMES['inputs'] % 500 == 0: print(f"artifact outcomes: {json.dumps(OUTCOMES)}", file=sys.stderr, flush=True)
    try: im = IntModel.load(path)
    except AudioError as e:
        if Path(e.path).name not in ('intmodel.json', 'intmodel.npz'): raise AssertionError(f'error names {e.path}, not the artifact: {e}')
        OUTCOMES['refused'] += 1
        return
    im.validate()
    OUTCOMES['loaded'] += 1
    try: project_texts(im, 'fz')
    except AudioError: return   # a clear refusal; anything else propagates and is a finding
    OUTCOMES['exported'] += 1


def main():
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == '__main__': main()
