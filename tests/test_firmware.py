"""The exported C folder as firmware uses it: its Makefile and CMakeLists.txt build `lib<prefix>.a` for the
Cortex-M4F and for the host without a warning; the example of `example/` (a double-buffered microphone DMA feeding
the stream) runs on the host and under QEMU, linked against the library with the bench's startup code and linker
script, and on a real recording (FSDD) prints exactly the classes and scores of the integer reference."""
import shutil, subprocess
from pathlib import Path
import numpy as np
import pytest
from tinyaudio.testing import random_intmodel, require

M4F = ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16']
DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']


def _tool(name:str):
    "A tool that scripts/install.sh installs: skip without it on a developer's machine, fail in CI."
    from tinyaudio.testing import in_ci
    if shutil.which(name) is None:
        if in_ci(): pytest.fail(f'{name} is required here (CI=true): install it with apt-get install {name}')
        pytest.skip(f'{name} not found on PATH')


def _fsdd_model():
    "A random integer model (exactness does not depend on training) with the FSDD recipe's 8 kHz frontend and the digits."
    from tinyaudio.recipes import RECIPES
    im = random_intmodel(frontend=RECIPES['fsdd'].frontend, n_classes=10, seed=11)
    im.class_names = list(DIGITS)
    return im.validate()


def _chirp_pcm(n:int, sample_rate:int) -> np.ndarray:
    from tinyaudio.host import to_int16
    t = np.arange(n)/sample_rate
    return to_int16(0.3*np.sin(2*np.pi*(200 + 600*t)*t) + 0.03*np.random.default_rng(0).standard_normal(n))


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    "The exported folder of the FSDD-shaped model, with 2.5 s of chirp and noise as the example's clip."
    from tinyaudio.export_c import write_c_project
    im = _fsdd_model()
    pcm = _chirp_pcm(20000, im.frontend.sample_rate)
    folder = write_c_project(im, tmp_path_factory.mktemp('fw')/'c', 'app', clip=pcm)[0].parent
    return folder, im, pcm


def _library_members(lib:Path, ar:str='ar') -> list[str]:
    "The sources an archive was built from (make names its members x.o, CMake x.c.o or x.c.obj)."
    members = subprocess.run([ar, 't', str(lib)], capture_output=True, text=True, check=True).stdout.split()
    return sorted(m.split('.')[0] for m in members)


def _sources(folder:Path) -> list[str]:
    return sorted(p.stem for p in folder.glob('*.c'))


@pytest.mark.parametrize('cc', ['gcc', 'clang'])
def test_makefile_builds_the_library_and_the_example_on_the_host(project, tmp_path, cc):
    "make CC=<host> ARCH_FLAGS= with -Werror: the library holds every source of the folder and no example file; the example runs."
    from tinyaudio.cgen import STRICT_CFLAGS
    from tinyaudio.mcu import make_library, parse_example_output
    _tool(cc)
    folder, im, _ = project
    lib = make_library(folder, tmp_path, cc=cc, arch=[], cflags=STRICT_CFLAGS, target='example')
    assert _library_members(lib) == _sources(folder)
    out = parse_example_output(subprocess.run([tmp_path/'app_example'], capture_output=True, text=True, check=True).stdout)
    assert (out['overruns'], out['nonfinite'], out['end_status']) == (0, 0, 'TA_OK') and out['windows'] == 4
    assert not (folder/'build').exists(), 'BUILD_DIR was not honoured: objects were written into the exported folder'


def test_makefile_builds_the_library_for_the_cortex_m4f(project, tmp_path):
    "Plain `make`: arm-none-eabi-gcc for a Cortex-M4F (hard float), the objects of every source, nothing else."
    require('mcu')
    from tinyaudio.mcu import elf_sizes
    folder, _, _ = project
    build = tmp_path/'lib'
    res = subprocess.run(['make', '-C', str(folder), f'BUILD_DIR={build}', 'CFLAGS=-Werror -Wdouble-promotion -Wconversion'],
                         capture_output=True, text=True)
    assert res.returncode == 0 and 'warning' not in res.stderr, res.stdout[-3000:] + res.stderr[-3000:]
    assert 'arm-none-eabi-gcc -std=c99 -O2 -Wall -Wextra -pedantic' in res.stdout and ' '.join(M4F) in res.stdout
    lib = build/'libapp.a'
    assert _library_members(lib, 'arm-none-eabi-ar') == _sources(folder)
    attrs = subprocess.run(['arm-none-eabi-readelf', '-A', str(build/'ta_nn.o')], capture_output=True, text=True, check=True).stdout
    assert 'Tag_CPU_name: "7E-M"' in attrs and 'Tag_ABI_VFP_args: VFP registers' in attrs, attrs
    sizes = elf_sizes(lib)
    print(f"libapp.a for the Cortex-M4F: text {sizes['text']} B, data {sizes['data']} B, bss {sizes['bss']} B")
    assert sizes['bss'] > 0 and sizes['text'] > sizes['bss']
    subprocess.run(['make', '-C', str(folder), f'BUILD_DIR={build}', 'clean'], check=True, capture_output=True)
    assert not build.exists()


