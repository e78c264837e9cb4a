"""The hand-written C runtime (tinyaudio/csrc) on its own: strict builds for the host and Cortex-M, C++ use of
its headers, and a C driver checking the API contract (status names, NULL and length checks with one less, one
more and SIZE_MAX, no access past the given lengths), one hand-computed result per kernel family, and hostile
audio: NaN and infinities (TA_ERR_NONFINITE), samples beyond full scale (clipped), and stream counters started
just below 2^32 and 2^64."""
import math, os, re, shutil, subprocess
from pathlib import Path
import pytest

CSRC = Path(__file__).resolve().parent.parent/'tinyaudio'/'csrc'
SOURCES = sorted(CSRC.glob('*.c'))
HEADERS = sorted(CSRC.glob('*.h'))
STRICT = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Wdouble-promotion', '-Wconversion']
TARGETS = {  # name: (compiler, flags)
    'gcc': ('gcc', ['-O2']),
    'clang': ('clang', ['-O2']),
    'cortex-m4': ('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-mfpu=fpv4-sp-d16', '-mfloat-abi=hard', '-O2']),
    'cortex-m3': ('arm-none-eabi-gcc', ['-mcpu=cortex-m3', '-mthumb', '-mfloat-abi=soft', '-O2']),
}
STATUS = ['TA_OK', 'TA_ERR_NULL', 'TA_ERR_SIZE', 'TA_ERR_CONFIG', 'TA_ERR_NOT_READY', 'TA_ERR_NONFINITE']


def need(tool: str) -> str:
    "Path of `tool`; a missing one skips the test, except on CI (CI=true), where it fails."
    path = shutil.which(tool)
    if path is None:
        if os.environ.get('CI') == 'true': pytest.fail(f'{tool} not found on PATH (CI=true: required)')
        pytest.skip(f'{tool} not found on PATH')
    return path


def run(cmd, cwd=None, timeout=60):
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0 and not res.stderr.strip(), f'{" ".join(map(str, cmd))}\n{res.stdout}\n{res.stderr}'
    return res


def test_runtime_files():
    names = {p.name for p in SOURCES + HEADERS}
    assert {'ta_common.c', 'ta_common.h', 'ta_nn.c', 'ta_nn.h', 'ta_frontend.c', 'ta_frontend.h', 'ta_frontend_q.c',
            'ta_frontend_q.h', 'ta_fft.c', 'ta_fft.h', 'ta_stream.c', 'ta_stream.h'} <= names
    for h in HEADERS:  # every header usable from C++ (the g++ test below proves it for the functions used)
        text = h.read_text()
        assert text.count('#ifdef __cplusplus') == 2 and 'extern "C" {' in text, h.name


@pytest.mark.parametrize('target', list(TARGETS))
def test_compiles_warning_free(target, tmp_path):
    "Every runtime .c, compiled alone with the strict flags (warnings are errors)."
    cc, flags = TARGETS[target]
    cc = need(cc)
    # one compiler process for all files (objects land in tmp_path): cheap on a busy machine
    run([cc, *STRICT, *flags, '-I', CSRC, '-c', *SOURCES], cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.glob('*.o')) == sorted(p.stem + '.o' for p in SOURCES)


CPP = r'''
#include "ta_common.h"
#include "ta_fft.h"
#include "ta_nn.h"
#include "ta_frontend.h"
#include "ta_frontend_q.h"
#include "ta_stream.h"
#include <cstdio>
#include <cstring>

int main() {
    ta_layer l;
    int8_t x[4] = {0, 0, 0, 0}, y[4];
    std::memset(&l, 0, sizeof l);
    // C linkage: these link against the gcc-compiled runtime objects
    std::printf("%s %s\n", ta_status_str(TA_ERR_SIZE), ta_status_str(ta_conv2d_s8(&l, x, 4, y, 4)));
    return 0;
}
'''


def sanitizer_flags(cc, tmp_path):
    "ASan + UBSan (aborting on the first report) when this compiler can build and run with them, else []."
    flags = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer']
    probe = tmp_path/'probe.c'
    probe.write_text('int main(void) { return 0; }\n')
    try:
        ok = subprocess.run([cc, *flags, probe, '-o', tmp_path/'probe'], capture_output=True, timeout=60).returncode == 0
        ok = ok and subprocess.run([tmp_path/'probe'], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError): ok = False
    return flags if ok else []


RUN_ENV = {**os.environ, 'ASAN_OPTIONS': 'detect_leaks=0'}  # the driver does not free its tables


@pytest.fixture(scope='module')
def host_objects(tmp_path_factory):
    "`(objects, sanitizer flags)`: the runtime compiled once by gcc (strict, sanitized where possible) for linking."
    gcc = need('gcc')
    d = tmp_path_factory.mktemp('objects')
    san = sanitizer_flags(gcc, d)
    run([gcc, *STRICT, '-O0', '-g', *san, '-I', CSRC, '-c', *SOURCES], cwd=d)
    return sorted(d.glob('ta_*.o')), san


def test_headers_cxx(tmp_path, host_objects):
    "All headers in one C++ translation unit (strict), linked against the C objects: the extern \"C\" guards work."
    gxx = need('g++')
    objs, san = host_objects
    (tmp_path/'t.cpp').write_text(CPP)
    cxx_flags = ['-Wall', '-Wextra', '-Werror', '-pedantic', '-I', CSRC]
    run([gxx, '-fsyntax-only', *cxx_flags, tmp_path/'t.cpp'])
    run([gxx, *cxx_flags, *san, tmp_path/'t.cpp', *objs, '-lm', '-o', tmp_path/'t'])
    res = subprocess.run([tmp_path/'t'], capture_output=True, text=True, timeout=60, env=RUN_ENV)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ['TA_ERR_SIZE', 'TA_ERR_NULL']  # a zeroed layer: NULL tables


