"""The C event decision layer (tinyaudio/csrc/ta_events.[ch]) against its Python reference (tinyaudio.events):
the Q30 table and the Q15 softmax integer for integer, and ta_detector against EventDetector row by row (the same
events, emitted with the same row) over many random rule sets and logit streams; strict builds with gcc, clang and
arm-none-eabi-gcc; and the statuses of bad arguments."""
import ctypes, re
from dataclasses import replace
from ctypes import POINTER, byref, c_int32, c_size_t, c_uint64, c_uint16, c_uint8, c_void_p
import numpy as np
import pytest
from tinyaudio.cgen import STRICT_CFLAGS
from tinyaudio.events import EXP2_TABLE, EventDetector, EventRules, event_of_rows, log2e_factor, posteriors_q15
from tinyaudio.export_c import csrc_dir
from tinyaudio.host import TaDetectorCfg, TaEvent, compile_host_library
from tinyaudio.testing import require

SOURCES = ['ta_common.c', 'ta_events.c']
I32 = np.iinfo(np.int32)
STATUS = {0: 'TA_OK', 1: 'TA_ERR_NULL', 2: 'TA_ERR_SIZE', 3: 'TA_ERR_CONFIG'}
SIZES = r'''#include "ta_events.h"
size_t t_sizeof_detector(void) { return sizeof(ta_detector); }
size_t t_sizeof_class(void) { return sizeof(ta_detector_class); }
size_t t_sizeof_event(void) { return sizeof(ta_event); }
size_t t_sizeof_cfg(void) { return sizeof(ta_detector_cfg); }
'''


class TaDetector(ctypes.Structure):
    "`ta_detector`, so that a test can start its row counter anywhere."
    _fields_ = [('cfg', c_void_p), ('history', c_void_p), ('smoothed', c_void_p), ('classes', c_void_p), ('row', c_uint64),
                ('slot', c_uint16)]


@pytest.fixture(scope='module')
def lib(tmp_path_factory):
    d = tmp_path_factory.mktemp('events_c')
    (d/'sizes.c').write_text(SIZES)
    lib = ctypes.CDLL(str(compile_host_library([csrc_dir()/s for s in SOURCES] + [d/'sizes.c'], d/'libevents.so', [csrc_dir()])))
    for name in ('detector', 'class', 'event', 'cfg'): getattr(lib, f't_sizeof_{name}').restype = c_size_t
    return lib


def ptr(a): return a.ctypes.data_as(POINTER(c_int32))


class CDetector:
    "ta_detector on caller-owned numpy buffers, configured from `EventRules.integer` of `rules`."
    def __init__(self, lib, class_names, rules, output_scale):
        self.lib, self.names, self.rules, self.n = lib, list(class_names), rules, len(class_names)
        p = rules.integer(self.names)
        self.on, self.off = np.ascontiguousarray(p['on_q15'], np.int32), np.ascontiguousarray(p['off_q15'], np.int32)
        self.cfg = TaDetectorCfg(ptr(self.on), ptr(self.off), self.n, self.n, self.n, p['smooth_hops'], p['ema_q15'],
                                 p['suppress_rows'], p['merge_rows'], p['min_rows'], *log2e_factor(output_scale))
        self.history, self.smoothed = np.zeros(p['smooth_hops']*self.n, np.int32), np.zeros(self.n, np.int32)
        self.classes = ctypes.create_string_buffer(lib.t_sizeof_class()*self.n)
        self.d, self.events, self.n_events = TaDetector(), (TaEvent*self.n)(), c_size_t(0)
        assert self.init() == 0

    def init(self, **lengths):
        n = {**dict(history=len(self.history), smoothed=self.n, classes=self.n), **lengths}
        return self.lib.ta_detector_init(byref(self.d), byref(self.cfg), ptr(self.history), c_size_t(n['history']), ptr(self.smoothed),
                                         c_size_t(n['smoothed']), self.classes, c_size_t(n['classes']))

    def _out(self, st):
        assert STATUS.get(st) == 'TA_OK', STATUS.get(st, st)
        return [(e.label, e.onset_row, e.end_row, e.peak_q15) for e in self.events[:self.n_events.value]]

    def push(self, row):
        row = np.ascontiguousarray(row, np.int32)
        return self._out(self.lib.ta_detector_push(byref(self.d), ptr(row), c_size_t(self.n), self.events, c_size_t(self.n), byref(self.n_events)))

    def push_q15(self, row):
        row = np.ascontiguousarray(row, np.int32)
        return self._out(self.lib.ta_detector_push_q15(byref(self.d), ptr(row), c_size_t(self.n), self.events, c_size_t(self.n),
                                                       byref(self.n_events)))

    def flush(self): return self._out(self.lib.ta_detector_flush(byref(self.d), self.events, c_size_t(self.n), byref(self.n_events)))

    def as_events(self, rows): return [event_of_rows(self.rules, self.names, *r) for r in rows]