# A board whose main loop is too slow once: at its fifth interrupt the DMA completes three halves, so the first of
# them is overwritten before the loop has read it.
SLOW_BOARD = r"""#include "app_board.h"
#include "app_clip.h"
static int16_t *buf;
static size_t n, pos;
static unsigned next, calls;
ta_status app_board_init(void) { return TA_OK; }
ta_status app_board_mic_start(int16_t *buffer, size_t n_samples) { buf = buffer; n = n_samples; return TA_OK; }
ta_status app_board_mic_stop(void) { return TA_OK; }
static void dma_half(void) {
    size_t i, h = n / 2u;
    for (i = 0u; i < h; i++, pos++) buf[next * h + i] = pos < app_example_clip_samples ? app_example_clip[pos] : 0;
    if (next == 0u) app_mic_half_complete(); else app_mic_full_complete();
    next ^= 1u;
}
ta_status app_board_wait(uint8_t *running) {
    unsigned k;
    *running = pos < app_example_clip_samples;
    if (*running) for (k = ++calls == 5u ? 3u : 1u; k > 0u; k--) dma_half();
    return TA_OK;
}
"""


def test_example_resets_the_stream_after_an_overrun(project, tmp_path):
    "A half refilled before the main loop read it: the example says so, resets the stream, and goes on reporting windows."
    from tinyaudio.cgen import STRICT_CFLAGS
    from tinyaudio.mcu import make_library, parse_example_output
    folder, _, _ = project
    lib = make_library(folder, tmp_path, cc='gcc', arch=[])
    (tmp_path/'board_slow.c').write_text(SLOW_BOARD)
    exe = tmp_path/'slow'
    subprocess.run(['gcc', *STRICT_CFLAGS, f'-I{folder}', f'-I{folder/"example"}', str(folder/'example'/'main.c'),
                    str(tmp_path/'board_slow.c'), str(folder/'example'/'app_clip.c'), str(lib), '-lm', '-o', str(exe)], check=True)
    stdout = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    lines = stdout.splitlines()
    out = parse_example_output(stdout)
    assert lines.count('overrun: 1 half-buffers lost, stream reset') == 1 and out['overruns'] == 1, stdout
    # before any window (7 halves of 512 samples delivered, 6 pushed); after the reset the other 33 of the clip's 40
    # halves (16,896 samples) make windows as a fresh stream does: one per 4,000 samples after the first 8,000
    assert lines.index('overrun: 1 half-buffers lost, stream reset') == 0, stdout
    assert (out['windows'], out['end_status']) == ((33*512 - 8000)//4000 + 1, 'TA_OK'), stdout


def _cmake(source:Path, build:Path, *options) -> subprocess.CompletedProcess:
    res = subprocess.run(['cmake', '-S', str(source), '-B', str(build), *options], capture_output=True, text=True)
    if res.returncode == 0: res = subprocess.run(['cmake', '--build', str(build)], capture_output=True, text=True)
    assert res.returncode == 0 and 'warning' not in res.stdout + res.stderr, res.stdout[-3000:] + res.stderr[-3000:]
    return res


def _firmware_project(root:Path, folder:Path, taken:bool) -> Path:
    """A firmware project's CMakeLists.txt that adds the exported folder with add_subdirectory and links the example
    against its target: `app`, or, where the project already has a target `app` (as a Zephyr application does), `tinyaudio_app`."""
    from tinyaudio.export_c import example_sources
    root.mkdir()
    (root/'CMakeLists.txt').write_text(f"""cmake_minimum_required(VERSION 3.15)
project(firmware C)
{'add_library(app INTERFACE)' if taken else ''}
add_subdirectory({folder} model)
add_executable(firmware {' '.join(str(folder/f) for f in example_sources('app'))})
set_target_properties(firmware PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)
target_link_libraries(firmware PRIVATE {'tinyaudio_app' if taken else 'app'})
""")
    return root


@pytest.mark.parametrize('taken', [False, True], ids=['target app', 'app taken'])
def test_cmake_add_subdirectory_builds_and_links_the_library_on_the_host(project, tmp_path, taken):
    "CMakeLists.txt added to a firmware project (-Werror): libapp.a holds every source; its firmware prints what make's does."
    from tinyaudio.cgen import STRICT_CFLAGS
    from tinyaudio.mcu import make_library
    _tool('cmake')
    folder, _, _ = project
    _cmake(_firmware_project(tmp_path/'fw', folder, taken), tmp_path/'cmake', f'-DCMAKE_C_FLAGS={" ".join(STRICT_CFLAGS)}')
    assert _library_members(tmp_path/'cmake'/'model'/'libapp.a') == _sources(folder)
    make_library(folder, tmp_path/'make', cc='gcc', arch=[], target='example')
    by_cmake, by_make = (subprocess.run([exe], capture_output=True, text=True, check=True).stdout
                         for exe in (tmp_path/'cmake'/'firmware', tmp_path/'make'/'app_example'))
    assert by_cmake == by_make and by_make.startswith('window 0: TA_OK scores ')


def test_cmake_builds_the_library_target_for_the_cortex_m4f(project, tmp_path):
    "CMakeLists.txt alone with arm-none-eabi-gcc and the M4F flags, as a firmware project's toolchain file sets them."
    from tinyaudio.cgen import STRICT_CFLAGS
    _tool('cmake'); require('mcu')
    folder, _, _ = project
    _cmake(folder, tmp_path, '-DCMAKE_SYSTEM_NAME=Generic', '-DCMAKE_C_COMPILER=arm-none-eabi-gcc',
           '-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY', f'-DCMAKE_C_FLAGS={" ".join(M4F + STRICT_CFLAGS)}')
    assert _library_members(tmp_path/'libapp.a', 'arm-none-eabi-ar') == _sources(folder)


def _check_against_reference(out:dict, im, pcm):
    """The windows the firmware reported against Python on the audio its stream saw (`example_audio`): the integer
    reference (`int_reference`) on the features of the C frontend, score for score, and the class names."""
    from tinyaudio.export_c import example_audio, input_storage_offset
    from tinyaudio.host import HostProject, stream_starts
    from tinyaudio.intmodel import int_reference
    audio = example_audio(pcm)
    windows = [audio[s:s + im.frontend.samples_per_window] for s in stream_starts(im, len(audio))]
    host = HostProject.of(im)
    x = np.stack([host.extract(w)[1] for w in windows]).astype(np.int64) + input_storage_offset(im)
    reference = int_reference(im, x.reshape(-1, *im.input_shape))
    assert out['scores'].shape == reference.shape and np.array_equal(out['scores'], reference)
    assert np.array_equal(host.stream(audio, block_sizes=(1, 37, 512)), reference)   # the stream on the host, other blocks
    assert out['classes'] == list(reference.argmax(1))
    assert out['names'] == [im.class_names[k] for k in reference.argmax(1)]
    assert (out['window'], out['windows'], out['overruns'], out['nonfinite']) == (list(range(len(windows))), len(windows), 0, 0)
    assert set(out['status']) == {'TA_OK'} and out['end_status'] == 'TA_OK'


def test_example_under_qemu_equals_the_integer_reference(project, tmp_path):
    "The example linked against lib<prefix>.a for the M4F with the bench's startup and linker script, run under QEMU."
    require('mcu')
    from tinyaudio.mcu import run_example, parse_example_output
    folder, im, pcm = project
    r = run_example(folder, tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    _check_against_reference(parse_example_output(r.stdout), im, pcm)


def _fsdd_recording(names) -> np.ndarray:
    "FSDD clips of one speaker one after the other, as int16 PCM at 8 kHz: one recording of several spoken digits."
    import soundfile as sf
    from tinyaudio.core import data_root
    clips = []
    for name in names:
        pcm, sr = sf.read(data_root()/'fsdd'/'recordings'/f'{name}.wav', dtype='int16')
        assert sr == 8000 and pcm.ndim == 1, (name, sr, pcm.shape)
        clips.append(pcm)
    return np.concatenate(clips)


def test_example_on_a_real_recording_under_qemu(tmp_path):
    """Spoken digits of FSDD, played by the emulated microphone DMA into the firmware under QEMU: the class sequence
    (and every score) it prints is the integer reference's."""
    require('data'); require('mcu')
    from tinyaudio.export_c import write_c_project
    from tinyaudio.mcu import run_example, parse_example_output
    im = _fsdd_model()
    pcm = _fsdd_recording([f'{d}_jackson_0' for d in (3, 1, 4, 1, 5, 9, 2, 6)])
    folder = write_c_project(im, tmp_path/'c', 'app', clip=pcm)[0].parent
    r = run_example(folder, tmp_path/'work')
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    out = parse_example_output(r.stdout)
    _check_against_reference(out, im, pcm)
    assert out['windows'] >= 6, out['windows']
    print(f"{out['windows']} windows of {len(pcm)/8000:.2f} s of FSDD: {' '.join(out['names'])}; "
          f"ELF flash {r.flash} B, RAM {r.ram} B, stack {r.stack_used} B")


def test_without_a_clip_the_example_says_how_to_get_one(tmp_path):
    "The folder `tinyaudio export` writes has no clip: the library builds, the example names what is missing."
    from tinyaudio.core import AudioError
    from tinyaudio.export_c import write_c_project
    from tinyaudio.mcu import make_library, run_example
    folder = write_c_project(random_intmodel(seed=0), tmp_path/'c', 'app')[0].parent
    assert make_library(folder, tmp_path/'lib', cc='gcc', arch=[]).is_file()
    res = subprocess.run(['make', '-C', str(folder), 'CC=gcc', 'ARCH_FLAGS=', f'BUILD_DIR={tmp_path/"ex"}', 'example'],
                         capture_output=True, text=True)
    assert res.returncode != 0 and 'example/app_clip.c is missing: export with a clip' in res.stderr, res.stderr
    with pytest.raises(AudioError, match='app_clip.c: not found: the example plays a clip'): run_example(folder, tmp_path/'qemu')