# The driver prints one `key value...` line per check; values are status names (through ta_status_str) or numbers.
# Every buffer the runtime sees is malloc'ed with exactly the length passed, so that the sanitizers (when the
# compiler has them) catch any access past it.
DRIVER = r'''
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ta_common.h"
#include "ta_fft.h"
#include "ta_nn.h"
#include "ta_frontend.h"
#include "ta_frontend_q.h"
#include "ta_stream.h"

static void *dup(const void *src, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1u);
    if (!p) exit(3);
    if (src) memcpy(p, src, bytes); else memset(p, 0x5a, bytes);
    return p;
}
#define DUP(src, n, T) ((T *)dup((src), (n) * sizeof(T)))
#define NEW(n, T) ((T *)dup(NULL, (n) * sizeof(T)))

static void st(const char *key, ta_status s) { printf("%s %s\n", key, ta_status_str(s)); }
static void st2(const char *kernel, const char *what, ta_status s) { printf("%s.%s %s\n", kernel, what, ta_status_str(s)); }
static void ints8(const char *key, const int8_t *x, size_t n) {
    size_t i;
    printf("%s", key);
    for (i = 0; i < n; i++) printf(" %d", (int)x[i]);
    printf("\n");
}
static void ints32(const char *key, const int32_t *x, size_t n) {
    size_t i;
    printf("%s", key);
    for (i = 0; i < n; i++) printf(" %ld", (long)x[i]);
    printf("\n");
}
static void floats(const char *key, const float *x, size_t n) {
    size_t i;
    printf("%s", key);
    for (i = 0; i < n; i++) printf(" %.7g", (double)x[i]);
    printf("\n");
}
static int all_5a(const void *p, size_t bytes) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < bytes; i++) if (b[i] != 0x5au) return 0;
    return 1;
}

/* ---- network kernels ---- */
typedef ta_status (*kernel8)(const ta_layer *, const int8_t *, size_t, int8_t *, size_t);

static ta_layer layer(uint16_t ic, uint16_t ih, uint16_t iw, uint16_t oc, uint16_t oh, uint16_t ow,
                      uint8_t k, uint8_t s, uint8_t pad, const int8_t *w, size_t n_w, const int32_t *bias,
                      const int32_t *mult, const int8_t *shift) {
    ta_layer l;
    memset(&l, 0, sizeof l);
    l.in_c = ic; l.in_h = ih; l.in_w = iw; l.out_c = oc; l.out_h = oh; l.out_w = ow;
    l.k_h = k; l.k_w = k; l.s_h = s; l.s_w = s; l.pad_t = pad; l.pad_l = pad;
    l.act_min = -128; l.act_max = 127; l.divisor = 1;
    l.weight = DUP(w, n_w, int8_t); l.bias = DUP(bias, oc, int32_t);
    l.multiplier = DUP(mult, oc, int32_t); l.shift = DUP(shift, oc, int8_t);
    return l;
}

/* NULL and length checks of an int8 kernel on layer l (valid for it, output n_out values) */
static void kernel_contract(const char *name, kernel8 f, const ta_layer *l, size_t n_in, size_t n_out, int pool) {
    int8_t *in_rw = NEW(n_in, int8_t), *out = NEW(n_out, int8_t);
    const int8_t *in = in_rw;
    ta_layer t;
    memset(in_rw, 1, n_in);
    st2(name, "null_layer", f(NULL, in, n_in, out, n_out));
    st2(name, "null_in", f(l, NULL, n_in, out, n_out));
    st2(name, "null_out", f(l, in, n_in, NULL, n_out));
    st2(name, "null_before_size", f(l, NULL, n_in + 1u, out, n_out + 1u));
    t = *l; t.multiplier = NULL; st2(name, "null_multiplier", f(&t, in, n_in, out, n_out));
    t = *l; t.shift = NULL; st2(name, "null_shift", f(&t, in, n_in, out, n_out));
    if (!pool) {
        t = *l; t.weight = NULL; st2(name, "null_weight", f(&t, in, n_in, out, n_out));
        t = *l; t.bias = NULL; st2(name, "null_bias", f(&t, in, n_in, out, n_out));
    }
    st2(name, "n_in_minus", f(l, in, n_in - 1u, out, n_out));
    st2(name, "n_in_plus", f(l, in, n_in + 1u, out, n_out));
    st2(name, "n_in_max", f(l, in, SIZE_MAX, out, n_out));
    st2(name, "n_out_minus", f(l, in, n_in, out, n_out - 1u));
    st2(name, "n_out_plus", f(l, in, n_in, out, n_out + 1u));
    st2(name, "n_out_max", f(l, in, n_in, out, SIZE_MAX));
    printf("%s.untouched %d\n", name, all_5a(out, n_out));  /* nothing written by the failed calls */
    st2(name, "ok", f(l, in, n_in, out, n_out));
    free(out); free(in_rw);
}

/* ta_dense_s32 through the int8 kernel signature: `out` only says NULL or not, the call gets an int32 buffer
 * of the layer's out_c values (n_out may be a wrong length, SIZE_MAX included) */
static ta_status dense32_as_8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out) {
    int32_t *o = out ? NEW(l ? l->out_c : 1u, int32_t) : NULL;
    ta_status s = ta_dense_s32(l, in, n_in, o, n_out);
    free(o);
    return s;
}

static void network(void) {
    /* 1 x 2 x 2 -> 1 x 2 x 2, 1x1 kernel w = 2, bias 1, y = round_half_even((1 + 2x) / 2) */
    static const int8_t w[4] = {2, 1, 1, 1}, x[4] = {1, 2, 3, -4};
    static const int32_t bias[1] = {1}, one[1] = {1};
    static const int8_t shift1[1] = {1};
    const ta_layer l = layer(1, 2, 2, 1, 2, 2, 1, 1, 0, w, 4, bias, one, shift1);
    const int8_t *in = DUP(x, 4, int8_t);
    int8_t *out = NEW(4, int8_t);
    int32_t *out32 = NEW(1, int32_t);
    ta_layer t;

    kernel_contract("conv2d", ta_conv2d_s8, &l, 4, 4, 0);
    kernel_contract("depthwise", ta_depthwise_s8, &l, 4, 4, 0);
    kernel_contract("pointwise", ta_pointwise_s8, &l, 4, 4, 0);
    kernel_contract("maxpool", ta_maxpool_s8, &l, 4, 4, 1);
    kernel_contract("avgpool", ta_avgpool_s8, &l, 4, 4, 1);
    kernel_contract("dense_s8", ta_dense_s8, &l, 4, 1, 0);
    kernel_contract("dense_s32", dense32_as_8, &l, 4, 1, 0);
    {  /* dense_s32 has no requantization: NULL multiplier / shift are fine */
        t = l; t.multiplier = NULL; t.shift = NULL;
        st("dense_s32.no_requant_tables", ta_dense_s32(&t, in, 4, out32, 1));
    }

    /* configuration errors come after the lengths */
    t = l; t.k_h = 3; t.k_w = 3;
    st("pointwise.config", ta_pointwise_s8(&t, in, 4, out, 4));
    st("pointwise.size_before_config", ta_pointwise_s8(&t, in, 3, out, 4));
    t = l; t.out_h = 1; t.out_w = 4;  /* same length, other shape */
    st("pointwise.config_shape", ta_pointwise_s8(&t, in, 4, out, 4));
    t = l; t.in_c = 2; t.in_h = 1; t.out_c = 3; t.out_h = 1; t.out_w = 1;  /* out_c not a multiple of in_c */
    {
        static const int32_t b3[3] = {0, 0, 0}, m3[3] = {1, 1, 1};
        static const int8_t s3[3] = {0, 0, 0};
        t.bias = DUP(b3, 3, int32_t); t.multiplier = DUP(m3, 3, int32_t); t.shift = DUP(s3, 3, int8_t);
        st("depthwise.config", ta_depthwise_s8(&t, in, 4, out, 3));
        st("maxpool.config", ta_maxpool_s8(&t, in, 4, out, 3));
    }
    t = l; t.divisor = 0;
    st("avgpool.config", ta_avgpool_s8(&t, in, 4, out, 4));

    /* numbers */
    st("conv2d.run", ta_conv2d_s8(&l, in, 4, out, 4)); ints8("conv2d.y", out, 4);
    st("depthwise.run", ta_depthwise_s8(&l, in, 4, out, 4)); ints8("depthwise.y", out, 4);
    st("dense_s8.run", ta_dense_s8(&l, in, 4, out, 1)); ints8("dense_s8.y", out, 1);
    st("dense_s32.run", ta_dense_s32(&l, in, 4, out32, 1)); ints32("dense_s32.y", out32, 1);
    {  /* 3x3 depthwise, stride 1, padding 1, weights 1: sums of 3x3 neighbourhoods (the paired path) */
        static const int8_t w9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, x9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        static const int32_t b0[1] = {0};
        static const int8_t s0[1] = {0};
        const ta_layer d = layer(1, 3, 3, 1, 3, 3, 3, 1, 1, w9, 9, b0, one, s0);
        const int8_t *in9 = DUP(x9, 9, int8_t);
        int8_t *out9 = NEW(9, int8_t);
        st("depthwise3x3.run", ta_depthwise_s8(&d, in9, 9, out9, 9)); ints8("depthwise3x3.y", out9, 9);
        st("conv3x3.run", ta_conv2d_s8(&d, in9, 9, out9, 9)); ints8("conv3x3.y", out9, 9);
        free(out9);
    }
    {  /* pointwise 4 -> 2 channels on 1 x 2 pixels (the paired path) */
        static const int8_t wp[8] = {1, 1, 1, 1, 1, -1, 2, 0}, xp[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        static const int32_t b0[2] = {0, 0}, m1[2] = {1, 1};
        static const int8_t s0[2] = {0, 0};
        const ta_layer p = layer(4, 1, 2, 2, 1, 2, 1, 1, 0, wp, 8, b0, m1, s0);
        const int8_t *inp = DUP(xp, 8, int8_t);
        int8_t *outp = NEW(4, int8_t);
        st("pointwise.run", ta_pointwise_s8(&p, inp, 8, outp, 4)); ints8("pointwise.y", outp, 4);
        st("pointwise.n_in_per_pixel", ta_pointwise_s8(&p, inp, 2, outp, 4));
        free(outp);
    }
    {  /* pointwise 8 -> 2 channels on 1 x 2 pixels, 4-bit weights read packed: one word per output channel,
        * the two channels' words alternating; codes w + 8, channel c of a word at bit 4 * (2 * (c / 4) + c % 2)
        * + 16 * ((c % 4) / 2). Channel 0: all 1 (code 9); channel 1: -8 7 1 0 -1 2 -3 5. */
        static const uint32_t words[2] = {0x99999999u, 0xd589a7f0u};
        static const int8_t xk[16] = {1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8};
        static const int32_t b0[2] = {0, 0}, m1[2] = {1, 1};
        static const int8_t s0[2] = {0, 0};
        ta_layer k = layer(8, 1, 2, 2, 1, 2, 1, 1, 0, xk, 1, b0, m1, s0), t2;
        const uint32_t *pk = DUP(words, 2, uint32_t);
        const int8_t *ink = DUP(xk, 16, int8_t);
        int8_t *outk = NEW(4, int8_t);
        k.weight = NULL;  /* not read */
        st("packed.null_layer", ta_pointwise_packed(NULL, pk, 2, 4, ink, 16, outk, 4));
        st("packed.null_packed", ta_pointwise_packed(&k, NULL, 2, 4, ink, 16, outk, 4));
        st("packed.null_in", ta_pointwise_packed(&k, pk, 2, 4, NULL, 16, outk, 4));
        st("packed.null_out", ta_pointwise_packed(&k, pk, 2, 4, ink, 16, NULL, 4));
        t2 = k; t2.bias = NULL; st("packed.null_bias", ta_pointwise_packed(&t2, pk, 2, 4, ink, 16, outk, 4));
        t2 = k; t2.shift = NULL; st("packed.null_shift", ta_pointwise_packed(&t2, pk, 2, 4, ink, 16, outk, 4));
        st("packed.n_in_minus", ta_pointwise_packed(&k, pk, 2, 4, ink, 15, outk, 4));
        st("packed.n_in_plus", ta_pointwise_packed(&k, pk, 2, 4, ink, 17, outk, 4));
        st("packed.n_in_max", ta_pointwise_packed(&k, pk, 2, 4, ink, SIZE_MAX, outk, 4));
        st("packed.n_out_minus", ta_pointwise_packed(&k, pk, 2, 4, ink, 16, outk, 3));
        st("packed.n_out_plus", ta_pointwise_packed(&k, pk, 2, 4, ink, 16, outk, 5));
        st("packed.n_out_max", ta_pointwise_packed(&k, pk, 2, 4, ink, 16, outk, SIZE_MAX));
        st("packed.n_packed_max", ta_pointwise_packed(&k, pk, SIZE_MAX, 4, ink, 16, outk, 4));
        st("packed.bits3", ta_pointwise_packed(&k, pk, 2, 3, ink, 16, outk, 4));
        st("packed.n_packed_minus", ta_pointwise_packed(&k, pk, 1, 4, ink, 16, outk, 4));
        st("packed.n_packed_plus", ta_pointwise_packed(&k, pk, 3, 4, ink, 16, outk, 4));
        st("packed.n_packed_at_2_bits", ta_pointwise_packed(&k, pk, 2, 2, ink, 16, outk, 4));  /* 8 channels: not 16 */
        t2 = k; t2.k_h = 3; st("packed.config_kernel", ta_pointwise_packed(&t2, pk, 2, 4, ink, 16, outk, 4));
        printf("packed.untouched %d\n", all_5a(outk, 4));
        st("packed.run", ta_pointwise_packed(&k, pk, 2, 4, ink, 16, outk, 4)); ints8("packed.y", outk, 4);
        free(outk);
    }
    {  /* 2x2 pooling of one 2x2 plane */
        static const int8_t xq[4] = {1, 2, 3, 6}, w0[1] = {0};
        static const int32_t b0[1] = {0};
        static const int8_t s0[1] = {0};
        ta_layer q = layer(1, 2, 2, 1, 1, 1, 2, 2, 0, w0, 1, b0, one, s0);
        const int8_t *inq = DUP(xq, 4, int8_t);
        int8_t *outq = NEW(1, int8_t);
        st("maxpool.run", ta_maxpool_s8(&q, inq, 4, outq, 1)); ints8("maxpool.y", outq, 1);
        q.divisor = 4;
        st("avgpool.run", ta_avgpool_s8(&q, inq, 4, outq, 1)); ints8("avgpool.y", outq, 1);
        free(outq);
    }
    {
        int32_t r = 0;
        st("requantize.run", ta_requantize(5, 1, 1, 1, 0, -128, 127, &r)); ints32("requantize.y", &r, 1);
        st("requantize.null", ta_requantize(5, 1, 1, 1, 0, -128, 127, NULL));
        st("requantize.config", ta_requantize(5, 1, 1, 0, 0, -128, 127, &r));
    }
    {  /* 4-bit: low nibble first; 2-bit likewise */
        static const uint8_t p4[2] = {0x1f, 0x07}, p2[2] = {0xe4, 0x01};
        const uint8_t *q4 = DUP(p4, 2, uint8_t), *q2 = DUP(p2, 2, uint8_t);
        int8_t *u3 = NEW(3, int8_t), *u5 = NEW(5, int8_t);
        st("unpack.null_packed", ta_unpack_weights(NULL, 2, 3, 4, u3, 3));
        st("unpack.null_out", ta_unpack_weights(q4, 2, 3, 4, NULL, 3));
        st("unpack.n_packed_minus", ta_unpack_weights(q4, 1, 3, 4, u3, 3));
        st("unpack.n_packed_plus", ta_unpack_weights(q4, 3, 3, 4, u3, 3));
        st("unpack.n_packed_max", ta_unpack_weights(q4, SIZE_MAX, 3, 4, u3, 3));
        st("unpack.n_out_minus", ta_unpack_weights(q4, 2, 3, 4, u3, 2));
        st("unpack.n_out_plus", ta_unpack_weights(q4, 2, 3, 4, u3, 4));
        st("unpack.n_out_max", ta_unpack_weights(q4, 2, 3, 4, u3, SIZE_MAX));
        printf("unpack.untouched %d\n", all_5a(u3, 3));
        st("unpack.config", ta_unpack_weights(q4, 2, 3, 3, u3, 3));  /* 3 bits: ceil(9 / 8) = 2 bytes */
        st("unpack.run4", ta_unpack_weights(q4, 2, 3, 4, u3, 3)); ints8("unpack.y4", u3, 3);
        st("unpack.run2", ta_unpack_weights(q2, 2, 5, 2, u5, 5)); ints8("unpack.y2", u5, 5);
        free(u3); free(u5);
    }
    free(out); free(out32);
}

/* ---- frontends: n_fft 8, win_length 8, hop 4, 2 mels, 3 frames, 16 samples per window ---- */
static ta_frontend_cfg make_cfg(void) {
    static const float ones8[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    static const float tc[4] = {1.0f, 0.70710678f, 0.0f, -0.70710678f}, ts[4] = {0.0f, 0.70710678f, 1.0f, 0.70710678f};
    static const uint16_t start[2] = {0, 2}, len[2] = {2, 3};
    static const uint32_t offset[2] = {0, 2};
    static const float weight[5] = {1, 1, 1, 1, 1};
    ta_frontend_cfg c;
    memset(&c, 0, sizeof c);
    c.n_fft = 8; c.win_length = 8; c.win_offset = 0; c.hop_length = 4; c.n_mels = 2; c.n_frames = 3;
    c.window_samples = 16; c.power = 2; c.normalize = TA_NORM_WINDOW; c.use_top_db = 0;
    c.top_db_log = 80.0f; c.log_offset = 1.0f; c.norm_floor = 1.0f;
    c.window = DUP(ones8, 8, float); c.twiddle_cos = DUP(tc, 4, float); c.twiddle_sin = DUP(ts, 4, float);
    c.mel_start = DUP(start, 2, uint16_t); c.mel_len = DUP(len, 2, uint16_t);
    c.mel_offset = DUP(offset, 2, uint32_t); c.mel_weight = DUP(weight, 5, float);
    return c;
}

static void frontend(const ta_frontend_cfg *cfg, float *window_out) {
    static const float dc[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const float *audio = DUP(dc, 16, float), *frame = DUP(dc, 8, float);
    float *scratch = NEW(8, float), *mel = NEW(2, float), *win = NEW(6, float);
    ta_frontend_cfg t;

    st("frame.null_cfg", ta_logmel_frame(NULL, frame, 8, scratch, 8, mel, 2));
    st("frame.null_frame", ta_logmel_frame(cfg, NULL, 8, scratch, 8, mel, 2));
    st("frame.null_scratch", ta_logmel_frame(cfg, frame, 8, NULL, 8, mel, 2));
    st("frame.null_out", ta_logmel_frame(cfg, frame, 8, scratch, 8, NULL, 2));
    t = *cfg; t.window = NULL; st("frame.null_window", ta_logmel_frame(&t, frame, 8, scratch, 8, mel, 2));
    t = *cfg; t.mel_weight = NULL; st("frame.null_mel_weight", ta_logmel_frame(&t, frame, 8, scratch, 8, mel, 2));
    t = *cfg; t.twiddle_sin = NULL; st("frame.null_twiddle", ta_logmel_frame(&t, frame, 8, scratch, 8, mel, 2));
    st("frame.null_before_size", ta_logmel_frame(cfg, NULL, 7, scratch, 8, mel, 2));
    st("frame.n_frame_minus", ta_logmel_frame(cfg, frame, 7, scratch, 8, mel, 2));
    st("frame.n_frame_plus", ta_logmel_frame(cfg, frame, 9, scratch, 8, mel, 2));
    st("frame.n_frame_max", ta_logmel_frame(cfg, frame, SIZE_MAX, scratch, 8, mel, 2));
    st("frame.n_scratch_minus", ta_logmel_frame(cfg, frame, 8, scratch, 7, mel, 2));
    st("frame.n_scratch_plus", ta_logmel_frame(cfg, frame, 8, scratch, 9, mel, 2));
    st("frame.n_scratch_max", ta_logmel_frame(cfg, frame, 8, scratch, SIZE_MAX, mel, 2));
    st("frame.n_out_minus", ta_logmel_frame(cfg, frame, 8, scratch, 8, mel, 1));
    st("frame.n_out_plus", ta_logmel_frame(cfg, frame, 8, scratch, 8, mel, 3));
    st("frame.n_out_max", ta_logmel_frame(cfg, frame, 8, scratch, 8, mel, SIZE_MAX));
    printf("frame.untouched %d\n", all_5a(mel, 2 * sizeof(float)) && all_5a(scratch, 8 * sizeof(float)));
    t = *cfg; t.win_offset = 1; st("frame.config", ta_logmel_frame(&t, frame, 8, scratch, 8, mel, 2));
    {  /* n_fft 12 holds the window but is no power of two */
        float *s12 = NEW(12, float);
        t = *cfg; t.n_fft = 12; st("frame.config_n_fft", ta_logmel_frame(&t, frame, 8, s12, 12, mel, 2));
        free(s12);
    }
    st("frame.run", ta_logmel_frame(cfg, frame, 8, scratch, 8, mel, 2)); floats("frame.y", mel, 2);

    st("spectrum.null_scratch", ta_logmel_spectrum(cfg, NULL, 8, mel, 2));
    st("spectrum.n_scratch_minus", ta_logmel_spectrum(cfg, scratch, 7, mel, 2));
    st("spectrum.n_scratch_plus", ta_logmel_spectrum(cfg, scratch, 9, mel, 2));
    st("spectrum.n_scratch_max", ta_logmel_spectrum(cfg, scratch, SIZE_MAX, mel, 2));
    st("spectrum.n_out_minus", ta_logmel_spectrum(cfg, scratch, 8, mel, 1));
    st("spectrum.n_out_plus", ta_logmel_spectrum(cfg, scratch, 8, mel, 3));
    st("spectrum.n_out_max", ta_logmel_spectrum(cfg, scratch, 8, mel, SIZE_MAX));
    t = *cfg; t.power = 3; st("spectrum.config", ta_logmel_spectrum(&t, scratch, 8, mel, 2));
    memcpy(scratch, dc, 8 * sizeof(float));
    st("spectrum.run", ta_logmel_spectrum(cfg, scratch, 8, mel, 2)); floats("spectrum.y", mel, 2);

    st("window.null_audio", ta_logmel_window(cfg, NULL, 16, scratch, 8, win, 6));
    t = *cfg; t.window = NULL; st("window.null_window", ta_logmel_window(&t, audio, 16, scratch, 8, win, 6));
    st("window.n_samples_minus", ta_logmel_window(cfg, audio, 15, scratch, 8, win, 6));
    st("window.n_samples_plus", ta_logmel_window(cfg, audio, 17, scratch, 8, win, 6));
    st("window.n_samples_max", ta_logmel_window(cfg, audio, SIZE_MAX, scratch, 8, win, 6));
    st("window.n_scratch_minus", ta_logmel_window(cfg, audio, 16, scratch, 7, win, 6));
    st("window.n_scratch_plus", ta_logmel_window(cfg, audio, 16, scratch, 9, win, 6));
    st("window.n_scratch_max", ta_logmel_window(cfg, audio, 16, scratch, SIZE_MAX, win, 6));
    st("window.n_out_minus", ta_logmel_window(cfg, audio, 16, scratch, 8, win, 5));
    st("window.n_out_plus", ta_logmel_window(cfg, audio, 16, scratch, 8, win, 7));
    st("window.n_out_max", ta_logmel_window(cfg, audio, 16, scratch, 8, win, SIZE_MAX));
    printf("window.untouched %d\n", all_5a(win, 6 * sizeof(float)));
    t = *cfg; t.window_samples = 15;  /* fewer than the 3 frames read */
    st("window.config_samples", ta_logmel_window(&t, audio, 15, scratch, 8, win, 6));
    t = *cfg; t.n_frames = 0; st("window.config_frames", ta_logmel_window(&t, audio, 16, scratch, 8, win, 0));
    t = *cfg; t.normalize = 7; st("window.config_normalize", ta_logmel_window(&t, audio, 16, scratch, 8, win, 6));
    t = *cfg; t.normalize = TA_NORM_NONE;
    st("window.run_raw", ta_logmel_window(&t, audio, 16, scratch, 8, win, 6)); floats("window.raw", win, 6);
    st("window.run", ta_logmel_window(cfg, audio, 16, scratch, 8, win, 6)); floats("window.y", win, 6);
    memcpy(window_out, win, 6 * sizeof(float));

    {  /* NaN and infinities: TA_ERR_NONFINITE after the NULL and length checks, nothing written */
        float *bad = DUP(dc, 16, float), *mel5 = NEW(2, float), *win5 = NEW(6, float), *scratch5 = NEW(8, float);
        bad[3] = NAN;
        st("nonfinite.frame_nan", ta_logmel_frame(cfg, bad, 8, scratch5, 8, mel5, 2));
        st("nonfinite.frame_size_first", ta_logmel_frame(cfg, bad, 7, scratch5, 8, mel5, 2));
        st("nonfinite.frame_null_first", ta_logmel_frame(cfg, bad, 8, NULL, 8, mel5, 2));
        st("nonfinite.window_nan", ta_logmel_window(cfg, bad, 16, scratch5, 8, win5, 6));
        bad[3] = 1.0f; bad[0] = INFINITY;
        st("nonfinite.frame_inf", ta_logmel_frame(cfg, bad, 8, scratch5, 8, mel5, 2));
        st("nonfinite.window_inf", ta_logmel_window(cfg, bad, 16, scratch5, 8, win5, 6));
        bad[0] = 1.0f; bad[15] = -INFINITY;  /* the last sample of the window */
        st("nonfinite.window_neg_inf", ta_logmel_window(cfg, bad, 16, scratch5, 8, win5, 6));
        st("nonfinite.window_size_first", ta_logmel_window(cfg, bad, 15, scratch5, 8, win5, 6));
        printf("nonfinite.untouched %d\n", all_5a(mel5, 2 * sizeof(float)) && all_5a(win5, 6 * sizeof(float))
               && all_5a(scratch5, 8 * sizeof(float)));
        free(bad); free(mel5); free(win5); free(scratch5);
    }
    {  /* beyond full scale: clipped to [-1, 1], so a DC of 1000, FLT_MAX or -FLT_MAX gives the window of a DC of +-1 */
        static const float gains[3] = {1000.0f, FLT_MAX, -FLT_MAX};
        float *loud = NEW(16, float), *loud_win = NEW(6, float), *loud_mel = NEW(2, float), *one_mel = NEW(2, float);
        float *minus_one = NEW(16, float), *ref = NEW(6, float);
        int same_window = 1, same_frame = 1;
        size_t g, i;
        for (g = 0; g < 3; g++) {
            for (i = 0; i < 16; i++) { loud[i] = gains[g]; minus_one[i] = gains[g] > 0.0f ? 1.0f : -1.0f; }
            same_window = same_window && ta_logmel_window(cfg, loud, 16, scratch, 8, loud_win, 6) == TA_OK
                && ta_logmel_window(cfg, minus_one, 16, scratch, 8, ref, 6) == TA_OK && memcmp(loud_win, ref, 6 * sizeof(float)) == 0;
            same_frame = same_frame && ta_logmel_frame(cfg, loud, 8, scratch, 8, loud_mel, 2) == TA_OK
                && ta_logmel_frame(cfg, minus_one, 8, scratch, 8, one_mel, 2) == TA_OK && memcmp(loud_mel, one_mel, 2 * sizeof(float)) == 0;
        }
        printf("full_scale.window_clipped %d\nfull_scale.frame_clipped %d\n", same_window, same_frame);
        floats("full_scale.y", loud_win, 6);
        free(loud); free(loud_win); free(loud_mel); free(one_mel); free(minus_one); free(ref);
    }

    st("normalize.null", ta_normalize(cfg, NULL, 6));
    st("normalize.size", ta_normalize(cfg, win, 1));
    st("clamp_top_db.null", ta_clamp_top_db(NULL, win, 6));
    {
        static const float xq[4] = {0.5f, -1.25f, 2.5f, 1000.0f};
        const float *x = DUP(xq, 4, float);
        int8_t *q = NEW(4, int8_t);
        st("quantize.null_x", ta_quantize_input(NULL, 4, 0.5f, 1, -128, 127, q, 4));
        st("quantize.null_out", ta_quantize_input(x, 4, 0.5f, 1, -128, 127, NULL, 4));
        st("quantize.n_out_minus", ta_quantize_input(x, 4, 0.5f, 1, -128, 127, q, 3));
        st("quantize.n_out_plus", ta_quantize_input(x, 4, 0.5f, 1, -128, 127, q, 5));
        st("quantize.n_out_max", ta_quantize_input(x, 4, 0.5f, 1, -128, 127, q, SIZE_MAX));
        st("quantize.n_minus", ta_quantize_input(x, 3, 0.5f, 1, -128, 127, q, 4));
        st("quantize.n_plus", ta_quantize_input(x, 5, 0.5f, 1, -128, 127, q, 4));
        st("quantize.n_max", ta_quantize_input(x, SIZE_MAX, 0.5f, 1, -128, 127, q, 4));
        printf("quantize.untouched %d\n", all_5a(q, 4));
        st("quantize.config", ta_quantize_input(x, 4, 0.0f, 1, -128, 127, q, 4));
        st("quantize.run", ta_quantize_input(x, 4, 0.5f, 1, -128, 127, q, 4)); ints8("quantize.y", q, 4);
        free(q);
    }
    free(scratch); free(mel); free(win);
}

static void frontend_q(const ta_frontend_cfg *cfg) {
    static const int32_t w31[8] = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
                                   0x7fffffff, 0x7fffffff};
    static const int32_t tc[4] = {0x7fffffff, 1518500250, 0, -1518500250}, ts[4] = {0, 1518500250, 0x7fffffff, 1518500250};
    static const uint16_t wq[5] = {32768u, 32768u, 32768u, 32768u, 32768u};
    static const int16_t half[16] = {16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
                                     16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384};
    const int16_t *audio = DUP(half, 16, int16_t), *frame = DUP(half, 8, int16_t);
    int32_t *scratch = NEW(8, int32_t), *mel = NEW(2, int32_t), *win = NEW(6, int32_t);
    ta_frontend_q_cfg q, t;
    ta_frontend_cfg g;
    memset(&q, 0, sizeof q);
    q.geometry = cfg; q.window_q31 = DUP(w31, 8, int32_t); q.twiddle_cos_q31 = DUP(tc, 4, int32_t);
    q.twiddle_sin_q31 = DUP(ts, 4, int32_t); q.mel_weight_q15 = DUP(wq, 5, uint16_t);
    q.log_offset_mantissa = 0x80000000u; q.log_offset_exponent = 0;  /* log_offset 1.0 */
    q.norm_floor_q16 = 65536; q.top_db_q16 = 80 * 65536;

    st("frame_q.null_cfg", ta_logmel_frame_q(NULL, frame, 8, scratch, 8, mel, 2));
    t = q; t.geometry = NULL; st("frame_q.null_geometry", ta_logmel_frame_q(&t, frame, 8, scratch, 8, mel, 2));
    st("frame_q.null_frame", ta_logmel_frame_q(&q, NULL, 8, scratch, 8, mel, 2));
    st("frame_q.null_scratch", ta_logmel_frame_q(&q, frame, 8, NULL, 8, mel, 2));
    st("frame_q.null_out", ta_logmel_frame_q(&q, frame, 8, scratch, 8, NULL, 2));
    t = q; t.twiddle_cos_q31 = NULL; st("frame_q.null_twiddle", ta_logmel_frame_q(&t, frame, 8, scratch, 8, mel, 2));
    t = q; t.mel_weight_q15 = NULL; st("frame_q.null_mel_weight", ta_logmel_frame_q(&t, frame, 8, scratch, 8, mel, 2));
    g = *cfg; g.mel_offset = NULL; t = q; t.geometry = &g;
    st("frame_q.null_mel_offset", ta_logmel_frame_q(&t, frame, 8, scratch, 8, mel, 2));
    st("frame_q.n_frame_minus", ta_logmel_frame_q(&q, frame, 7, scratch, 8, mel, 2));
    st("frame_q.n_frame_plus", ta_logmel_frame_q(&q, frame, 9, scratch, 8, mel, 2));
    st("frame_q.n_frame_max", ta_logmel_frame_q(&q, frame, SIZE_MAX, scratch, 8, mel, 2));
    st("frame_q.n_scratch_minus", ta_logmel_frame_q(&q, frame, 8, scratch, 7, mel, 2));
    st("frame_q.n_scratch_plus", ta_logmel_frame_q(&q, frame, 8, scratch, 9, mel, 2));
    st("frame_q.n_scratch_max", ta_logmel_frame_q(&q, frame, 8, scratch, SIZE_MAX, mel, 2));
    st("frame_q.n_out_minus", ta_logmel_frame_q(&q, frame, 8, scratch, 8, mel, 1));
    st("frame_q.n_out_plus", ta_logmel_frame_q(&q, frame, 8, scratch, 8, mel, 3));
    st("frame_q.n_out_max", ta_logmel_frame_q(&q, frame, 8, scratch, 8, mel, SIZE_MAX));
    printf("frame_q.untouched %d\n", all_5a(mel, 2 * sizeof(int32_t)) && all_5a(scratch, 8 * sizeof(int32_t)));
    g = *cfg; g.win_offset = 1; t = q; t.geometry = &g;
    st("frame_q.config", ta_logmel_frame_q(&t, frame, 8, scratch, 8, mel, 2));
    st("frame_q.run", ta_logmel_frame_q(&q, frame, 8, scratch, 8, mel, 2)); ints32("frame_q.y", mel, 2);

    st("window_q.null_audio", ta_logmel_window_q(&q, NULL, 16, scratch, 8, win, 6));
    st("window_q.n_samples_minus", ta_logmel_window_q(&q, audio, 15, scratch, 8, win, 6));
    st("window_q.n_samples_plus", ta_logmel_window_q(&q, audio, 17, scratch, 8, win, 6));
    st("window_q.n_samples_max", ta_logmel_window_q(&q, audio, SIZE_MAX, scratch, 8, win, 6));
    st("window_q.n_scratch_minus", ta_logmel_window_q(&q, audio, 16, scratch, 7, win, 6));
    st("window_q.n_scratch_plus", ta_logmel_window_q(&q, audio, 16, scratch, 9, win, 6));
    st("window_q.n_scratch_max", ta_logmel_window_q(&q, audio, 16, scratch, SIZE_MAX, win, 6));
    st("window_q.n_out_minus", ta_logmel_window_q(&q, audio, 16, scratch, 8, win, 5));
    st("window_q.n_out_plus", ta_logmel_window_q(&q, audio, 16, scratch, 8, win, 7));
    st("window_q.n_out_max", ta_logmel_window_q(&q, audio, 16, scratch, 8, win, SIZE_MAX));
    printf("window_q.untouched %d\n", all_5a(win, 6 * sizeof(int32_t)));
    g = *cfg; g.window_samples = 15; t = q; t.geometry = &g;
    st("window_q.config_samples", ta_logmel_window_q(&t, audio, 15, scratch, 8, win, 6));
    g = *cfg; g.normalize = 7; t = q; t.geometry = &g;
    st("window_q.config_normalize", ta_logmel_window_q(&t, audio, 16, scratch, 8, win, 6));
    t = q; t.norm_floor_q16 = 0;
    st("window_q.config_floor", ta_logmel_window_q(&t, audio, 16, scratch, 8, win, 6));
    st("window_q.run", ta_logmel_window_q(&q, audio, 16, scratch, 8, win, 6)); ints32("window_q.y", win, 6);
    free(scratch); free(mel); free(win);
}

static void stream(const ta_frontend_cfg *cfg, const float *window_ref) {
    static const float dc[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const float *audio = DUP(dc, 16, float);
    float *ring = NEW(8, float), *mel_ring = NEW(6, float), *scratch = NEW(8, float), *feat = NEW(6, float);
    ta_stream s;
    ta_frontend_cfg t;
    size_t used = 99;
    uint8_t ready = 9;

    st("stream_init.null_s", ta_stream_init(NULL, cfg, ring, 8, mel_ring, 6, scratch, 8, 1));
    st("stream_init.null_cfg", ta_stream_init(&s, NULL, ring, 8, mel_ring, 6, scratch, 8, 1));
    st("stream_init.null_ring", ta_stream_init(&s, cfg, NULL, 8, mel_ring, 6, scratch, 8, 1));
    st("stream_init.null_mel_ring", ta_stream_init(&s, cfg, ring, 8, NULL, 6, scratch, 8, 1));
    st("stream_init.null_scratch", ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, NULL, 8, 1));
    t = *cfg; t.window = NULL;
    st("stream_init.null_window", ta_stream_init(&s, &t, ring, 8, mel_ring, 6, scratch, 8, 1));
    st("stream_init.n_ring_minus", ta_stream_init(&s, cfg, ring, 7, mel_ring, 6, scratch, 8, 1));
    st("stream_init.n_ring_plus", ta_stream_init(&s, cfg, ring, 9, mel_ring, 6, scratch, 8, 1));
    st("stream_init.n_ring_max", ta_stream_init(&s, cfg, ring, SIZE_MAX, mel_ring, 6, scratch, 8, 1));
    st("stream_init.n_mel_ring_minus", ta_stream_init(&s, cfg, ring, 8, mel_ring, 5, scratch, 8, 1));
    st("stream_init.n_mel_ring_plus", ta_stream_init(&s, cfg, ring, 8, mel_ring, 7, scratch, 8, 1));
    st("stream_init.n_mel_ring_max", ta_stream_init(&s, cfg, ring, 8, mel_ring, SIZE_MAX, scratch, 8, 1));
    st("stream_init.n_scratch_minus", ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, scratch, 7, 1));
    st("stream_init.n_scratch_plus", ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, scratch, 9, 1));
    st("stream_init.n_scratch_max", ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, scratch, SIZE_MAX, 1));
    st("stream_init.config_hop0", ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, scratch, 8, 0));
    st("stream_init.config_hop4", ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, scratch, 8, 4));
    t = *cfg; t.win_offset = 1;
    st("stream_init.config_win", ta_stream_init(&s, &t, ring, 8, mel_ring, 6, scratch, 8, 1));
    st("stream_init.ok", ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, scratch, 8, 1));
    st("stream_reset.null", ta_stream_reset(NULL));
    st("stream_reset.ok", ta_stream_reset(&s));

    st("stream_window.not_ready", ta_stream_window(&s, feat, 6));
    st("stream_window.size_before_ready", ta_stream_window(&s, feat, 5));
    st("stream_push.null_s", ta_stream_push(NULL, audio, 16, &used, &ready));
    st("stream_push.null_x", ta_stream_push(&s, NULL, 1, &used, &ready));
    st("stream_push.null_consumed", ta_stream_push(&s, audio, 16, NULL, &ready));
    st("stream_push.null_ready", ta_stream_push(&s, audio, 16, &used, NULL));
    st("stream_push.empty", ta_stream_push(&s, NULL, 0, &used, &ready));
    printf("stream_push.empty_consumed %lu %u\n", (unsigned long)used, (unsigned)ready);
    st("stream_push.run", ta_stream_push(&s, audio, 16, &used, &ready));
    printf("stream_push.consumed %lu %u\n", (unsigned long)used, (unsigned)ready);
    st("stream_window.null_s", ta_stream_window(NULL, feat, 6));
    st("stream_window.null_features", ta_stream_window(&s, NULL, 6));
    st("stream_window.n_minus", ta_stream_window(&s, feat, 5));
    st("stream_window.n_plus", ta_stream_window(&s, feat, 7));
    st("stream_window.n_max", ta_stream_window(&s, feat, SIZE_MAX));
    printf("stream_window.untouched %d\n", all_5a(feat, 6 * sizeof(float)));
    st("stream_window.run", ta_stream_window(&s, feat, 6)); floats("stream_window.y", feat, 6);
    printf("stream_window.equals_logmel_window %d\n", memcmp(feat, window_ref, 6 * sizeof(float)) == 0);
    free(ring); free(mel_ring); free(scratch); free(feat);
}

/* ---- streams on hostile audio, and with counters started anywhere ---- */
#define HOSTILE_N 64u      /* samples pushed: windows end every 4 samples from 16 on, 13 of them */
#define HOSTILE_WINDOWS 16u

typedef struct {
    size_t n;                                  /* windows */
    size_t end[HOSTILE_WINDOWS];               /* samples consumed when each completed */
    ta_status status[HOSTILE_WINDOWS];         /* of the push that completed it */
    float features[HOSTILE_WINDOWS][6];
    uint64_t nonfinite;
    int contract;                              /* every push returned TA_OK, or TA_ERR_NONFINITE with a window */
} stream_log;

/* Push audio in blocks of 5 samples through a fresh stream (hop 1 frame) whose counters start at samples0 and
 * frames0, as a device that has run for that long would have them, and log every window. */
static void stream_record(const ta_frontend_cfg *cfg, const float *audio, uint64_t samples0, uint64_t frames0,
                          stream_log *log) {
    float *ring = NEW(8, float), *mel_ring = NEW(6, float), *scratch = NEW(8, float);
    ta_stream s;
    size_t pos = 0, used = 0;
    uint8_t ready = 0;
    memset(log, 0, sizeof *log);
    log->contract = ta_stream_init(&s, cfg, ring, 8, mel_ring, 6, scratch, 8, 1) == TA_OK;
    s.samples = samples0; s.next_frame_end = samples0 + cfg->n_fft;
    s.frames = frames0; s.next_window = frames0 + cfg->n_frames;
    while (pos < HOSTILE_N && log->n < HOSTILE_WINDOWS) {
        const size_t block = HOSTILE_N - pos < 5u ? HOSTILE_N - pos : 5u;
        const ta_status r = ta_stream_push(&s, audio + pos, block, &used, &ready);
        if (!(r == TA_OK || (r == TA_ERR_NONFINITE && ready)) || used == 0u) { log->contract = 0; break; }
        pos += used;
        if (ready) {
            log->end[log->n] = pos; log->status[log->n] = r;
            if (ta_stream_window(&s, log->features[log->n], 6) != TA_OK) log->contract = 0;
            log->n++;
        }
    }
    log->nonfinite = s.nonfinite_samples;
    free(ring); free(mel_ring); free(scratch);
}

static int same_windows(const stream_log *a, const stream_log *b) {
    size_t i;
    if (a->n != b->n || !a->contract || !b->contract) return 0;
    for (i = 0; i < a->n; i++)
        if (a->end[i] != b->end[i] || memcmp(a->features[i], b->features[i], sizeof a->features[i]) != 0) return 0;
    return 1;
}

static void print_log(const char *name, const stream_log *log) {
    size_t i;
    printf("hostile.%s.ends", name);
    for (i = 0; i < log->n; i++) printf(" %lu", (unsigned long)log->end[i]);
    printf("\nhostile.%s.statuses", name);
    for (i = 0; i < log->n; i++) printf(" %s", ta_status_str(log->status[i]));
    printf("\nhostile.%s.nonfinite %lu\nhostile.%s.contract %d\n", name, (unsigned long)log->nonfinite, name, log->contract);
}

static void stream_hostile(const ta_frontend_cfg *cfg) {
    static float audio[HOSTILE_N], zeroed[HOSTILE_N], bad[HOSTILE_N], loud[HOSTILE_N], clipped[HOSTILE_N];
    static stream_log ref, log;
    /* counters that cross 2^32 (the old 32-bit wrap) and 2^64 within the 64 samples and 15 frames pushed */
    const uint64_t samples32 = ((uint64_t)1 << 32) - 13u, frames32 = ((uint64_t)1 << 32) - 5u;
    const uint64_t samples64 = UINT64_MAX - 12u, frames64 = UINT64_MAX - 4u;
    uint32_t seed = 12345u;
    size_t i;
    for (i = 0; i < HOSTILE_N; i++) {  /* pseudo-random audio in [-0.5, 0.5) */
        seed = seed * 1664525u + 1013904223u;
        audio[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
        loud[i] = 3000.0f * audio[i];
        clipped[i] = ta_clip_full_scale(loud[i]);
    }
    memcpy(zeroed, audio, sizeof audio); memcpy(bad, audio, sizeof audio);
    /* on the edges of spans: 19 is the last sample of the window ending at 20, 20 the first of the one ending
     * at 36, 47 the last of the one ending at 48 and just outside the one ending at 64 */
    bad[19] = -INFINITY; bad[20] = NAN; bad[47] = INFINITY;
    zeroed[19] = zeroed[20] = zeroed[47] = 0.0f;

    stream_record(cfg, zeroed, 0u, 0u, &ref);
    print_log("zeroed", &ref);
    stream_record(cfg, bad, 0u, 0u, &log);
    print_log("bad", &log);
    printf("hostile.bad.same_as_zeroed %d\n", same_windows(&log, &ref));
    stream_record(cfg, bad, samples32, frames32, &log);
    print_log("wrap32", &log);
    printf("hostile.wrap32.same_as_zeroed %d\n", same_windows(&log, &ref));
    stream_record(cfg, bad, samples64, frames64, &log);
    print_log("wrap64", &log);
    printf("hostile.wrap64.same_as_zeroed %d\n", same_windows(&log, &ref));
    stream_record(cfg, clipped, 0u, 0u, &ref);
    stream_record(cfg, loud, 0u, 0u, &log);
    print_log("loud", &log);
    printf("hostile.loud.same_as_clipped %d\n", same_windows(&log, &ref));
}

static void clip_mean(void) {
    static const int32_t a[2] = {1, 4}, b[2] = {2, 5};
    const int32_t *sa = DUP(a, 2, int32_t), *sb = DUP(b, 2, int32_t);
    int64_t *sums = NEW(2, int64_t);
    int32_t *mean = NEW(2, int32_t);
    ta_clip_mean m;
    uint16_t best = 9;
    st("clip_init.null_m", ta_clip_mean_init(NULL, sums, 2));
    st("clip_init.null_sums", ta_clip_mean_init(&m, NULL, 2));
    st("clip_init.config", ta_clip_mean_init(&m, sums, 0));
    st("clip_init.ok", ta_clip_mean_init(&m, sums, 2));
    st("clip_scores.not_ready", ta_clip_mean_scores(&m, mean, 2));
    st("clip_argmax.not_ready", ta_clip_mean_argmax(&m, &best));
    st("clip_add.null_m", ta_clip_mean_add(NULL, sa, 2));
    st("clip_add.null_scores", ta_clip_mean_add(&m, NULL, 2));
    st("clip_add.n_minus", ta_clip_mean_add(&m, sa, 1));
    st("clip_add.n_plus", ta_clip_mean_add(&m, sa, 3));
    st("clip_add.n_max", ta_clip_mean_add(&m, sa, SIZE_MAX));
    st("clip_add.ok", ta_clip_mean_add(&m, sa, 2));
    st("clip_add.ok2", ta_clip_mean_add(&m, sb, 2));
    st("clip_scores.null", ta_clip_mean_scores(&m, NULL, 2));
    st("clip_scores.n_minus", ta_clip_mean_scores(&m, mean, 1));
    st("clip_scores.n_plus", ta_clip_mean_scores(&m, mean, 3));
    st("clip_scores.n_max", ta_clip_mean_scores(&m, mean, SIZE_MAX));
    printf("clip_scores.untouched %d\n", all_5a(mean, 2 * sizeof(int32_t)));
    st("clip_scores.run", ta_clip_mean_scores(&m, mean, 2)); ints32("clip_scores.y", mean, 2);
    st("clip_argmax.null", ta_clip_mean_argmax(&m, NULL));
    st("clip_argmax.run", ta_clip_mean_argmax(&m, &best)); printf("clip_argmax.y %u\n", (unsigned)best);
    free(sums); free(mean);
}

int main(void) {
    float window_ref[6];
    const ta_frontend_cfg cfg = make_cfg();
    st("status.0", TA_OK); st("status.1", TA_ERR_NULL); st("status.2", TA_ERR_SIZE);
    st("status.3", TA_ERR_CONFIG); st("status.4", TA_ERR_NOT_READY); st("status.5", TA_ERR_NONFINITE);
    st("status.6", (ta_status)6); st("status.99", (ta_status)99);
    network();
    frontend(&cfg, window_ref);
    frontend_q(&cfg);
    stream(&cfg, window_ref);
    stream_hostile(&cfg);
    clip_mean();
    printf("done 1\n");
    return 0;
}
'''