def random_rules(rng, n_classes):
    "Random rules at a 0.1 s hop: per-class or single levels, hysteresis, smoothing 1..8, EMA or not, 0..5 rows of each duration."
    names = [f'c{i}' for i in range(n_classes)]
    background = (names[int(rng.integers(n_classes))],) if rng.random() < 0.6 else ()
    if rng.random() < 0.7:
        on = {c: round(float(rng.uniform(0.1, 0.9)), 3) for c in names if c not in background}
        off = {c: max(0.0, on[c] - float(rng.uniform(0, 0.3))) for c in on} if rng.random() < 0.7 else None
    else:
        on = round(float(rng.uniform(0.1, 0.8)), 3)
        off = on*float(rng.uniform(0.5, 1)) if rng.random() < 0.5 else None
    rules = EventRules(hop_s=0.1, window_s=0.5, on=on, off=off, smooth_hops=int(rng.integers(1, 9)),
                       ema=None if rng.random() < 0.5 else float(rng.choice([1.0, 0.5, 0.2, 0.03, 1/32768])),
                       suppress_s=0.1*int(rng.integers(0, 6)), merge_gap_s=0.1*int(rng.integers(0, 6)),
                       min_duration_s=0.1*int(rng.integers(0, 6)), background=background)
    return names, rules


def random_logits(rng, n_rows, n_classes, output_scale):
    "Int32 logit rows whose classes wander and burst in turn (events start, end, merge), with rows of INT32 extremes."
    walk = np.cumsum(rng.normal(0, 0.8, (n_rows, n_classes)), 0)
    bursts = np.cumsum((rng.random((n_rows, n_classes)) < 0.02)*rng.uniform(3, 8, (n_rows, n_classes)), 0) % 6
    y = np.clip(np.round((0.3*(walk - walk.mean(0)) + bursts)/output_scale), I32.min, I32.max).astype(np.int64)
    extreme = rng.random(n_rows) < 0.01
    y[extreme] = rng.choice([I32.min, I32.max, 0], (int(extreme.sum()), n_classes))
    return y.astype(np.int32)


def test_struct_layouts(lib):
    "The ctypes mirrors of tinyaudio.host (and TaDetector here) have the sizes of the C structs."
    assert (ctypes.sizeof(TaDetectorCfg), ctypes.sizeof(TaEvent), ctypes.sizeof(TaDetector)) == \
           (lib.t_sizeof_cfg(), lib.t_sizeof_event(), lib.t_sizeof_detector())


def test_exp2_table_is_the_reference():
    text = (csrc_dir()/'ta_events.c').read_text()
    body = re.search(r'static const int32_t ta_exp2_q30\[257\] = \{(.*?)\};', text, re.S)[1]
    assert [int(v) for v in re.sub(r'/\*.*?\*/', '', body, flags=re.S).split(',')] == EXP2_TABLE.tolist()


def test_posteriors_exact(lib):
    rng = np.random.default_rng(0)
    biggest = (2**31 - 1)/65536/np.log2(np.e)*0.9999      # the largest output scale whose factor fits 31 bits
    for scale in (2**-30, 2**-18, 1e-5, 1e-3, 0.01, 0.3, 7.0, 1e4, biggest):
        k, shift = log2e_factor(scale)
        for n in range(1, 14):
            x = np.concatenate([rng.integers(I32.min, I32.max, (40, n), endpoint=True), rng.integers(-5000, 5000, (40, n)),
                                rng.choice([I32.min, I32.max, -1, 0, 1], (40, n)), np.full((1, n), I32.min), np.full((1, n), I32.max)])
            want = posteriors_q15(x.astype(np.int64), scale)
            for row, w in zip(np.ascontiguousarray(x, np.int32), want):
                out = np.full(n, -7, np.int32)
                assert lib.ta_posteriors_q15(ptr(row), c_size_t(n), k, c_uint8(shift), ptr(out), c_size_t(n)) == 0
                assert out.tolist() == w.tolist(), (scale, row, out, w)


