#include "ta_frontend.h"
#include "ta_fft.h"
#include <math.h>

typedef union { float f; uint32_t u; } ta_bits;

/* bin k of the spectrum left by ta_rfft_power (k < n/2 at 2k, the Nyquist bin at 1) */
static float rfft_bin(const float *buf, uint16_t n, uint16_t k) {
    return (k == (uint16_t)(n / 2u)) ? buf[1] : buf[2u * k];
}

/* Natural log, float only and identical on every IEEE-754 target (no libm dependency). */
static float portable_logf(float x) {
    /* log(x) = e ln2 + 2 atanh(s), s = (m - 1) / (m + 1), m in [sqrt(1/2), sqrt(2)):
     * plain float arithmetic, so host and Cortex-M agree bit for bit. */
    const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
    ta_bits b;
    int32_t e = 0;
    float m, s, s2, poly;
    if (!(x > 0.0f)) return -3.402823466e38f;
    if (x < 1.17549435e-38f) { x *= 8388608.0f; e = -23; }  /* subnormal: scale by 2^23 */
    b.f = x;
    e += (int32_t)((b.u >> 23) & 0xffu) - 127;
    b.u = (b.u & 0x007fffffu) | 0x3f800000u;
    m = b.f;
    if (m > 1.41421356f) { m *= 0.5f; e += 1; }
    s = (m - 1.0f) / (m + 1.0f);
    s2 = s * s;
    poly = s2 * (1.0f / 3.0f + s2 * (1.0f / 5.0f + s2 * (1.0f / 7.0f + s2 * (1.0f / 9.0f))));
    return (float)e * ln2_hi + ((float)e * ln2_lo + (2.0f * s + 2.0f * s * poly));
}

/* The tables the spectrum stage reads (cfg itself already checked). */
static int spectrum_tables(const ta_frontend_cfg *cfg) {
    return cfg->twiddle_cos && cfg->twiddle_sin && cfg->mel_start && cfg->mel_len && cfg->mel_offset
        && cfg->mel_weight;
}

/* FFT + mel of the n_fft samples in scratch into out[m * out_stride]; the arguments are checked by the
 * caller except those ta_rfft_power checks (n_fft and power: TA_ERR_CONFIG). */
static ta_status spectrum_strided(const ta_frontend_cfg *cfg, float *scratch, float *out, size_t out_stride) {
    uint16_t m;
    ta_status st;
    st = ta_rfft_power(scratch, cfg->n_fft, cfg->twiddle_cos, cfg->twiddle_sin, cfg->power);
    if (st != TA_OK) return st;
    for (m = 0; m < cfg->n_mels; m++) {
        /* sparse filterbank: only the bins under the triangle are stored */
        const float *w = cfg->mel_weight + cfg->mel_offset[m];
        float acc = 0.0f;
        uint16_t k;
        for (k = 0; k < cfg->mel_len[m]; k++)
            acc += w[k] * rfft_bin(scratch, cfg->n_fft, (uint16_t)(cfg->mel_start[m] + k));
        out[(size_t)m * out_stride] = portable_logf(acc + cfg->log_offset);
    }
    return TA_OK;
}

ta_status ta_logmel_spectrum(const ta_frontend_cfg *cfg, float *scratch, size_t n_scratch,
                             float *out, size_t n_out) {
    TA_REQUIRE(cfg && scratch && out, TA_ERR_NULL);
    TA_REQUIRE(spectrum_tables(cfg), TA_ERR_NULL);
    TA_REQUIRE(n_scratch == cfg->n_fft, TA_ERR_SIZE);
    TA_REQUIRE(n_out == cfg->n_mels, TA_ERR_SIZE);
    return spectrum_strided(cfg, scratch, out, 1u);
}

/* One frame of finite samples into out[m * out_stride]; the arguments are checked by the caller,
 * win_offset + win_length <= n_fft included. */
static ta_status frame_strided(const ta_frontend_cfg *cfg, const float *frame, float *scratch,
                               float *out, size_t out_stride) {
    uint16_t i;
    /* torch.stft zero-pads a short window on both sides to n_fft */
    for (i = 0; i < cfg->n_fft; i++) scratch[i] = 0.0f;
    for (i = 0; i < cfg->win_length; i++) scratch[cfg->win_offset + i] = ta_clip_full_scale(frame[i]) * cfg->window[i];
    return spectrum_strided(cfg, scratch, out, out_stride);
}

/* 1 when none of the n samples of x is NaN or infinite */
static int all_finite(const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) if (!ta_is_finite(x[i])) return 0;
    return 1;
}

ta_status ta_logmel_frame(const ta_frontend_cfg *cfg, const float *frame, size_t n_frame,
                          float *scratch, size_t n_scratch, float *out, size_t n_out) {
    TA_REQUIRE(cfg && frame && scratch && out, TA_ERR_NULL);
    TA_REQUIRE(cfg->window && spectrum_tables(cfg), TA_ERR_NULL);
    TA_REQUIRE(n_frame == cfg->win_length, TA_ERR_SIZE);
    TA_REQUIRE(n_scratch == cfg->n_fft, TA_ERR_SIZE);
    TA_REQUIRE(n_out == cfg->n_mels, TA_ERR_SIZE);
    TA_REQUIRE((uint32_t)cfg->win_offset + cfg->win_length <= cfg->n_fft, TA_ERR_CONFIG);
    TA_REQUIRE(all_finite(frame, n_frame), TA_ERR_NONFINITE);
    return frame_strided(cfg, frame, scratch, out, 1u);
}

