#include "ta_frontend_q.h"

#define LN2_Q31 1488522236  /* ln(2) * 2^31 */

static uint32_t clz64(uint64_t v) {
    uint32_t n = 0;
    if (v == 0u) return 64u;
    while (!(v & ((uint64_t)1 << 63))) { v <<= 1; n++; }
    return n;
}

/* floor(sqrt(v)) */
static uint32_t isqrt64(uint64_t v) {
    uint64_t r = 0, bit = (uint64_t)1 << 62;
    while (bit > v) bit >>= 2;
    while (bit) {
        if (v >= r + bit) { v -= r + bit; r = (r >> 1) + bit; }
        else r >>= 1;
        bit >>= 2;
    }
    return (uint32_t)r;
}

/* Natural log of m * 2^(e - 31) (m > 0), in q16.16. */
static int32_t log_q16(uint32_t m, int32_t e) {
    /* m = 2^31 (1 + f): ln(1 + f) = 2 atanh(s), s = f / (2 + f) <= 1/3, series to s^13, all q31 */
    int64_t f, s, s2, term, sum;
    int32_t k;
    if (m == 0u) return INT32_MIN;
    while (!(m & 0x80000000u)) { m <<= 1; e--; }
    f = (int64_t)m - ((int64_t)1 << 31);
    s = (f << 31) / (f + ((int64_t)1 << 32));
    s2 = (s * s) >> 31;
    sum = 0;
    for (k = 13; k >= 3; k -= 2) sum = ((sum + ((int64_t)1 << 31) / k) * s2) >> 31;  /* Horner in s^2 */
    term = s + ((s * sum) >> 31);
    /* total = e ln2 + 2 term (q31), then round to q16 */
    {
        int64_t total = (int64_t)e * LN2_Q31 + 2 * term;
        return (int32_t)((total + ((int64_t)1 << 14)) >> 15);
    }
}