@pytest.fixture(scope='module')
def driver(tmp_path_factory, host_objects):
    "`{key: [values...]}` printed by the C driver built against the runtime with gcc."
    gcc = need('gcc')
    objs, san = host_objects
    d = tmp_path_factory.mktemp('driver')
    (d/'driver.c').write_text(DRIVER)
    run([gcc, *STRICT, '-O0', '-g', *san, '-I', CSRC, d/'driver.c', *objs, '-lm', '-o', d/'driver'])
    res = subprocess.run([d/'driver'], capture_output=True, text=True, timeout=60, env=RUN_ENV)
    assert res.returncode == 0, f'driver failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-6000:]}'
    out = {}
    for line in res.stdout.splitlines():
        key, *vals = line.split()
        assert key not in out, f'duplicate key {key}'
        out[key] = vals
    assert out.pop('done') == ['1']
    return out


def test_status_str(driver):
    for i, name in enumerate(STATUS): assert driver[f'status.{i}'] == [name]
    assert driver['status.6'] == driver['status.99'] == ['TA_UNKNOWN_STATUS']


def statuses(driver, prefix):
    return {k[len(prefix):]: v[0] for k, v in driver.items() if k.startswith(prefix) and v and v[0].startswith('TA_')}


@pytest.mark.parametrize('kernel', ['conv2d', 'depthwise', 'pointwise', 'maxpool', 'avgpool', 'dense_s8', 'dense_s32'])
def test_kernel_contract(driver, kernel):
    got = statuses(driver, kernel + '.')
    nulls = ['null_layer', 'null_in', 'null_out', 'null_before_size', 'null_multiplier', 'null_shift']
    if kernel not in ('maxpool', 'avgpool'): nulls += ['null_weight', 'null_bias']
    for k in nulls: assert got[k] == 'TA_ERR_NULL' or (kernel == 'dense_s32' and k in ('null_multiplier', 'null_shift')), (k, got[k])
    if kernel == 'dense_s32':  # reads no requantization tables
        assert got['null_multiplier'] == got['null_shift'] == 'TA_OK'
        assert driver['dense_s32.no_requant_tables'] == ['TA_OK']
    for k in ['n_in_minus', 'n_in_plus', 'n_out_minus', 'n_out_plus']: assert got[k] == 'TA_ERR_SIZE', k
    if kernel != 'dense_s32': assert driver[f'{kernel}.untouched'] == ['1']
    assert got['ok'] == 'TA_OK'