/* Kahan-compensated float sum: the window mean must not drift with thousands of terms. */
static float kahan_mean(const float *x, size_t n, float centre) {
    float sum = 0.0f, c = 0.0f;
    size_t i;
    for (i = 0; i < n; i++) {
        float y = (x[i] - centre) - c, t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    return sum / (float)n;
}

ta_status ta_normalize(const ta_frontend_cfg *cfg, float *x, size_t n) {
    float mean, var = 0.0f, c = 0.0f, sd;
    size_t i;
    TA_REQUIRE(cfg && x, TA_ERR_NULL);
    TA_REQUIRE(n >= 2u, TA_ERR_SIZE);
    if (cfg->normalize == TA_NORM_NONE) return TA_OK;
    TA_REQUIRE(cfg->normalize == TA_NORM_WINDOW, TA_ERR_CONFIG);
    mean = kahan_mean(x, n, 0.0f);
    for (i = 0; i < n; i++) {
        float d = x[i] - mean, y = d * d - c, t = var + y;
        c = (t - var) - y;
        var = t;
    }
    var /= (float)n;
    sd = sqrtf(var);
    if (sd < cfg->norm_floor) sd = cfg->norm_floor;
    for (i = 0; i < n; i++) x[i] = (x[i] - mean) / sd;
    return TA_OK;
}

ta_status ta_clamp_top_db(const ta_frontend_cfg *cfg, float *x, size_t n) {
    float peak, lowest;
    size_t i;
    TA_REQUIRE(cfg && x, TA_ERR_NULL);
    if (!cfg->use_top_db || n == 0u) return TA_OK;
    peak = x[0];
    for (i = 1; i < n; i++) if (x[i] > peak) peak = x[i];
    lowest = peak - cfg->top_db_log;
    for (i = 0; i < n; i++) if (x[i] < lowest) x[i] = lowest;
    return TA_OK;
}

ta_status ta_logmel_window(const ta_frontend_cfg *cfg, const float *audio, size_t n_samples,
                           float *scratch, size_t n_scratch, float *out, size_t n_out) {
    uint16_t t;
    TA_REQUIRE(cfg && audio && scratch && out, TA_ERR_NULL);
    TA_REQUIRE(cfg->window && spectrum_tables(cfg), TA_ERR_NULL);
    TA_REQUIRE(n_samples == cfg->window_samples, TA_ERR_SIZE);
    TA_REQUIRE(n_scratch == cfg->n_fft, TA_ERR_SIZE);
    TA_REQUIRE(n_out == (size_t)cfg->n_mels * cfg->n_frames, TA_ERR_SIZE);
    TA_REQUIRE(cfg->n_frames != 0u, TA_ERR_CONFIG);
    TA_REQUIRE((uint32_t)cfg->win_offset + cfg->win_length <= cfg->n_fft, TA_ERR_CONFIG);
    /* the frames read audio[0 .. (n_frames - 1) * hop + win_offset + win_length) */
    TA_REQUIRE((uint64_t)(cfg->n_frames - 1u) * cfg->hop_length + cfg->win_offset + cfg->win_length
               <= cfg->window_samples, TA_ERR_CONFIG);
    TA_REQUIRE(all_finite(audio, n_samples), TA_ERR_NONFINITE);
    for (t = 0; t < cfg->n_frames; t++) {
        ta_status st = frame_strided(cfg, audio + (size_t)t * cfg->hop_length + cfg->win_offset,
                                     scratch, out + t, cfg->n_frames);
        if (st != TA_OK) return st;
    }
    {
        ta_status st = ta_clamp_top_db(cfg, out, (size_t)cfg->n_mels * cfg->n_frames);
        if (st != TA_OK) return st;
    }
    return ta_normalize(cfg, out, (size_t)cfg->n_mels * cfg->n_frames);
}

ta_status ta_quantize_input(const float *x, size_t n, float scale, int32_t zero_point,
                            int32_t qmin, int32_t qmax, int8_t *out, size_t n_out) {
    /* adding and removing 1.5 * 2^23 rounds half to even, like torch.round, without libm */
    const float magic = 12582912.0f;
    size_t i;
    TA_REQUIRE(x && out, TA_ERR_NULL);
    TA_REQUIRE(n_out == n, TA_ERR_SIZE);
    TA_REQUIRE(scale > 0.0f && qmin <= qmax && qmin >= -128 && qmax <= 127, TA_ERR_CONFIG);
    for (i = 0; i < n; i++) {
        float v = x[i] / scale;
        int32_t q;
        if (v > 4194304.0f) v = 4194304.0f;
        if (v < -4194304.0f) v = -4194304.0f;
        if (v != v) v = 0.0f;  /* NaN (a NaN sample poisons its window): the zero point; casting it is undefined */
        q = (int32_t)((v + magic) - magic) + zero_point;
        out[i] = (int8_t)(q < qmin ? qmin : q > qmax ? qmax : q);
    }
    return TA_OK;
}
