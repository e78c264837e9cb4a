"""What scripts/install.sh asks of the Python it is given (standard library only: it runs before anything is installed).

    python scripts/python_env.py needs-venv            exit 0 when pip must not install into this Python (PEP 668)
    python scripts/python_env.py link-command TARGET   put `tinyaudio` (a link to TARGET) on the PATH, say where

Debian's and Ubuntu's own python3 are "externally managed": pip refuses to install into them outside a virtual
environment. install.sh then makes `.venv` and links its `tinyaudio` into a folder on the PATH
($TINYAUDIO_BIN_DIR, else /usr/local/bin when writable, else ~/.local/bin), so `tinyaudio demo` works at once.
"""
import os, sys, sysconfig
from pathlib import Path

def needs_venv(prefix:str=sys.prefix, base_prefix:str=sys.base_prefix, stdlib:str|None=None) -> bool:
    "True outside a virtual environment when the interpreter carries the EXTERNALLY-MANAGED marker."
    if prefix != base_prefix: return False
    return (Path(stdlib or sysconfig.get_path('stdlib'))/'EXTERNALLY-MANAGED').is_file()

def bin_dirs() -> list[Path]:
    "Where the command may be linked, in order of preference."
    if os.environ.get('TINYAUDIO_BIN_DIR'): return [Path(os.environ['TINYAUDIO_BIN_DIR'])]
    return [Path('/usr/local/bin'), Path.home()/'.local'/'bin']

def link_command(target, dirs=None) -> Path|None:
    "Link `tinyaudio` to `target` in the first usable folder of `dirs`; an existing file that is not our link is left alone."
    target = Path(target)
    for d in dirs or bin_dirs():
        link = Path(d)/'tinyaudio'
        if link.is_symlink() and Path(os.readlink(link)).name == 'tinyaudio' and '.venv' in Path(os.readlink(link)).parts:
            link.unlink()                       # a link to another clone's .venv: ours replaces it
        if link.exists() or link.is_symlink(): continue
        try:
            Path(d).mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)
        except OSError: continue
        return link
    return None

def main(argv) -> int:
    if argv[:1] == ['needs-venv']: return 0 if needs_venv() else 1
    if argv[:1] == ['link-command'] and len(argv) == 2:
        link = link_command(argv[1])
        on_path = link is not None and str(link.parent) in os.environ.get('PATH', '').split(os.pathsep)
        print(f"tinyaudio is installed in .venv (this python3 refuses system-wide pip installs); "
              + (f"the command is linked as {link}" if on_path else
                 f"the command is linked as {link}, which is not on your PATH:" if link else "no folder on the PATH took the command:")
              + ("" if on_path else " run `source .venv/bin/activate` first"))
        return 0
    print(__doc__, file=sys.stderr); return 2

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