def test_kernel_config_after_size(driver):
    assert driver['pointwise.config'] == ['TA_ERR_CONFIG']
    assert driver['pointwise.size_before_config'] == ['TA_ERR_SIZE']
    assert driver['pointwise.config_shape'] == ['TA_ERR_CONFIG']
    assert driver['pointwise.n_in_per_pixel'] == ['TA_ERR_SIZE']
    assert driver['depthwise.config'] == driver['maxpool.config'] == driver['avgpool.config'] == ['TA_ERR_CONFIG']
    assert driver['requantize.null'] == ['TA_ERR_NULL'] and driver['requantize.config'] == ['TA_ERR_CONFIG']


def ints(driver, key):
    assert driver[key.rsplit('.', 1)[0] + '.run'] == ['TA_OK'], key
    return [int(v) for v in driver[key]]


def rhe(num, den):
    "round(num / den) half to even, exactly"
    q, r = divmod(num, den)
    return q + (2*r > den or (2*r == den and q % 2 == 1))


def test_kernel_numbers(driver):
    x = [1, 2, 3, -4]
    conv = [rhe(1 + 2*v, 2) for v in x]
    assert conv == [2, 2, 4, -4]
    assert ints(driver, 'conv2d.y') == conv and ints(driver, 'depthwise.y') == conv
    acc = 1 + sum(w*v for w, v in zip([2, 1, 1, 1], x))
    assert ints(driver, 'dense_s32.y') == [acc] and ints(driver, 'dense_s8.y') == [rhe(acc, 2)]
    img = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    sums = [sum(img[y][x] for y in range(oy - 1, oy + 2) for x in range(ox - 1, ox + 2) if 0 <= y < 3 and 0 <= x < 3)
            for oy in range(3) for ox in range(3)]
    assert ints(driver, 'depthwise3x3.y') == sums and ints(driver, 'conv3x3.y') == sums
    chans, w = [[1, 2], [3, 4], [5, 6], [7, 8]], [[1, 1, 1, 1], [1, -1, 2, 0]]
    assert ints(driver, 'pointwise.y') == [sum(w[o][c]*chans[c][p] for c in range(4)) for o in range(2) for p in range(2)]
    assert ints(driver, 'maxpool.y') == [6] and ints(driver, 'avgpool.y') == [rhe(1 + 2 + 3 + 6, 4)]
    assert ints(driver, 'requantize.y') == [rhe(5, 2)]


