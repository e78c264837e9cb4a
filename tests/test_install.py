"""Installing as a new user does: scripts/install.sh on a stock Debian python3, which refuses pip installs outside a
virtual environment (PEP 668), makes .venv and puts `tinyaudio` on the PATH; a LICENSE ships with the package."""
import os, shutil, subprocess, sys, sysconfig
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'scripts'))
from python_env import needs_venv, link_command  # noqa: E402

SYSTEM_PYTHON = Path('/usr/bin/python3')

def test_needs_venv_only_for_an_externally_managed_python_outside_a_venv(tmp_path):
    managed, plain = tmp_path/'managed', tmp_path/'plain'
    managed.mkdir(); plain.mkdir(); (managed/'EXTERNALLY-MANAGED').write_text('[externally-managed]\n')
    assert needs_venv('/usr', '/usr', str(managed))
    assert not needs_venv('/usr', '/usr', str(plain))
    assert not needs_venv('/work/.venv', '/usr', str(managed))       # inside a venv pip may install

def test_link_command_never_replaces_a_file_it_did_not_make(tmp_path):
    target = tmp_path/'clone'/'.venv'/'bin'/'tinyaudio'
    target.parent.mkdir(parents=True); target.write_text('#!/bin/sh\n')
    taken, free = tmp_path/'taken', tmp_path/'free'
    taken.mkdir(); (taken/'tinyaudio').write_text('somebody else\n')
    assert link_command(target, [taken, free]) == free/'tinyaudio'
    assert (taken/'tinyaudio').read_text() == 'somebody else\n' and os.readlink(free/'tinyaudio') == str(target)
    other = tmp_path/'other'/'.venv'/'bin'/'tinyaudio'                   # a link to another clone's .venv is ours
    assert link_command(other, [free]) == free/'tinyaudio' and os.readlink(free/'tinyaudio') == str(other)

def test_license_file_is_apache_and_ships():
    text = (ROOT/'LICENSE').read_text()
    assert 'Apache License' in text and 'Version 2.0, January 2004' in text

def _externally_managed(python:Path) -> bool:
    res = subprocess.run([python, '-c', 'import sysconfig; print(sysconfig.get_path("stdlib"))'], capture_output=True, text=True)
    return res.returncode == 0 and (Path(res.stdout.strip())/'EXTERNALLY-MANAGED').is_file()

def _clone_files() -> list[str]:
    "The files a fresh clone has (tracked, plus new ones not ignored while developing)."
    out = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], cwd=ROOT,
                         capture_output=True, check=True).stdout.decode()
    return [f for f in out.split('\0') if f and (ROOT/f).is_file()]

def test_install_on_debians_own_python(tmp_path):
    """The README's first command on the system python3 of Debian: install.sh makes .venv, installs there, and links
    the command, which then runs from another folder."""
    if not SYSTEM_PYTHON.exists() or not _externally_managed(SYSTEM_PYTHON):
        if os.environ.get('CI', '').lower() in ('true', '1') and Path('/etc/debian_version').exists():
            pytest.fail(f'{SYSTEM_PYTHON} is not an externally managed Debian python here')
        pytest.skip(f'no externally managed {SYSTEM_PYTHON} on this machine')
    clone = tmp_path/'clone'
    for f in _clone_files():
        (clone/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, clone/f)
    bin_dir = tmp_path/'bin'
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env.update(PYTHON=str(SYSTEM_PYTHON), TINYAUDIO_BIN_DIR=str(bin_dir), PATH=f"{bin_dir}:/usr/local/bin:/usr/bin:/bin")
    res = subprocess.run(['bash', 'scripts/install.sh'], cwd=clone, env=env, capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert f'the command is linked as {bin_dir/"tinyaudio"}' in res.stdout, res.stdout
    assert (clone/'.venv'/'bin'/'python').exists()
    elsewhere = tmp_path/'elsewhere'; elsewhere.mkdir()
    run = lambda *args: subprocess.run(['tinyaudio', *args], cwd=elsewhere, env={**env, 'TINYAUDIO_CACHE': str(tmp_path/'cache')},
                                       capture_output=True, text=True, timeout=600)
    version = run('--version')
    assert version.returncode == 0 and version.stdout.startswith('tinyaudio '), version.stderr
    data = run('data', 'synthetic')
    assert data.returncode == 0 and data.stdout.startswith('240 clips, 6 classes'), data.stdout + data.stderr[-2000:]
