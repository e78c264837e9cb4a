"""Input an attacker or an accident could hand tinyaudio: class labels that try to break out of the generated C,
and run files that are truncated or mismatched. Each case is the reproduction of a reported failure."""
import csv, shutil, subprocess
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf
from tinyaudio.testing import random_intmodel, missing, require

# Every way a label used to get out of the C it is written into: a comment end and start, a backslash-newline
# (continues a // comment or a macro onto the next line), the trigraph ??/ (a backslash under -std=c99), quotes,
# a format string, a preprocessor line, NUL, and non-ASCII text.
HOSTILE = ['dog */ int injected_symbol = 1; /* x', 'cat /* open', 'line \\\n#define X 1', 'owl ??/', '??', 'say "hi" \'x\'',
           '%s%n', 'nul\x00inside', 'café ✓ 鳥']


def _compile(project, cc, tmp_path):
    from tinyaudio.export_c import c_sources
    from tinyaudio.host import compile_host_library
    return compile_host_library(c_sources(project), tmp_path/f'lib_{cc}.so', [project], cc=cc)


def test_hostile_class_names_compile_cleanly_and_read_back(tmp_path):
    "The names reach the C only as escaped string literals: -Werror builds on gcc, clang (and arm), byte-exact names."
    from tinyaudio.export_c import write_c_project, c_sources
    from tinyaudio.host import HostProject
    im = random_intmodel(n_classes=len(HOSTILE), seed=5)
    im.class_names = list(HOSTILE)
    project = tmp_path/'c'
    write_c_project(im.validate(), project, 'app')
    for cc in ('gcc', 'clang'):
        lib = _compile(project, cc, tmp_path)
        symbols = subprocess.run(['nm', '-D', str(lib)], capture_output=True, text=True, check=True).stdout
        assert 'injected_symbol' not in symbols, f'{cc}: code from a label was compiled'
    if missing('mcu') is None:
        from tinyaudio.mcu import check_warnings
        check_warnings(c_sources(project), [project])
    assert HostProject(project, 'app', im).class_names() == HOSTILE


def _labelled_clips(root:Path, labels, n_per_class:int=6) -> Path:
    "A CSV dataset of synthetic clips whose labels are `labels` (quoted by the csv module as a user's tool would)."
    from tinyaudio.datasets import synth_clip, SYNTH_CLASSES
    rows = []
    for k, label in enumerate(labels):
        for i in range(n_per_class):
            rel = f'clips/{k}_{i}.wav'
            (root/rel).parent.mkdir(parents=True, exist_ok=True)
            sf.write(root/rel, synth_clip(SYNTH_CLASSES[k % len(SYNTH_CLASSES)], [k, i]), 16000, subtype='PCM_16')
            rows.append(dict(path=rel, label=label, split='valid' if i == n_per_class - 1 else 'train'))
    with open(root/'labels.csv', 'w', newline='', encoding='utf-8') as f:
        w = csv.DictWriter(f, ['path', 'label', 'split']); w.writeheader(); w.writerows(rows)
    return root/'labels.csv'


@pytest.fixture(scope='module')
def hostile_run(tmp_path_factory):
    "train -> quantize -> export of a dataset whose CSV labels are the hostile ones (no NUL: a CSV cannot hold it)."
    from tinyaudio.pipeline import Run
    root = tmp_path_factory.mktemp('hostile')
    labels = [l for l in HOSTILE if '\x00' not in l]
    run = Run.train(root/'run', str(_labelled_clips(root/'data', labels)), epochs=1, quiet=True, width=0.25)
    run.quantize(epochs=0, quiet=True)
    return run, labels, run.export(max_windows=8)


def test_hostile_labels_from_a_csv_export_exactly(hostile_run):
    from tinyaudio.host import HostProject
    run, labels, report = hostile_run
    assert report['c_network_exact'] is True, report
    assert sorted(run.artifact().class_names) == sorted(labels)
    assert HostProject(run.file('c'), 'app', run.artifact()).class_names() == run.artifact().class_names


def _corrupt(path:Path, how:str):
    data = path.read_bytes()
    path.write_bytes(data[:len(data)//2] if how == 'truncate' else b'')


@pytest.mark.parametrize('name,command,message', [
    ('float.pth', 'export', 'float.pth: not a readable checkpoint (truncated'),
    ('quant.pth', 'export', 'quant.pth: not a readable quantized model'),
    ('run.json', 'export', 'run.json: not readable JSON (truncated?'),
    ('intmodel.json', 'predict', 'intmodel.json: not a readable integer model (truncated or not JSON'),
    ('intmodel.npz', 'predict', "intmodel.npz: does not belong to intmodel.json (its SHA-256 differs"),
])
def test_truncated_run_files_give_one_line_naming_the_file(hostile_run, tmp_path, capsys, name, command, message):
    from tinyaudio.cli import main
    run, _, _ = hostile_run
    copy = tmp_path/'run'
    shutil.copytree(run.path, copy)
    _corrupt(copy/name, 'truncate')
    clip = sorted((run.path.parent/'data'/'clips').glob('*.wav'))[0]
    args = ['export', '--out', str(copy)] if command == 'export' else ['predict', str(copy), str(clip)]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_swapped_npz_is_refused_before_any_c_is_generated(hostile_run, tmp_path):
    "An intmodel.npz from another export beside this intmodel.json: refused by its hash, never read out of bounds."
    from tinyaudio.core import AudioError
    from tinyaudio.intmodel import IntModel
    run, _, _ = hostile_run
    other = random_intmodel(seed=9)
    other.save(tmp_path/'other.json')
    shutil.copy(run.file('artifact'), tmp_path/'intmodel.json')
    shutil.copy(tmp_path/'other.npz', tmp_path/'intmodel.npz')
    with pytest.raises(AudioError, match='does not belong to intmodel.json'): IntModel.load(tmp_path/'intmodel.json')