@pytest.mark.parametrize('seed', range(6))
def test_detector_equals_reference_row_by_row(lib, seed):
    "Random rule sets and streams: every row gives the same final events in C as in EventDetector, and the same smoothed scores."
    rng, events = np.random.default_rng(seed), 0
    for _ in range(8):
        names, rules = random_rules(rng, int(rng.integers(2, 13)))
        scale = float(rng.choice([0.005, 0.02, 0.1]))
        c, ref = CDetector(lib, names, rules, scale), EventDetector(names, rules, output_scale=scale)
        for i, row in enumerate(random_logits(rng, 2000, len(names), scale)):
            got, want = c.as_events(c.push(row)), ref.push(row)
            assert got == want, (seed, rules, i, got, want)
            assert c.smoothed.tolist() == ref.smoothed.tolist(), (seed, rules, i)
            events += len(want)
        got, want = c.as_events(c.flush()), ref.flush()
        assert got == want and c.d.row == 0, (seed, rules, 'flush')
        events += len(want)
    assert events >= 100, events   # the streams have teeth: events start, end and are reported


def test_detector_posteriors_in_q15(lib):
    "ta_detector_push_q15 equals EventDetector on float posteriors (output_scale None), out-of-range values clamped alike."
    rng = np.random.default_rng(11)
    for _ in range(5):
        names, rules = random_rules(rng, int(rng.integers(2, 9)))
        c, ref = CDetector(lib, names, rules, 1.0), EventDetector(names, rules)
        q = np.clip(np.round(np.cumsum(rng.normal(0, 2500, (800, len(names))), 0) % 40000) - 2000, I32.min, I32.max).astype(np.int32)
        for row in q:
            assert c.as_events(c.push_q15(row)) == ref.push(row/32768)
        assert c.as_events(c.flush()) == ref.flush()


def test_flush_resets_and_counters_are_64_bit(lib):
    "After a flush the same stream gives the same events; started at row 2^32 - 3, the rows go on past 2^32."
    rng = np.random.default_rng(5)
    names, rules = ['a', 'b', 'other'], EventRules(hop_s=0.1, window_s=0.5, on=0.4, off=0.3, smooth_hops=3, ema=0.5,
                                                  merge_gap_s=0.2, min_duration_s=0.2, background=('other',))
    c, rows = CDetector(lib, names, rules, 0.02), random_logits(rng, 600, 3, 0.02)
    runs = [[e for row in rows for e in c.push(row)] + c.flush() for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) >= 5
    start = 2**32 - 3
    ref = EventDetector(names, rules, output_scale=0.02)
    ref.row, c.d.row = start, start          # a ring of zeros either way: the two agree from any row
    got = [e for row in rows for e in c.push(row)] + c.flush()
    want = []
    for row in rows: want += [(names.index(e.label), e.onset) for e in ref.push(row)]
    want += [(names.index(e.label), e.onset) for e in ref.flush()]
    assert [(label, rules.row_start(onset)) for label, onset, _, _ in got] == want
    assert max(end for _, _, end, _ in got) > 2**32


@pytest.mark.parametrize('cc', ['gcc', 'clang', 'arm-none-eabi-gcc'])
def test_compiles_warning_free(cc, tmp_path):
    "ta_events.c with the strict flags, warnings as errors: host gcc and clang, and the Cortex-M4F and M0+."
    sources = [csrc_dir()/s for s in SOURCES]
    if cc == 'arm-none-eabi-gcc':
        require('mcu')
        from tinyaudio.mcu import check_warnings
        check_warnings(sources, [csrc_dir()])
        check_warnings(sources, [csrc_dir()], arch=['-mcpu=cortex-m0plus', '-mthumb'])
    else:
        if cc == 'clang': require('fuzz')    # clang comes with the fuzzing tools
        compile_host_library(sources, tmp_path/'lib.so', [csrc_dir()], cc=cc)