static int32_t mul_q31(int32_t a, int32_t b) {
    return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

/* q31 complex FFT of m points with a halving (rounded) at every stage: result = FFT / m. */
static void complex_fft_q31(int32_t *z, uint32_t m, uint32_t n, const int32_t *tc, const int32_t *ts) {
    uint32_t i, j = 0, len;
    for (i = 1; i < m; i++) {
        uint32_t bit = m >> 1;
        while (j & bit) { j ^= bit; bit >>= 1; }
        j |= bit;
        if (i < j) {
            int32_t tr = z[2u * i], ti = z[2u * i + 1u];
            z[2u * i] = z[2u * j]; z[2u * i + 1u] = z[2u * j + 1u];
            z[2u * j] = tr; z[2u * j + 1u] = ti;
        }
    }
    for (len = 2; len <= m; len <<= 1) {
        uint32_t half = len >> 1, step = n / len, k;
        for (k = 0; k < half; k++) {
            const int32_t wr = tc[k * step], wi = -ts[k * step];
            int32_t *u = z + 2u * k, *end = z + 2u * m;
            for (; u < end; u += 2u * len) {
                int32_t *v = u + 2u * half;
                int32_t vr = mul_q31(v[0], wr) - mul_q31(v[1], wi), vi = mul_q31(v[0], wi) + mul_q31(v[1], wr);
                int32_t ur = u[0], ui = u[1];
                u[0] = (int32_t)(((int64_t)ur + vr + 1) >> 1); u[1] = (int32_t)(((int64_t)ui + vi + 1) >> 1);
                v[0] = (int32_t)(((int64_t)ur - vr + 1) >> 1); v[1] = (int32_t)(((int64_t)ui - vi + 1) >> 1);
            }
        }
    }
}

static uint64_t power_of(int64_t re, int64_t im) { return (uint64_t)(re * re) + (uint64_t)(im * im); }

static void put64(int32_t *s, uint32_t k, uint64_t v) {
    s[2u * k] = (int32_t)(uint32_t)(v & 0xffffffffu);
    s[2u * k + 1u] = (int32_t)(uint32_t)(v >> 32);
}

static uint64_t get64(const int32_t *s, uint32_t k) {
    return ((uint64_t)(uint32_t)s[2u * k + 1u] << 32) | (uint32_t)s[2u * k];
}

/* The tables a frame reads, the geometry's mel indices included (cfg itself already checked). */
static int q_tables(const ta_frontend_q_cfg *cfg) {
    const ta_frontend_cfg *g = cfg->geometry;
    return g && cfg->window_q31 && cfg->twiddle_cos_q31 && cfg->twiddle_sin_q31 && cfg->mel_weight_q15
        && g->mel_start && g->mel_len && g->mel_offset;
}

/* The geometry a frame needs: n_fft a power of two >= 4 holding the window. */
static int q_frame_geometry(const ta_frontend_cfg *g) {
    return g->n_fft >= 4u && !(g->n_fft & (g->n_fft - 1u)) && (uint32_t)g->win_offset + g->win_length <= g->n_fft;
}

/* One frame into out_q16[mel * out_stride]; the arguments are checked by the caller. */
static void frame_q_strided(const ta_frontend_q_cfg *cfg, const int16_t *frame, int32_t *scratch,
                            int32_t *out_q16, size_t out_stride) {
    const ta_frontend_cfg *g = cfg->geometry;
    uint32_t i, m, k, stages = 0, peak = 0;
    int32_t shift;  /* block-floating-point normalization applied to the windowed frame */
    uint64_t p_nyquist;
    uint16_t mel;
    m = (uint32_t)g->n_fft / 2u;
    for (i = m; i > 1u; i >>= 1) stages++;
    for (i = 0; i < g->n_fft; i++) scratch[i] = 0;
    for (i = 0; i < g->win_length; i++) {
        /* int16 x q31 >> 16 = q30, rounded */
        int32_t v = (int32_t)(((int64_t)frame[i] * cfg->window_q31[i] + ((int64_t)1 << 15)) >> 16);
        uint32_t a = (uint32_t)(v < 0 ? -v : v);
        scratch[g->win_offset + i] = v;
        if (a > peak) peak = a;
    }
    /* block floating point: scale the frame so that its peak sits just below 2^28. The FFT halves at
     * every stage, so |Z| <= sqrt(2) 2^28 and the untangled 2X stays below 2^31: P(2X) < 2^62. */
    shift = 0;
    if (peak) {
        while ((peak << 1) < (1u << 28) && shift < 40) { peak <<= 1; shift++; }
        while (peak >= (1u << 28)) { peak >>= 1; shift--; }
        for (i = 0; i < g->n_fft; i++)
            scratch[i] = shift >= 0 ? (int32_t)((uint32_t)scratch[i] << shift)
                                    : (int32_t)(((int64_t)scratch[i] + ((int64_t)1 << (-shift - 1))) >> -shift);
    }
    complex_fft_q31(scratch, m, g->n_fft, cfg->twiddle_cos_q31, cfg->twiddle_sin_q31);
    /* Z = FFT(frame) * 2^(30 + shift - stages). Untangle into 64-bit powers P(X) (< 2^62) stored in the
     * two int32 slots of bin k (low word at 2k); the Nyquist bin, whose slots DC uses, stays in a local.
     * Keeping all 64 bits matters: a tone's leakage sits 160 dB below its peak, still above log_offset. */
    {
        int64_t a = scratch[0], b = scratch[1];
        p_nyquist = power_of(a - b, 0);
        put64(scratch, 0u, power_of(a + b, 0));
    }
    for (k = 1; k <= m / 2u; k++) {
        uint32_t mk = m - k;
        int64_t a = scratch[2u * k], b = scratch[2u * k + 1u], c = scratch[2u * mk], d = scratch[2u * mk + 1u];
        int64_t fer = a + c, fei = b - d, p = b + d, q = c - a;  /* 2 Fe and 2 Fo (q = -(a - c)) */
        int64_t cr = cfg->twiddle_cos_q31[k], si = cfg->twiddle_sin_q31[k];
        int64_t tr = (cr * p + si * q + ((int64_t)1 << 30)) >> 31, ti = (cr * q - si * p + ((int64_t)1 << 30)) >> 31;
        /* 2X = 2Fe + 2T, so P(X) = P(2X) / 4 */
        put64(scratch, k, (power_of(fer + tr, fei + ti) + 2u) >> 2);
        put64(scratch, mk, (power_of(fer - tr, fei - ti) + 2u) >> 2);
    }
    for (mel = 0; mel < g->n_mels; mel++) {
        const uint16_t *w = cfg->mel_weight_q15 + g->mel_offset[mel];
        uint64_t acc_hi = 0, acc_lo = 0, acc;
        int32_t e_acc = -15 - 2 * (30 + shift - (int32_t)stages);  /* mel(true) = acc * 2^e_acc */
        uint16_t j;
        /* P * w split in 32-bit halves: the sum of 64-bit powers times q15 weights needs ~80 bits */
        for (j = 0; j < g->mel_len[mel]; j++) {
            uint32_t bin = (uint32_t)g->mel_start[mel] + j;
            uint64_t pw = bin == m ? p_nyquist : get64(scratch, bin);
            acc_hi += (pw >> 32) * w[j];
            acc_lo += (pw & 0xffffffffu) * w[j];
        }
        if (acc_hi >> 31) { acc = acc_hi + (acc_lo >> 32); e_acc += 32; }
        else acc = (acc_hi << 32) + acc_lo;
        {
            uint32_t mant;
            int32_t e;
            if (acc == 0u) { mant = cfg->log_offset_mantissa; e = cfg->log_offset_exponent; }
            else {
                uint32_t lz = clz64(acc);
                /* acc = mant * 2^(e - 31) with mant in [2^31, 2^32); add log_offset aligned to the larger */
                uint64_t norm = acc << lz;
                uint64_t sum, om;
                int32_t d;
                mant = (uint32_t)(norm >> 32);
                e = e_acc + 63 - (int32_t)lz;
                d = e - cfg->log_offset_exponent;
                if (d >= 0) {
                    om = d < 63 ? ((uint64_t)cfg->log_offset_mantissa << 31) >> d : 0u;
                    sum = ((uint64_t)mant << 31) + om;
                } else {
                    om = -d < 63 ? ((uint64_t)mant << 31) >> -d : 0u;
                    sum = ((uint64_t)cfg->log_offset_mantissa << 31) + om;
                    e = cfg->log_offset_exponent;
                }
                if (sum >> 63) { sum >>= 1; e++; }
                mant = (uint32_t)(sum >> 31);
            }
            out_q16[(size_t)mel * out_stride] = log_q16(mant, e);
        }
    }
}

ta_status ta_logmel_frame_q(const ta_frontend_q_cfg *cfg, const int16_t *frame, size_t n_frame,
                            int32_t *scratch, size_t n_scratch, int32_t *out_q16, size_t n_out) {
    const ta_frontend_cfg *g;
    TA_REQUIRE(cfg && frame && scratch && out_q16, TA_ERR_NULL);
    TA_REQUIRE(q_tables(cfg), TA_ERR_NULL);
    g = cfg->geometry;
    TA_REQUIRE(n_frame == g->win_length, TA_ERR_SIZE);
    TA_REQUIRE(n_scratch == g->n_fft, TA_ERR_SIZE);
    TA_REQUIRE(n_out == g->n_mels, TA_ERR_SIZE);
    TA_REQUIRE(q_frame_geometry(g), TA_ERR_CONFIG);
    frame_q_strided(cfg, frame, scratch, out_q16, 1u);
    return TA_OK;
}

ta_status ta_logmel_window_q(const ta_frontend_q_cfg *cfg, const int16_t *audio, size_t n_samples,
                             int32_t *scratch, size_t n_scratch, int32_t *out_q16, size_t n_out) {
    const ta_frontend_cfg *g;
    size_t n, i;
    uint16_t t;
    TA_REQUIRE(cfg && audio && scratch && out_q16, TA_ERR_NULL);
    TA_REQUIRE(q_tables(cfg), TA_ERR_NULL);
    g = cfg->geometry;
    TA_REQUIRE(n_samples == g->window_samples, TA_ERR_SIZE);
    TA_REQUIRE(n_scratch == g->n_fft, TA_ERR_SIZE);
    TA_REQUIRE(n_out == (size_t)g->n_mels * g->n_frames, TA_ERR_SIZE);
    TA_REQUIRE(q_frame_geometry(g), TA_ERR_CONFIG);
    /* at least one value (top_db reads out_q16[0], the normalization divides by their count) */
    TA_REQUIRE(g->n_frames != 0u && g->n_mels != 0u, TA_ERR_CONFIG);
    /* the frames read audio[0 .. (n_frames - 1) * hop + win_offset + win_length) */
    TA_REQUIRE((uint64_t)(g->n_frames - 1u) * g->hop_length + g->win_offset + g->win_length
               <= g->window_samples, TA_ERR_CONFIG);
    TA_REQUIRE(g->normalize == TA_NORM_NONE || g->normalize == TA_NORM_WINDOW, TA_ERR_CONFIG);
    /* the divisor max(std, floor) must not be 0 */
    TA_REQUIRE(g->normalize != TA_NORM_WINDOW || cfg->norm_floor_q16 >= 1, TA_ERR_CONFIG);
    for (t = 0; t < g->n_frames; t++)
        frame_q_strided(cfg, audio + (size_t)t * g->hop_length + g->win_offset, scratch, out_q16 + t, g->n_frames);
    n = (size_t)g->n_mels * g->n_frames;
    if (g->use_top_db) {
        int32_t peak = out_q16[0], lowest;
        for (i = 1; i < n; i++) if (out_q16[i] > peak) peak = out_q16[i];
        lowest = peak - cfg->top_db_q16;
        for (i = 0; i < n; i++) if (out_q16[i] < lowest) out_q16[i] = lowest;
    }
    if (g->normalize == TA_NORM_WINDOW) {
        int64_t sum = 0, mean, var = 0, den;
        for (i = 0; i < n; i++) sum += out_q16[i];
        mean = sum >= 0 ? (sum + (int64_t)(n / 2u)) / (int64_t)n : -((-sum + (int64_t)(n / 2u)) / (int64_t)n);
        for (i = 0; i < n; i++) { int64_t d = out_q16[i] - mean; var += d * d; }
        den = (int64_t)isqrt64((uint64_t)(var / (int64_t)n));   /* q16 */
        if (den < cfg->norm_floor_q16) den = cfg->norm_floor_q16;
        for (i = 0; i < n; i++) {
            int64_t num = ((int64_t)out_q16[i] - mean) * 65536;
            out_q16[i] = (int32_t)(num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den));
        }
    }
    return TA_OK;
}
