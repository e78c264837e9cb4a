"""`tinyaudio search` as a user runs it: stopped with Ctrl-C it says how to resume and keeps every finished trial,
and the same command then completes the study without training those again; and the same search spread over a
local Ray cluster of two workers (`ray start --head` on 127.0.0.1, started and stopped here), with the single
objective (accuracy within the budget) and its Hyperband pruning."""
import os, shutil, signal, socket, subprocess, sys
from pathlib import Path
import pytest
from tinyaudio.testing import require, in_ci

# a small corner of the space: tcnn at 8 kHz, four points, each trained and measured in seconds
SPACE = 'model=tcnn,width=0.25|0.5,depth=0.5,sample_rate=8000,n_mels=20,win_ms=32,hop_ms=20|32,window_s=1,window_hop_s=0.5,bits=8,mixup=0'
CLI = [sys.executable, '-c', 'import sys; from tinyaudio.cli import main; sys.exit(main())']


def _search_args(out:Path, trials:int, *more) -> list:
    return [*CLI, 'search', '--out', str(out), '--trials', str(trials), '--space', SPACE, '--epochs', '2',
            '--final-epochs', '2', '--final-qat-epochs', '0', '--max-front', '1', '--budget', 'flash=64kB', *more]


def _trials(out:Path) -> list:
    import optuna
    study = optuna.load_study(study_name='search-synthetic', storage=f"sqlite:///{out/'search.db'}")
    return [t for t in study.get_trials() if t.state.name == 'COMPLETE' and 'duplicate_of' not in t.user_attrs]


def test_interrupted_search_resumes(tmp_path):
    require('mcu')
    out = tmp_path/'search'
    p = subprocess.Popen(_search_args(out, 2), stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    seen = []
    for line in p.stderr:   # Ctrl-C once the first trial is measured, while the second one trains
        seen.append(line)
        if line.startswith('[1/2] trial'): break
    else: pytest.fail(f'the search ended before a trial finished:\n{"".join(seen)}')
    p.send_signal(signal.SIGINT)
    _, rest = p.communicate(timeout=300)
    assert p.returncode == 130, rest
    assert rest.strip().splitlines()[-1] == ('tinyaudio search: interrupted (finished trials are kept in the study: '
                                             'run the same command again to resume)'), rest
    kept = _trials(out)
    assert len(kept) == 1 and kept[0].user_attrs['measured']['c_network_exact']
    assert [p.name for p in (out/'trials').iterdir()] == [Path(kept[0].user_attrs['run']).name]   # nothing half-made
    res = subprocess.run(_search_args(out, 2), capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    done = _trials(out)
    assert len(done) == 2 and done[0].number == kept[0].number and done[0].values == kept[0].values
    assert 'trials measured' in res.stdout and (out/'front.md').exists() and (out/'search.png').exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def test_search_on_a_local_ray_cluster(tmp_path):
    require('mcu')
    if shutil.which('ray') is None:
        if in_ci(): pytest.fail("ray is required here (CI=true): pip install 'ray[tune]'")
        pytest.skip('ray is not installed')
    port, out = _free_port(), tmp_path/'search'
    env = {k: v for k, v in os.environ.items() if k != 'RAY_ADDRESS'}
    subprocess.run(['ray', 'start', '--head', '--node-ip-address', '127.0.0.1', '--port', str(port), '--num-cpus', '2',
                    '--include-dashboard', 'false', '--disable-usage-stats'], check=True, capture_output=True, timeout=300, env=env)
    try:
        res = subprocess.run(_search_args(out, 2, '--workers', '2', '--ray-address', f'127.0.0.1:{port}', '--objective', 'accuracy'),
                             capture_output=True, text=True, timeout=900, env=env)
    finally: subprocess.run(['ray', 'stop', '--force'], capture_output=True, timeout=300, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    done = _trials(out)
    assert len(done) >= 2, [t.user_attrs for t in done]
    assert len({t.user_attrs['worker'] for t in done}) == 2     # both Ray workers ran trials of the one study
    assert all(t.user_attrs['measured']['c_network_exact'] and len(t.values) == 1 for t in done)
    assert all(len(t.intermediate_values) == 2 for t in done)    # each epoch reported to the pruner
    assert len(list((out/'front').glob('trial-*/intmodel.json'))) == 1