def test_bad_arguments(lib):
    names, rules = ['a', 'b', 'c'], EventRules(hop_s=0.1, window_s=0.5, on=0.5, smooth_hops=2)
    c = CDetector(lib, names, rules, 0.01)
    d, cfg, ev, n, row = byref(c.d), byref(c.cfg), c.events, c.n_events, np.zeros(3, np.int32)
    status = lambda st: STATUS.get(st, st)
    n.value = 99
    # NULL pointers
    assert status(lib.ta_detector_push(None, ptr(row), c_size_t(3), ev, c_size_t(3), byref(n))) == 'TA_ERR_NULL'
    assert status(lib.ta_detector_push(d, None, c_size_t(3), ev, c_size_t(3), byref(n))) == 'TA_ERR_NULL'
    assert status(lib.ta_detector_push(d, ptr(row), c_size_t(3), None, c_size_t(3), byref(n))) == 'TA_ERR_NULL'
    assert status(lib.ta_detector_push(d, ptr(row), c_size_t(3), ev, c_size_t(3), None)) == 'TA_ERR_NULL'
    assert status(lib.ta_detector_flush(d, None, c_size_t(3), byref(n))) == 'TA_ERR_NULL'
    assert status(lib.ta_detector_reset(None)) == 'TA_ERR_NULL'
    assert status(lib.ta_posteriors_q15(None, c_size_t(3), 100, c_uint8(0), ptr(row), c_size_t(3))) == 'TA_ERR_NULL'
    assert status(lib.ta_detector_init(d, None, ptr(c.history), c_size_t(6), ptr(c.smoothed), c_size_t(3), c.classes, c_size_t(3))) == 'TA_ERR_NULL'
    # lengths: the row, too few places for events (a row can finalize one event per class), the buffers
    for wrong in (2, 4, 2**64 - 1):
        assert status(lib.ta_detector_push(d, ptr(row), c_size_t(wrong), ev, c_size_t(3), byref(n))) == 'TA_ERR_SIZE'
        assert status(lib.ta_detector_push_q15(d, ptr(row), c_size_t(wrong), ev, c_size_t(3), byref(n))) == 'TA_ERR_SIZE'
        assert status(lib.ta_posteriors_q15(ptr(row), c_size_t(3), 100, c_uint8(0), ptr(row), c_size_t(wrong))) == 'TA_ERR_SIZE'
    for few in (0, 2):
        assert status(lib.ta_detector_push(d, ptr(row), c_size_t(3), ev, c_size_t(few), byref(n))) == 'TA_ERR_SIZE'
        assert status(lib.ta_detector_flush(d, ev, c_size_t(few), byref(n))) == 'TA_ERR_SIZE'
    assert status(lib.ta_posteriors_q15(ptr(row), c_size_t(0), 100, c_uint8(0), ptr(row), c_size_t(0))) == 'TA_ERR_SIZE'
    for lengths in (dict(history=5), dict(history=7), dict(smoothed=2), dict(classes=4)):
        assert status(c.init(**lengths)) == 'TA_ERR_SIZE', lengths
    assert n.value == 99 and c.d.row == 0                                    # nothing written, nothing pushed
    # the configuration: the level tables' lengths, every field out of its range, and an off level above its on level
    good = TaDetectorCfg.from_buffer_copy(c.cfg)
    def init_with(**fields):
        ctypes.memmove(cfg, byref(good), ctypes.sizeof(good))
        for k, v in fields.items(): setattr(c.cfg, k, v)
        return status(c.init(history=c.cfg.smooth_hops*c.cfg.n_classes, smoothed=c.cfg.n_classes, classes=c.cfg.n_classes))
    c.history = np.zeros(1025*3, np.int32)      # room for every smooth_hops tried
    assert init_with(n_on=2) == init_with(n_off=4) == 'TA_ERR_SIZE'
    assert init_with(on_q15=None) == init_with(off_q15=None) == 'TA_ERR_NULL'
    above, beyond, negative = (np.array(v, np.int32) for v in ([16385, 0, 0], [16384, 32770, 0], [-1, 0, 0]))
    for fields in [dict(smooth_hops=0), dict(smooth_hops=1025), dict(ema_q15=-1), dict(ema_q15=32769), dict(log2e_mult=0), dict(log2e_shift=63),
                   dict(n_classes=0, n_on=0, n_off=0), dict(off_q15=ptr(above)), dict(on_q15=ptr(beyond)), dict(on_q15=ptr(negative))]:
        assert init_with(**fields) == 'TA_ERR_CONFIG', fields
    assert init_with(smooth_hops=1024, ema_q15=32768) == init_with() == 'TA_OK'
    assert status(lib.ta_posteriors_q15(ptr(row), c_size_t(3), 0, c_uint8(0), ptr(row), c_size_t(3))) == 'TA_ERR_CONFIG'
    assert status(lib.ta_posteriors_q15(ptr(row), c_size_t(3), 100, c_uint8(63), ptr(row), c_size_t(3))) == 'TA_ERR_CONFIG'
    # a background level (32769) on and off is valid: such a class never starts
    bg = CDetector(lib, names, replace(rules, background=('b',)), 0.01)
    assert bg.on.tolist() == [16384, 32769, 16384] and bg.push(np.array([0, 10**6, 0])) == []