def test_pointwise_packed(driver):
    "4-bit weights read packed: the contract, and the numbers of the word layout the export writes."
    got = statuses(driver, 'packed.')
    for k in ['null_layer', 'null_packed', 'null_in', 'null_out', 'null_bias', 'null_shift']: assert got[k] == 'TA_ERR_NULL', k
    for k in ['n_in_minus', 'n_in_plus', 'n_in_max', 'n_out_minus', 'n_out_plus', 'n_out_max', 'n_packed_minus', 'n_packed_plus',
              'n_packed_max']: assert got[k] == 'TA_ERR_SIZE', k
    for k in ['bits3', 'n_packed_at_2_bits', 'config_kernel']: assert got[k] == 'TA_ERR_CONFIG', k
    assert driver['packed.untouched'] == ['1']
    from tinyaudio.export_c import pack_pointwise_weights
    w = [[1]*8, [-8, 7, 1, 0, -1, 2, -3, 5]]
    assert list(pack_pointwise_weights(w, 4)) == [0x99999999, 0xd589a7f0]   # the driver's words
    x = [1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8]   # CHW: channel c is x[2c], x[2c + 1]
    assert ints(driver, 'packed.y') == [sum(w[o][c]*x[2*c + p] for c in range(8)) for o in range(2) for p in range(2)]


