"""The package as users get it: the wheel carries every generated module and the C runtime sources, the
dependencies are not over-pinned, and the library matches its notebooks (one module per notebook)."""
import os, re, subprocess, sys, zipfile, tomllib
from pathlib import Path
import pytest
from tinyaudio.testing import require

ROOT = Path(__file__).resolve().parent.parent

def _pyproject() -> dict: return tomllib.loads((ROOT/'pyproject.toml').read_text())

def test_dependencies_are_not_pinned_exactly():
    pinned = [d for d in _pyproject()['project']['dependencies'] if '==' in d]
    assert pinned == [], f"exact pins need a comment why and a test: {pinned}"

def test_every_module_has_its_notebook():
    exported = {p.stem for p in (ROOT/'tinyaudio').glob('*.py')} - {'__init__', '_modidx'}
    sources = ''.join(p.read_text() for p in (ROOT/'nbs').rglob('*.ipynb'))
    missing = [m for m in exported if f'default_exp {m}' not in sources]
    assert missing == [], f"modules without a source notebook: {missing}"

@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('wheel')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    return next(out.glob('tinyaudio-*.whl'))

def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {f'tinyaudio/{p.name}' for p in (ROOT/'tinyaudio').glob('*.py')}
    assert modules <= names, modules - names
    for folder, pattern in (('csrc', '*.[ch]'), ('bench', '*'), ('weights', '*')):
        shipped = {f'tinyaudio/{folder}/{p.name}' for p in (ROOT/'tinyaudio'/folder).glob(pattern) if p.is_file()}
        assert shipped and shipped <= names, shipped - names

def test_installed_wheel_runs_the_demo_alone(wheel, tmp_path):
    """The wheel in a fresh virtual environment, run from a folder outside the clone with no shared data and no
    ../shared/mcu: `tinyaudio demo` trains, exports and measures on the Cortex-M with what the package carries."""
    require('mcu')
    venv = tmp_path/'venv'
    # the environment's packages (torch, fastai, ...) are seen, the clone's editable tinyaudio is replaced by the wheel
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages', str(venv)], check=True, timeout=300)
    python = venv/'bin'/'python'
    subprocess.run([python, '-m', 'pip', 'install', '-q', '--no-deps', '--disable-pip-version-check', str(wheel)],
                   check=True, capture_output=True, timeout=600)
    work = tmp_path/'elsewhere'; work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'TINYAUDIO_MCU')}
    env.update(TINYAUDIO_DATA=str(tmp_path/'no-data'), TINYAUDIO_CACHE=str(tmp_path/'cache'), PATH=f"{venv/'bin'}:{env['PATH']}")
    where = subprocess.run([python, '-c', 'import tinyaudio; print(tinyaudio.__file__)'], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert str(venv) in where, f'tinyaudio imported from {where}, not from the installed wheel'
    res = subprocess.run([venv/'bin'/'tinyaudio', 'demo', '--out', 'demo', '--epochs', '1', '--qat-epochs', '0', '--quiet'],
                         cwd=work, env=env, capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert 'C network == integer reference' in res.stdout and 'Cortex-M4 (QEMU mps2-an386)' in res.stdout, res.stdout
    # the shipped encoder is found inside the installed package
    res = subprocess.run([venv/'bin'/'tinyaudio', 'train', '--out', 'init', '--epochs', '1', '--quiet', '--init', 'pretrained'],
                         cwd=work, env=env, capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]

def test_sidebar_lists_every_notebook():
    listed = set(re.findall(r'^\s*- (\S+\.ipynb)\s*$', (ROOT/'nbs'/'sidebar.yml').read_text(), re.M))
    notebooks = {str(p.relative_to(ROOT/'nbs')) for p in (ROOT/'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts}
    assert listed == notebooks, dict(not_listed=notebooks - listed, gone=listed - notebooks)

def test_imports_have_cells_of_their_own():
    "nbdev's docs processing reruns every cell with an import on its own: such a cell must not use anything else."
    import ast, json
    mixed = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for i, cell in enumerate(json.loads(nb.read_text())['cells']):
            src = ''.join(cell['source'])
            if cell['cell_type'] != 'code' or re.match(r'#\|\s*export', src): continue
            try: body = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))).body
            except SyntaxError: continue
            kinds = {isinstance(s, (ast.Import, ast.ImportFrom)) for s in body}
            if kinds == {True, False}: mixed.append(f'{nb.relative_to(ROOT)} cell {i}')
    assert mixed == [], f'cells mixing imports with other code: {mixed}'
