#include "ta_fft.h"
#include <math.h>

/* Complex radix-2 decimation-in-time FFT of m = n/2 interleaved (re, im) points. */
static void complex_fft(float *z, uint32_t m, uint32_t n, const float *tc, const float *ts) {
    uint32_t i, j = 0, len;
    for (i = 1; i < m; i++) {           /* bit-reversal permutation */
        uint32_t bit = m >> 1;
        while (j & bit) { j ^= bit; bit >>= 1; }
        j |= bit;
        if (i < j) {
            float tr = z[2u * i], ti = z[2u * i + 1u];
            z[2u * i] = z[2u * j]; z[2u * i + 1u] = z[2u * j + 1u];
            z[2u * j] = tr; z[2u * j + 1u] = ti;
        }
    }
    for (i = 0; i < m; i += 2u) {       /* first stage: the twiddle is 1 */
        float *u = z + 2u * i;
        float vr = u[2], vi = u[3];
        u[2] = u[0] - vr; u[3] = u[1] - vi;
        u[0] += vr; u[1] += vi;
    }
    for (len = 4; len <= m; len <<= 1) {
        uint32_t half = len >> 1, step = n / len, k;
        for (k = 0; k < half; k++) {
            /* w = exp(-2 pi i k / len) = cos - i sin at table index k * n / len; one load per k */
            const float wr = tc[k * step], wi = -ts[k * step];
            float *u = z + 2u * k, *end = z + 2u * m;
            for (; u < end; u += 2u * len) {
                float *v = u + 2u * half;
                float vr = v[0] * wr - v[1] * wi, vi = v[0] * wi + v[1] * wr;
                v[0] = u[0] - vr; v[1] = u[1] - vi;
                u[0] += vr; u[1] += vi;
            }
        }
    }
}

static float finish(float re, float im, uint8_t power) {
    float p = re * re + im * im;
    return power == 2u ? p : sqrtf(p);
}

ta_status ta_rfft_power(float *buf, uint16_t n, const float *twiddle_cos, const float *twiddle_sin,
                        uint8_t power) {
    uint32_t m, k;
    TA_REQUIRE(buf && twiddle_cos && twiddle_sin, TA_ERR_NULL);
    TA_REQUIRE(n >= 4u && (n & (uint16_t)(n - 1u)) == 0u && (power == 1u || power == 2u), TA_ERR_CONFIG);
    m = (uint32_t)n / 2u;
    /* Pack even samples as real and odd as imaginary parts: one n/2-point complex FFT. */
    complex_fft(buf, m, n, twiddle_cos, twiddle_sin);
    {
        float a = buf[0], b = buf[1];
        buf[0] = finish(a + b, 0.0f, power);
        buf[1] = finish(a - b, 0.0f, power);
    }
    /* Untangle bins k and m - k together: each pair only reads and writes its own slots. */
    for (k = 1; k <= m / 2u; k++) {
        uint32_t mk = m - k;
        float a = buf[2u * k], b = buf[2u * k + 1u], c = buf[2u * mk], d = buf[2u * mk + 1u];
        float fer = 0.5f * (a + c), fei = 0.5f * (b - d);
        float p = 0.5f * (b + d), q = -0.5f * (a - c);
        float cr = twiddle_cos[k], si = twiddle_sin[k];
        float tr = cr * p + si * q, ti = cr * q - si * p;
        float pk = finish(fer + tr, fei + ti, power);
        float pm = finish(fer - tr, fei - ti, power);
        buf[2u * k] = pk;
        buf[2u * mk] = pm;
    }
    return TA_OK;
}