def test_unpack_weights(driver):
    for k in ['null_packed', 'null_out']: assert driver[f'unpack.{k}'] == ['TA_ERR_NULL']
    for k in ['n_packed_minus', 'n_packed_plus', 'n_out_minus', 'n_out_plus']: assert driver[f'unpack.{k}'] == ['TA_ERR_SIZE'], k
    assert driver['unpack.untouched'] == ['1'] and driver['unpack.config'] == ['TA_ERR_CONFIG']
    assert driver['unpack.run4'] == ['TA_OK'] and [int(v) for v in driver['unpack.y4']] == [-1, 1, 7]
    assert driver['unpack.run2'] == ['TA_OK'] and [int(v) for v in driver['unpack.y2']] == [0, 1, -2, -1, 1]


def check_contract(driver, prefix, nulls, sizes, configs):
    got = statuses(driver, prefix + '.')
    for k in nulls: assert got[k] == 'TA_ERR_NULL', (prefix, k, got[k])
    for k in sizes: assert got[k] == 'TA_ERR_SIZE', (prefix, k, got[k])
    for k in configs: assert got[k] == 'TA_ERR_CONFIG', (prefix, k, got[k])
    if f'{prefix}.untouched' in driver: assert driver[f'{prefix}.untouched'] == ['1'], prefix


SIZE3 = ['n_scratch_minus', 'n_scratch_plus', 'n_out_minus', 'n_out_plus']


def test_frontend(driver):
    check_contract(driver, 'frame', ['null_cfg', 'null_frame', 'null_scratch', 'null_out', 'null_window', 'null_mel_weight',
                                     'null_twiddle', 'null_before_size'],
                   ['n_frame_minus', 'n_frame_plus', *SIZE3], ['config', 'config_n_fft'])
    check_contract(driver, 'spectrum', ['null_scratch'], SIZE3, ['config'])
    check_contract(driver, 'window', ['null_audio', 'null_window'], ['n_samples_minus', 'n_samples_plus', *SIZE3],
                   ['config_samples', 'config_frames', 'config_normalize'])
    # a DC frame of ones: power 64 in bin 0, nothing elsewhere; mels (bins 0-1, bins 2-4) = log(64 + 1), log(0 + 1)
    want = [math.log(65.0), 0.0]
    for key in ['frame.y', 'spectrum.y']:
        assert driver[key.replace('.y', '.run')] == ['TA_OK']
        assert [float(v) for v in driver[key]] == pytest.approx(want, abs=2e-6), key
    assert driver['window.run_raw'] == ['TA_OK']  # mel-major [n_mels][n_frames]
    assert [float(v) for v in driver['window.raw']] == pytest.approx([want[0]]*3 + [0.0]*3, abs=2e-6)
    # normalized: mean log(65) / 2, std log(65) / 2 (above the floor 1)
    assert driver['window.run'] == ['TA_OK']
    assert [float(v) for v in driver['window.y']] == pytest.approx([1, 1, 1, -1, -1, -1], abs=1e-5)
    assert driver['normalize.null'] == ['TA_ERR_NULL'] and driver['normalize.size'] == ['TA_ERR_SIZE']
    assert driver['clamp_top_db.null'] == ['TA_ERR_NULL']
    check_contract(driver, 'quantize', ['null_x', 'null_out'], ['n_out_minus', 'n_out_plus', 'n_minus'], ['config'])
    # clamp(round_half_even(x / 0.5) + 1, -128, 127)
    assert ints(driver, 'quantize.y') == [max(-128, min(127, rhe(int(v * 4), 2) + 1)) for v in [0.5, -1.25, 2.5, 1000]]
    assert ints(driver, 'quantize.y') == [2, -1, 6, 127]


def test_frontend_q(driver):
    check_contract(driver, 'frame_q', ['null_cfg', 'null_geometry', 'null_frame', 'null_scratch', 'null_out', 'null_twiddle',
                                       'null_mel_weight', 'null_mel_offset'],
                   ['n_frame_minus', 'n_frame_plus', *SIZE3], ['config'])
    check_contract(driver, 'window_q', ['null_audio'], ['n_samples_minus', 'n_samples_plus', *SIZE3],
                   ['config_samples', 'config_normalize', 'config_floor'])
    # DC 0.5: power (8 * 0.5)^2 = 16 -> log(17) and log(1), q16.16
    got = ints(driver, 'frame_q.y')
    assert abs(got[0] / 65536 - math.log(17.0)) < 1e-4 and got[1] == 0
    assert all(abs(v - w) <= 2 for v, w in zip(ints(driver, 'window_q.y'), [65536]*3 + [-65536]*3))


def test_stream(driver):
    check_contract(driver, 'stream_init', ['null_s', 'null_cfg', 'null_ring', 'null_mel_ring', 'null_scratch', 'null_window'],
                   ['n_ring_minus', 'n_ring_plus', 'n_mel_ring_minus', 'n_mel_ring_plus', 'n_scratch_minus', 'n_scratch_plus'],
                   ['config_hop0', 'config_hop4', 'config_win'])
    assert driver['stream_init.ok'] == driver['stream_reset.ok'] == ['TA_OK']
    assert driver['stream_reset.null'] == ['TA_ERR_NULL']
    assert driver['stream_window.not_ready'] == ['TA_ERR_NOT_READY']
    assert driver['stream_window.size_before_ready'] == ['TA_ERR_SIZE']
    check_contract(driver, 'stream_push', ['null_s', 'null_x', 'null_consumed', 'null_ready'], [], [])
    assert driver['stream_push.empty'] == ['TA_OK'] and driver['stream_push.empty_consumed'] == ['0', '0']
    # 16 samples: frames end at 8, 12 and 16, the third completes the first window
    assert driver['stream_push.run'] == ['TA_OK'] and driver['stream_push.consumed'] == ['16', '1']
    check_contract(driver, 'stream_window', ['null_s', 'null_features'], ['n_minus', 'n_plus'], [])
    assert driver['stream_window.run'] == ['TA_OK']
    assert [float(v) for v in driver['stream_window.y']] == pytest.approx([1, 1, 1, -1, -1, -1], abs=1e-5)
    assert driver['stream_window.equals_logmel_window'] == ['1']


def test_lengths_rejected_exactly(driver):
    "Every length the driver probes, one less, one more and SIZE_MAX, is TA_ERR_SIZE (and every probe has all three)."
    probed = {k.rsplit('_', 1)[0] for k in driver if re.fullmatch(r'\w+\.n(_\w+)?_(minus|plus|max)', k)}
    assert len(probed) == 41, sorted(probed)
    for base in probed:
        for end in ('minus', 'plus', 'max'): assert driver[f'{base}_{end}'] == ['TA_ERR_SIZE'], (base, end)


def test_frontend_nonfinite(driver):
    "NaN or an infinity anywhere in the audio of a one-shot call: TA_ERR_NONFINITE, after the NULL and length checks, nothing written."
    got = statuses(driver, 'nonfinite.')
    for k in ['frame_nan', 'frame_inf', 'window_nan', 'window_inf', 'window_neg_inf']: assert got[k] == 'TA_ERR_NONFINITE', k
    assert got['frame_size_first'] == got['window_size_first'] == 'TA_ERR_SIZE'
    assert got['frame_null_first'] == 'TA_ERR_NULL'
    assert driver['nonfinite.untouched'] == ['1']


def test_frontend_full_scale(driver):
    "A DC of 1000, FLT_MAX or -FLT_MAX is clipped to +-1: bit for bit the features of full scale, finite."
    assert driver['full_scale.window_clipped'] == driver['full_scale.frame_clipped'] == ['1']
    assert [float(v) for v in driver['full_scale.y']] == pytest.approx([1, 1, 1, -1, -1, -1], abs=1e-5)


HOSTILE_ENDS = [str(e) for e in range(16, 65, 4)]  # a window every frame (4 samples) once 16 samples are in


def test_stream_nonfinite(driver):
    "-inf at 19, NaN at 20, +inf at 47: replaced by 0 and counted; exactly the windows whose 16-sample span holds one are spoiled."
    spoiled = lambda end: any(end - 16 <= k < end for k in (19, 20, 47))
    want = ['TA_ERR_NONFINITE' if spoiled(int(e)) else 'TA_OK' for e in HOSTILE_ENDS]
    assert want == ['TA_OK'] + ['TA_ERR_NONFINITE']*5 + ['TA_OK']*2 + ['TA_ERR_NONFINITE']*4 + ['TA_OK']
    assert driver['hostile.bad.ends'] == driver['hostile.zeroed.ends'] == HOSTILE_ENDS
    assert driver['hostile.bad.statuses'] == want
    assert driver['hostile.zeroed.statuses'] == ['TA_OK']*len(HOSTILE_ENDS)
    assert driver['hostile.bad.nonfinite'] == ['3'] and driver['hostile.zeroed.nonfinite'] == ['0']
    assert driver['hostile.bad.contract'] == ['1']
    assert driver['hostile.bad.same_as_zeroed'] == ['1']   # the windows are those of the audio with 0 in place


@pytest.mark.parametrize('bits', [32, 64])
def test_stream_counters_wrap_safe(driver, bits):
    "Counters started just below 2^32 (the old wrap) or 2^64 and crossing it: the same windows, at the same hop, as a fresh stream."
    assert driver[f'hostile.wrap{bits}.ends'] == HOSTILE_ENDS
    assert driver[f'hostile.wrap{bits}.statuses'] == driver['hostile.bad.statuses']
    assert driver[f'hostile.wrap{bits}.nonfinite'] == ['3'] and driver[f'hostile.wrap{bits}.contract'] == ['1']
    assert driver[f'hostile.wrap{bits}.same_as_zeroed'] == ['1']


def test_stream_full_scale(driver):
    "A stream 3000x beyond full scale gives the windows of its clipped self, all TA_OK."
    assert driver['hostile.loud.statuses'] == ['TA_OK']*len(HOSTILE_ENDS) and driver['hostile.loud.same_as_clipped'] == ['1']


def test_clip_mean(driver):
    check_contract(driver, 'clip_init', ['null_m', 'null_sums'], [], ['config'])
    check_contract(driver, 'clip_add', ['null_m', 'null_scores'], ['n_minus', 'n_plus'], [])
    check_contract(driver, 'clip_scores', ['null'], ['n_minus', 'n_plus'], [])
    assert driver['clip_scores.not_ready'] == driver['clip_argmax.not_ready'] == ['TA_ERR_NOT_READY']
    assert driver['clip_add.ok'] == driver['clip_add.ok2'] == ['TA_OK']
    assert ints(driver, 'clip_scores.y') == [rhe(1 + 2, 2), rhe(4 + 5, 2)] == [2, 4]
    assert driver['clip_argmax.null'] == ['TA_ERR_NULL']
    assert driver['clip_argmax.run'] == ['TA_OK'] and driver['clip_argmax.y'] == ['1']
