#include <string.h>
#include "ta_nn.h"

/* Pairs of signed 16-bit lanes packed in a uint32_t (low lane in bits 0-15), the operands of the
 * Cortex-M4 DSP instructions. With __ARM_FEATURE_DSP they are the instructions themselves; elsewhere
 * portable C computes the same integers, so the host tests check the arithmetic the MCU runs. */
static inline uint32_t pack2(int32_t lo, int32_t hi) { return ((uint32_t)lo & 0xffffu) | (uint32_t)hi << 16; }

/* The paired pointwise kernel only pays where SMLAD exists; an Arm core without it (Cortex-M0, M3) keeps the
 * scalar kernel, which is faster there. Hosts run the paired one (emulated) so that the tests cover it. */
#if (defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP) || !defined(__arm__)
#define TA_PAIRED_POINTWISE 1
#else
#define TA_PAIRED_POINTWISE 0
#endif

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
/* a 32-bit load from any address: the M4 allows unaligned LDR, and memcpy lets the compiler use it */
static inline uint32_t load4(const int8_t *p) { uint32_t v; memcpy(&v, p, 4u); return v; }
/* bytes 0 and 2 sign-extended into the two lanes */
static inline uint32_t sxtb16_even(uint32_t v) { return (uint32_t)__sxtb16((int8x4_t)v); }
/* bytes 1 and 3 */
static inline uint32_t sxtb16_odd(uint32_t v) {
    uint32_t r;  /* ACLE has no rotated form; GCC would emit a separate ROR */
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}
/* acc + lo(a) * lo(b) + hi(a) * hi(b) */
static inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc) { return __smlad((int16x2_t)a, (int16x2_t)b, acc); }
/* acc + lo(a) * lo(b), acc + hi(a) * lo(b) */
static inline int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) { return __smlabb((int32_t)a, (int32_t)b, acc); }
static inline int32_t smlatb(uint32_t a, uint32_t b, int32_t acc) { return __smlatb((int32_t)a, (int32_t)b, acc); }
#else
static inline uint32_t load4(const int8_t *p) {
    return (uint32_t)(uint8_t)p[0] | (uint32_t)(uint8_t)p[1] << 8 | (uint32_t)(uint8_t)p[2] << 16
         | (uint32_t)(uint8_t)p[3] << 24;
}
/* lanes by casts (modulo conversion and arithmetic >>, as on GCC, Clang and armcc): a few instructions
 * each, so that cores without the DSP extension (Cortex-M3, M0) and hosts stay fast */
static inline int32_t lane_lo(uint32_t v) { return (int16_t)(uint16_t)v; }
static inline int32_t lane_hi(uint32_t v) { return (int32_t)v >> 16; }
static inline uint32_t sxtb16_even(uint32_t v) { return pack2((int8_t)(uint8_t)v, (int8_t)(uint8_t)(v >> 16)); }
static inline uint32_t sxtb16_odd(uint32_t v) { return pack2((int8_t)(uint8_t)(v >> 8), (int8_t)(uint8_t)(v >> 24)); }
static inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
    return acc + lane_lo(a) * lane_lo(b) + lane_hi(a) * lane_hi(b);
}
static inline int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) { return acc + lane_lo(a) * lane_lo(b); }
static inline int32_t smlatb(uint32_t a, uint32_t b, int32_t acc) { return acc + lane_hi(a) * lane_lo(b); }
#endif


/* The power-of-two case (multiplier 1, divisor 1, 1 <= shift <= 30) in 32 bits: floor(acc / 2^s), then + 1
 * when the remainder is above one half, or exactly one half and the floor is odd (round half to even). */
static inline int32_t requantize_po2(int32_t acc, int32_t shift, int32_t zp, int32_t lo, int32_t hi) {
    int32_t q = acc >> shift;  /* arithmetic shift on GCC, Clang and armcc */
    const uint32_t rem = (uint32_t)acc & ((1u << shift) - 1u), half = 1u << (shift - 1);
    q += (rem + ((uint32_t)q & 1u)) > half;
    q += zp;  /* |q| <= 2^30: no overflow */
    return q < lo ? lo : q > hi ? hi : q;
}

static inline int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t divisor,
                                 int32_t zp, int32_t lo, int32_t hi) {
    int64_t n, q;
    if (multiplier == 1 && divisor == 1 && shift >= 1 && shift <= 30) return requantize_po2(acc, shift, zp, lo, hi);
    n = (int64_t)acc * multiplier;
    if (divisor == 1) {
        if (shift <= 0) {
            q = n;
        } else if (shift >= 32) {
            /* the same rounding with s = 32 + t on the high word: floor(floor(m / 2^32) / 2^t) = floor(m / 2^s),
             * which spares the M4 a variable 64-bit shift (several instructions and branches) */
            const int32_t t = shift - 32, bit = ((int32_t)(n >> 32) >> t) & 1;
            const int64_t m = n + (((int64_t)1 << (shift - 1)) - 1) + bit;
            q = (int32_t)(m >> 32) >> t;
        } else {
            /* floor((n + 2^(s-1) - 1 + bit0(floor(n / 2^s))) / 2^s) is n / 2^s rounded half to even;
             * |n| < 2^62, so nothing overflows. >> on a negative int64 is an arithmetic shift on GCC,
             * Clang and armcc (a 64-bit divide would be a library call on the M4). */
            q = (n + (((int64_t)1 << (shift - 1)) - 1) + ((n >> shift) & 1)) >> shift;
        }
    } else {
        int64_t d = (int64_t)divisor * ((int64_t)1 << shift), r;
        q = n / d; r = n % d;
        if (r < 0) { q -= 1; r += d; }  /* C truncates toward zero: turn it into floor */
        if (2 * r > d || (2 * r == d && (q & 1))) q += 1;
    }
    q += zp;
    return (int32_t)(q < lo ? lo : q > hi ? hi : q);
}

ta_status ta_requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t divisor,
                        int32_t zp, int32_t lo, int32_t hi, int32_t *out) {
    TA_REQUIRE(out, TA_ERR_NULL);
    TA_REQUIRE(divisor >= 1 && shift >= 0 && shift <= 62 && lo <= hi, TA_ERR_CONFIG);
    *out = requantize(acc, multiplier, shift, divisor, zp, lo, hi);
    return TA_OK;
}

/* Requantization constants of one output channel, copied to locals: int8 stores may alias anything,
 * so reading them through the layer pointer would reload them after every output. `round` is
 * 2^(shift - 1) - 1 where the power-of-two path applies (1 <= shift <= 30), else 0. */
typedef struct { int32_t multiplier, shift, divisor, zp, lo, hi, round; } rq_t;

static inline rq_t rq_of(const ta_layer *l, uint32_t o) {
    rq_t r;
    r.multiplier = l->multiplier[o]; r.shift = l->shift[o]; r.divisor = l->divisor;
    r.zp = l->out_zp; r.lo = l->act_min; r.hi = l->act_max;
    r.round = (r.shift >= 1 && r.shift <= 30) ? (int32_t)(1u << (r.shift - 1)) - 1 : 0;
    return r;
}

static inline int8_t rq_apply(rq_t r, int32_t acc) {
    return (int8_t)requantize(acc, r.multiplier, r.shift, r.divisor, r.zp, r.lo, r.hi);
}

/* Largest |accumulator| that rq_apply_po2 takes: acc + round + 1 stays below 2^31. */
#define TA_PO2_ACC_MAX (1L << 30)

/* What layer_po2 says of a layer whose clamp one saturating instruction does: [-128, 127], [0, 127], or 16 values
 * wide (4-bit activations). */
#define TA_PO2_S8 2
#define TA_PO2_U7 3
#define TA_PO2_W16 4

/* Nonzero when every channel takes the 32-bit power-of-two requantization (TA_PO2_S8, TA_PO2_U7 or TA_PO2_W16 when
 * its clamp is [-128, 127], [0, 127] or [lo, lo + 15], else 1): multiplier 1, divisor 1,
 * 1 <= shift <= 30, and no accumulator can exceed TA_PO2_ACC_MAX (|bias| plus in_c * k_h * k_w taps of
 * at most 128 * 255: weight times input less its zero point, the widest case). */
static int layer_po2(const ta_layer *l) {
    const uint32_t taps = (uint32_t)l->in_c * l->k_h * l->k_w;
    uint32_t o, max_bias = 0;
    if (l->divisor != 1 || taps > (uint32_t)(TA_PO2_ACC_MAX / (128L * 255L))) return 0;
    for (o = 0; o < l->out_c; o++) {
        const int32_t b = l->bias ? l->bias[o] : 0;
        const uint32_t mag = b < 0 ? 0u - (uint32_t)b : (uint32_t)b;
        if (l->multiplier[o] != 1 || l->shift[o] < 1 || l->shift[o] > 30) return 0;
        if (mag > max_bias) max_bias = mag;
    }
    if ((uint64_t)max_bias + (uint64_t)taps * 128u * 255u > (uint64_t)TA_PO2_ACC_MAX) return 0;
    if (l->act_max == 127 && l->act_min == -128) return TA_PO2_S8;
    if (l->act_max == 127 && l->act_min == 0) return TA_PO2_U7;
    return (int64_t)l->act_max - l->act_min == 15 ? TA_PO2_W16 : 1;
}

/* requantize_po2 in fewer instructions: floor((acc + 2^(s-1) - 1 + bit0(floor(acc / 2^s))) / 2^s) is acc / 2^s
 * rounded half to even, and within TA_PO2_ACC_MAX (layer_po2) the sum cannot overflow. */
static inline int8_t rq_apply_po2(rq_t r, int32_t acc) {
    int32_t q = (acc + r.round + ((acc >> r.shift) & 1)) >> r.shift;  /* arithmetic shifts on GCC, Clang, armcc */
    q += r.zp;
    q = q > r.hi ? r.hi : q;  /* two conditional moves where the nested form branched */
    q = q < r.lo ? r.lo : q;
    return (int8_t)q;
}

/* rq_apply_po2 for the layers whose clamp is the whole int8 range (layer_po2 says TA_PO2_S8: an unsigned activation
 * stored less 128, after a ReLU or not) or [0, 127] (TA_PO2_U7: a signed one after a ReLU): constant bounds, which
 * GCC and Clang turn into one SSAT or USAT. */
static inline int8_t rq_apply_po2_s8(rq_t r, int32_t acc) {
    int32_t q = ((acc + r.round + ((acc >> r.shift) & 1)) >> r.shift) + r.zp;
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    __asm__("ssat %0, #8, %1" : "=r"(q) : "r"(q));  /* GCC does not find SSAT in the two-sided clamp */
#else
    q = q > 127 ? 127 : q;
    q = q < -128 ? -128 : q;
#endif
    return (int8_t)q;
}

static inline int8_t rq_apply_po2_u7(rq_t r, int32_t acc) {
    int32_t q = ((acc + r.round + ((acc >> r.shift) & 1)) >> r.shift) + r.zp;
    q = q > 127 ? 127 : q;
    q = q < 0 ? 0 : q;
    return (int8_t)q;
}

/* TA_PO2_W16: the clamp [lo, lo + 15] is a signed 4-bit saturation about its middle, lo + 8. */
static inline int8_t rq_apply_po2_w16(rq_t r, int32_t acc) {
    const int32_t mid = r.lo + 8;
    int32_t q = ((acc + r.round + ((acc >> r.shift) & 1)) >> r.shift) + (r.zp - mid);
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    __asm__("ssat %0, #4, %1" : "=r"(q) : "r"(q));
#else
    q = q > 7 ? 7 : q;
    q = q < -8 ? -8 : q;
#endif
    return (int8_t)(q + mid);
}

static inline int32_t requant_channel(const ta_layer *l, int32_t acc, uint32_t o) {
    return rq_apply(rq_of(l, o), acc);
}

/* Sign-extend a field whose sign bit is `sign` (the field's bits-wide code, xor-ed and subtracted). */
#define TA_SIGN_EXTEND(code, sign) ((int8_t)((int32_t)((uint32_t)(code) ^ (sign)) - (int32_t)(sign)))

ta_status ta_unpack_weights(const uint8_t *packed, size_t n_packed, size_t n, uint8_t bits,
                            int8_t *out, size_t n_out) {
    size_t i;
    uint32_t per_byte, mask, sign;
    TA_REQUIRE(packed && out, TA_ERR_NULL);
    /* ceil(n * bits / 8) without overflowing n * bits */
    TA_REQUIRE(n_packed == (n / 8u) * bits + ((n % 8u) * bits + 7u) / 8u, TA_ERR_SIZE);
    TA_REQUIRE(n_out == n, TA_ERR_SIZE);
    TA_REQUIRE(bits == 2u || bits == 4u, TA_ERR_CONFIG);
    /* Fields are stored from the low bits of each byte up; a whole byte is unpacked at a time (shifts
     * and masks, no division per weight), the last partial byte field by field. */
    per_byte = 8u / bits; mask = (1u << bits) - 1u; sign = 1u << (bits - 1u);
    if (bits == 4u) {
        for (i = 0; i + 2u <= n; i += 2u) {
            uint32_t b = packed[i >> 1];
            out[i] = TA_SIGN_EXTEND(b & 15u, 8u);
            out[i + 1u] = TA_SIGN_EXTEND(b >> 4, 8u);
        }
    } else {
        for (i = 0; i + 4u <= n; i += 4u) {
            uint32_t b = packed[i >> 2];
            out[i] = TA_SIGN_EXTEND(b & 3u, 2u);
            out[i + 1u] = TA_SIGN_EXTEND((b >> 2) & 3u, 2u);
            out[i + 2u] = TA_SIGN_EXTEND((b >> 4) & 3u, 2u);
            out[i + 3u] = TA_SIGN_EXTEND(b >> 6, 2u);
        }
    }
    for (; i < n; i++) {
        uint32_t code = ((uint32_t)packed[i / per_byte] >> ((i % per_byte) * bits)) & mask;
        out[i] = TA_SIGN_EXTEND(code, sign);
    }
    return TA_OK;
}

/* The layer tables a requantizing kernel reads (l itself already checked). */
static int has_tables(const ta_layer *l, int needs_weights) {
    if (needs_weights && (!l->weight || !l->bias)) return 0;
    return l->multiplier != 0 && l->shift != 0;
}

/* n == c * h * w for uint16 c, h, w: c * h fits 32 bits, the whole product only 64 (a 32-bit size_t
 * could wrap) */
static int numel_is(size_t n, uint32_t c, uint32_t h, uint32_t w) {
    return (uint64_t)n == (uint64_t)(c * h) * w;
}

/* Kernel rows/columns that land inside the input for output coordinate `o`. */
static void tap_range(int32_t o, uint8_t stride, uint8_t pad, uint8_t k, uint16_t size,
                      int32_t *first_in, int32_t *lo, int32_t *hi) {
    int32_t start = o * (int32_t)stride - (int32_t)pad;
    *first_in = start;
    *lo = start < 0 ? -start : 0;
    *hi = (start + (int32_t)k > (int32_t)size) ? (int32_t)size - start : (int32_t)k;
}

/* Output columns [*lo, *hi) whose taps all fall inside the input row. */
static void interior_columns(const ta_layer *l, uint32_t *lo, uint32_t *hi) {
    uint32_t a = 0, b = l->out_w;
    while (a < b && (int32_t)(a * l->s_w) < (int32_t)l->pad_l) a++;
    while (b > a && (int32_t)((b - 1u) * l->s_w) - (int32_t)l->pad_l + (int32_t)l->k_w > (int32_t)l->in_w) b--;
    *lo = a; *hi = b;
}

/* One output with some taps in the padding: skip them (padding is the zero point, x - zp = 0). */
static int32_t border_output(const ta_layer *l, const int8_t *in, const int8_t *w_oc, uint32_t ic0, uint32_t n_ic,
                             int32_t iy0, int32_t ky_lo, int32_t ky_hi, uint32_t ox, int32_t acc) {
    const size_t plane = (size_t)l->in_h * l->in_w, ksize = (size_t)l->k_h * l->k_w;
    int32_t ix0, kx_lo, kx_hi;
    uint32_t i;
    tap_range((int32_t)ox, l->s_w, l->pad_l, l->k_w, l->in_w, &ix0, &kx_lo, &kx_hi);
    for (i = 0; i < n_ic; i++) {
        const int8_t *x = in + (ic0 + i) * plane;
        const int8_t *w = w_oc + i * ksize;
        int32_t ky, kx;
        for (ky = ky_lo; ky < ky_hi; ky++) {
            const int8_t *xr = x + (size_t)(iy0 + ky) * l->in_w + ix0;
            const int8_t *wr = w + (size_t)ky * l->k_w;
            for (kx = kx_lo; kx < kx_hi; kx++) acc += ((int32_t)xr[kx] - l->in_zp) * wr[kx];
        }
    }
    return acc;
}

/* The arguments are checked by the caller (depthwise: in_c >= 1 and out_c a multiple of it). */
static ta_status conv_generic(const ta_layer *l, const int8_t *restrict in, int8_t *restrict out, int depthwise) {
    uint32_t oc, oy, ox, ox_lo, ox_hi;
    const uint32_t in_w = l->in_w, k_w = l->k_w, k_h = l->k_h, s_w = l->s_w;
    const size_t plane = (size_t)l->in_h * in_w, ksize = (size_t)k_h * k_w;
    interior_columns(l, &ox_lo, &ox_hi);
    for (oc = 0; oc < l->out_c; oc++) {
        const uint32_t ic0 = depthwise ? oc / (uint32_t)(l->out_c / l->in_c) : 0u;
        const uint32_t n_ic = depthwise ? 1u : l->in_c;
        const int8_t *w_oc = l->weight + (size_t)oc * n_ic * ksize;
        int8_t *o = out + (size_t)oc * l->out_h * l->out_w;
        /* where every tap is inside the input, sum((x - zp) * w) = sum(x * w) - zp * sum(w) */
        int32_t wsum = 0, interior_bias;
        size_t t;
        for (t = 0; t < n_ic * ksize; t++) wsum += w_oc[t];
        const rq_t rq = rq_of(l, oc);
        interior_bias = l->bias[oc] - l->in_zp * wsum;
        for (oy = 0; oy < l->out_h; oy++, o += l->out_w) {
            int32_t iy0, ky_lo, ky_hi;
            tap_range((int32_t)oy, l->s_h, l->pad_t, l->k_h, l->in_h, &iy0, &ky_lo, &ky_hi);
            if (ky_lo != 0 || ky_hi != (int32_t)k_h) {
                for (ox = 0; ox < l->out_w; ox++)
                    o[ox] = rq_apply(rq, border_output(l, in, w_oc, ic0, n_ic, iy0, ky_lo, ky_hi, ox,
                                                                     l->bias[oc]));
                continue;
            }
            for (ox = 0; ox < ox_lo; ox++)
                o[ox] = rq_apply(rq, border_output(l, in, w_oc, ic0, n_ic, iy0, 0, (int32_t)k_h, ox,
                                                                 l->bias[oc]));
            if (n_ic == 1u && k_h == 3u && k_w == 3u) {
                /* the 3x3 depthwise case: the nine weights stay in registers along the row */
                const int32_t w0 = w_oc[0], w1 = w_oc[1], w2 = w_oc[2], w3 = w_oc[3], w4 = w_oc[4],
                              w5 = w_oc[5], w6 = w_oc[6], w7 = w_oc[7], w8 = w_oc[8];
                const int8_t *r0 = in + ic0 * plane + (size_t)iy0 * in_w, *r1 = r0 + in_w, *r2 = r1 + in_w;
                for (ox = ox_lo; ox < ox_hi; ox++) {
                    const uint32_t c = ox * s_w - l->pad_l;  /* >= 0 for interior columns */
                    int32_t acc = interior_bias + r0[c] * w0 + r0[c + 1u] * w1 + r0[c + 2u] * w2
                                + r1[c] * w3 + r1[c + 1u] * w4 + r1[c + 2u] * w5
                                + r2[c] * w6 + r2[c + 1u] * w7 + r2[c + 2u] * w8;
                    o[ox] = rq_apply(rq, acc);
                }
            } else {
                for (ox = ox_lo; ox < ox_hi; ox++) {
                    const int8_t *x0 = in + ic0 * plane + (size_t)iy0 * in_w + (ox * s_w - l->pad_l);
                    const int8_t *w = w_oc;
                    int32_t acc = interior_bias;
                    uint32_t i, ky, kx;
                    for (i = 0; i < n_ic; i++, x0 += plane) {
                        const int8_t *x = x0;
                        for (ky = 0; ky < k_h; ky++, x += in_w, w += k_w) {
                            for (kx = 0; kx + 1u < k_w; kx += 2u) acc += x[kx] * w[kx] + x[kx + 1u] * w[kx + 1u];
                            if (kx < k_w) acc += x[kx] * w[kx];
                        }
                    }
                    o[ox] = rq_apply(rq, acc);
                }
            }
            for (ox = ox_hi; ox < l->out_w; ox++)
                o[ox] = rq_apply(rq, border_output(l, in, w_oc, ic0, n_ic, iy0, 0, (int32_t)k_h, ox,
                                                                 l->bias[oc]));
        }
    }
    return TA_OK;
}

/* The padded-row paths store the padding as an int8 value; a zero point outside that range (legal, if
 * unusual) takes the generic kernel. */
static int zp_is_storable(const ta_layer *l) { return l->in_zp >= -128 && l->in_zp <= 127; }

/* Input row `iy` (any integer) as it looks with padding: `width` bytes from column -pad_l, the zero point
 * outside the input. Padding then costs nothing in the inner loops: x - zp = 0 there, and the bias
 * already holds -zp * sum(w), so raw x can be multiplied everywhere. */
static void padded_row(const ta_layer *l, const int8_t *plane_in, int32_t iy, uint32_t width, int8_t *dst) {
    const int8_t zp = (int8_t)l->in_zp;
    uint32_t first = l->pad_l, n = 0;
    if (iy >= 0 && iy < (int32_t)l->in_h) n = first >= width ? 0u : (width - first < l->in_w ? width - first : l->in_w);
    if (n == 0u) { memset(dst, zp, width); return; }
    memset(dst, zp, first);
    memcpy(dst + first, plane_in + (size_t)iy * l->in_w, n);
    memset(dst + first + n, zp, width - first - n);
}

static int32_t weight_sum(const int8_t *w, size_t n) {
    int32_t s = 0;
    size_t i;
    for (i = 0; i < n; i++) s += w[i];
    return s;
}

/* Widest padded row of the 3x3 stride-1 depthwise path, and the distance between its row slots. */
#define TA_DW_MAX_ROW 128u
/* Outputs of a row whose accumulators are made before any is requantized (an int32 each on the stack). */
#define TA_DW_CHUNK 32u

/* The accumulators (bias included) of outputs [0, n) of a row, n even, from the three padded input rows at x,
 * x + TA_DW_MAX_ROW and x + 2 * TA_DW_MAX_ROW; w: the channel's nine weights as lane pairs, (w0, w2) of rows 0, 1,
 * 2, then (w1 of row 0, w1 of row 1) and (w1 of row 2, 0). Two outputs per step from one unaligned word per
 * kernel row, v = (x0 x1 x2 x3): out0 = (x0, x2).(w0, w2) + x1 w1 and out1 = (x1, x3).(w0, w2) + x2 w1. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* In assembly: the five weight registers, the bias, two accumulators and the three pointers are 13 live values,
 * which GCC spilled (75 instructions a step where 24 do). The odd bytes (x1, x3) replace v in place. */
/* Out of line: inlined, the caller's values leave GCC too few registers for the 13 operands. */
__attribute__((noinline)) static void dw3x3_row(const int8_t *x, const uint32_t *w, int32_t bias, uint32_t n, int32_t *acc) {
    int32_t *const end = acc + n;
    int32_t a0, a1;
    uint32_t v, e;
    /* volatile: its only result is the memory it writes, and GCC drops an asm whose outputs are unused */
    __asm__ volatile("1:\n\t"
            "ldr %[v], [%[x]], #2\n\tsxtb16 %[e], %[v]\n\tsxtb16 %[v], %[v], ror #8\n\t"
            "smlad %[a0], %[e], %[w0], %[b]\n\tsmlabb %[a0], %[v], %[w1a], %[a0]\n\t"
            "smlad %[a1], %[v], %[w0], %[b]\n\tsmlatb %[a1], %[e], %[w1a], %[a1]\n\t"
            "ldr %[v], [%[x], %[row1]]\n\tsxtb16 %[e], %[v]\n\tsxtb16 %[v], %[v], ror #8\n\t"
            "smlad %[a0], %[e], %[w3], %[a0]\n\tsmlabt %[a0], %[v], %[w1a], %[a0]\n\t"
            "smlad %[a1], %[v], %[w3], %[a1]\n\tsmlatt %[a1], %[e], %[w1a], %[a1]\n\t"
            "ldr %[v], [%[x], %[row2]]\n\tsxtb16 %[e], %[v]\n\tsxtb16 %[v], %[v], ror #8\n\t"
            "smlad %[a0], %[e], %[w6], %[a0]\n\tsmlabb %[a0], %[v], %[w1b], %[a0]\n\t"
            "smlad %[a1], %[v], %[w6], %[a1]\n\tsmlatb %[a1], %[e], %[w1b], %[a1]\n\t"
            "strd %[a0], %[a1], [%[acc]], #8\n\tcmp %[acc], %[end]\n\tbne 1b\n\t"
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [v] "=&r"(v), [e] "=&r"(e), [x] "+r"(x), [acc] "+r"(acc)
            : [w0] "r"(w[0]), [w3] "r"(w[1]), [w6] "r"(w[2]), [w1a] "r"(w[3]), [w1b] "r"(w[4]), [b] "r"(bias),
              [end] "r"(end), [row1] "i"(TA_DW_MAX_ROW - 2u), [row2] "i"(2u * TA_DW_MAX_ROW - 2u)  /* x has moved on by 2 */
            : "cc", "memory");
}
#else
/* Plain C on cores without the DSP extension and on hosts (the same sums; n is even there too). */
static void dw3x3_row(const int8_t *x, const uint32_t *w, int32_t bias, uint32_t n, int32_t *acc) {
    const int32_t w0 = lane_lo(w[0]), w2 = lane_hi(w[0]), w3 = lane_lo(w[1]), w5 = lane_hi(w[1]), w6 = lane_lo(w[2]),
                  w8 = lane_hi(w[2]), w1 = lane_lo(w[3]), w4 = lane_hi(w[3]), w7 = lane_lo(w[4]);
    const int8_t *y = x + TA_DW_MAX_ROW, *z = y + TA_DW_MAX_ROW;
    uint32_t i;
    for (i = 0; i < n; i++)
        acc[i] = bias + x[i] * w0 + x[i + 1u] * w1 + x[i + 2u] * w2 + y[i] * w3 + y[i + 1u] * w4 + y[i + 2u] * w5
               + z[i] * w6 + z[i + 1u] * w7 + z[i + 2u] * w8;
}
#endif

/* Input row iy of a plane into the row slot at dst and its twin three slots on (the zero point where iy is padding):
 * the columns between the left and right padding only, whose zero points the caller wrote once per layer. */
static void dw_fill_row(const ta_layer *l, const int8_t *plane_in, int32_t iy, uint32_t width, int8_t *dst) {
    const uint32_t first = l->pad_l, n = first >= width ? 0u : (width - first < l->in_w ? width - first : l->in_w);
    int8_t *a = dst + first, *b = a + 3u * TA_DW_MAX_ROW;
    if (iy >= 0 && iy < (int32_t)l->in_h) {
        memcpy(a, plane_in + (size_t)iy * l->in_w, n);
        memcpy(b, plane_in + (size_t)iy * l->in_w, n);
    } else {
        memset(a, l->in_zp, n);
        memset(b, l->in_zp, n);
    }
}

/* 3x3 depthwise, stride 1, one output per channel (out_w + 3 <= TA_DW_MAX_ROW). Padded input row j goes to row slots
 * j % 3 and j % 3 + 3, so the three rows of output row oy are always slots oy % 3, + 1, + 2: one pointer. Each row's
 * accumulators are made in chunks (dw3x3_row), then requantized. */
static void depthwise3x3_s1(const ta_layer *l, const int8_t *in, int8_t *out, int po2) {
    const uint32_t out_w = l->out_w, width = out_w + 2u, even_w = (out_w + 1u) & ~1u;
    const size_t in_plane = (size_t)l->in_h * l->in_w, out_plane = (size_t)l->out_h * out_w;
    int8_t rows[6u * TA_DW_MAX_ROW];
    int32_t acc[TA_DW_CHUNK];
    uint32_t c, oy, ox, j;
    memset(rows, l->in_zp, sizeof rows);  /* the padding columns, and the spare bytes an odd width's last step reads */
    for (c = 0; c < l->out_c; c++) {
        const int8_t *x = in + c * in_plane, *w = l->weight + (size_t)c * 9u;
        const int32_t bias = l->bias[c] - l->in_zp * weight_sum(w, 9u);
        const uint32_t wl[5] = { pack2(w[0], w[2]), pack2(w[3], w[5]), pack2(w[6], w[8]), pack2(w[1], w[4]), pack2(w[7], 0) };
        const rq_t rq = rq_of(l, c);
        int8_t *o = out + c * out_plane;
        for (j = 0; j < 2u; j++) dw_fill_row(l, x, (int32_t)j - (int32_t)l->pad_t, width, rows + j * TA_DW_MAX_ROW);
        for (oy = 0; oy < l->out_h; oy++, o += out_w) {
            const uint32_t slot = (oy + 2u) % 3u;
            const int8_t *r = rows + (oy % 3u) * TA_DW_MAX_ROW;
            dw_fill_row(l, x, (int32_t)oy + 2 - (int32_t)l->pad_t, width, rows + slot * TA_DW_MAX_ROW);
            for (ox = 0; ox < out_w; ox += TA_DW_CHUNK) {
                /* an odd width's last step makes one accumulator too many, from the slot's spare bytes; it is not stored */
                const uint32_t n = out_w - ox < TA_DW_CHUNK ? out_w - ox : TA_DW_CHUNK, n_even = ox + n == out_w ? even_w - ox : n;
                uint32_t i;
                dw3x3_row(r + ox, wl, bias, n_even, acc);
                if (po2 == TA_PO2_S8) for (i = 0; i < n; i++) o[ox + i] = rq_apply_po2_s8(rq, acc[i]);
                else if (po2 == TA_PO2_U7) for (i = 0; i < n; i++) o[ox + i] = rq_apply_po2_u7(rq, acc[i]);
                else if (po2 == TA_PO2_W16) for (i = 0; i < n; i++) o[ox + i] = rq_apply_po2_w16(rq, acc[i]);
                else if (po2) for (i = 0; i < n; i++) o[ox + i] = rq_apply_po2(rq, acc[i]);
                else for (i = 0; i < n; i++) o[ox + i] = rq_apply(rq, acc[i]);
            }
        }
    }
}

/* The padded input rows of the one-input-channel path (a stem convolution on a spectrogram): kernel
 * rows x (padded width rounded up to whole words) bytes on the stack. */
#define TA_CONV1_MAX_BYTES 512u
#define TA_CONV1_MAX_GROUPS 16u

/* Weights of one output channel as lane pairs, per group of four taps of a kernel row: (w0, w2), (w1, w3),
 * the taps past the end of the row zero. */
static void conv1ch_weights(const int8_t *w, uint32_t k_h, uint32_t k_w, uint32_t groups, uint32_t *wexp) {
    uint32_t ky, g, k;
    for (ky = 0; ky < k_h; ky++)
        for (g = 0; g < groups; g++, wexp += 2) {
            int8_t t[4];
            uint32_t v;
            for (k = 0; k < 4u; k++) t[k] = (int8_t)(4u * g + k < k_w ? w[ky * k_w + 4u * g + k] : 0);
            v = load4(t);
            wexp[0] = sxtb16_even(v);
            wexp[1] = sxtb16_odd(v);
        }
}

/* Convolution with a single input channel: two output channels x two output columns per step, so each
 * input word feeds four accumulators. Each kernel row is cut into groups of four taps (the last padded with
 * zero weights); the k_h padded input rows of an output row are built once per pair of channels. */
static void conv1ch(const ta_layer *l, const int8_t *in, int8_t *out, uint32_t row_bytes, int po2) {
    int8_t rows[TA_CONV1_MAX_BYTES];
    uint32_t wexp_a[2u * TA_CONV1_MAX_GROUPS], wexp_b[2u * TA_CONV1_MAX_GROUPS];
    const uint32_t k_h = l->k_h, k_w = l->k_w, groups = (k_w + 3u) / 4u, s_w = l->s_w, out_w = l->out_w;
    const size_t out_plane = (size_t)l->out_h * out_w;
    uint32_t oc, oy, ox, ky, g;
    for (oc = 0; oc < l->out_c; oc += 2u) {
        /* an odd last channel is computed twice and stored once */
        const uint32_t oc_b = oc + 1u < l->out_c ? oc + 1u : oc;
        const int8_t *w_a = l->weight + (size_t)oc * k_h * k_w, *w_b = l->weight + (size_t)oc_b * k_h * k_w;
        const int32_t bias_a = l->bias[oc] - l->in_zp * weight_sum(w_a, (size_t)k_h * k_w);
        const int32_t bias_b = l->bias[oc_b] - l->in_zp * weight_sum(w_b, (size_t)k_h * k_w);
        const rq_t rq_a = rq_of(l, oc), rq_b = rq_of(l, oc_b);
        conv1ch_weights(w_a, k_h, k_w, groups, wexp_a);
        conv1ch_weights(w_b, k_h, k_w, groups, wexp_b);
        for (oy = 0; oy < l->out_h; oy++) {
            int8_t *o_a = out + oc * out_plane + (size_t)oy * out_w, *o_b = out + oc_b * out_plane + (size_t)oy * out_w;
            for (ky = 0; ky < k_h; ky++)
                padded_row(l, in, (int32_t)(oy * l->s_h + ky) - (int32_t)l->pad_t, row_bytes, rows + ky * row_bytes);
            for (ox = 0; ox < out_w; ox += 2u) {
                /* an odd last column likewise */
                const uint32_t ox1 = ox + 1u < out_w ? ox + 1u : ox;
                const int8_t *x0 = rows + ox * s_w, *x1 = rows + ox1 * s_w;
                const uint32_t *wa = wexp_a, *wb = wexp_b;
                int32_t a0 = bias_a, a1 = bias_a, b0 = bias_b, b1 = bias_b;
                for (ky = 0; ky < k_h; ky++, x0 += row_bytes, x1 += row_bytes)
                    for (g = 0; g < 4u * groups; g += 4u, wa += 2, wb += 2) {
                        const uint32_t v0 = load4(x0 + g), v1 = load4(x1 + g);
                        const uint32_t e0 = sxtb16_even(v0), d0 = sxtb16_odd(v0), e1 = sxtb16_even(v1), d1 = sxtb16_odd(v1);
                        a0 = smlad(d0, wa[1], smlad(e0, wa[0], a0));
                        a1 = smlad(d1, wa[1], smlad(e1, wa[0], a1));
                        b0 = smlad(d0, wb[1], smlad(e0, wb[0], b0));
                        b1 = smlad(d1, wb[1], smlad(e1, wb[0], b1));
                    }
                if (po2) {
                    o_a[ox] = rq_apply_po2(rq_a, a0); o_a[ox1] = rq_apply_po2(rq_a, a1);
                    o_b[ox] = rq_apply_po2(rq_b, b0); o_b[ox1] = rq_apply_po2(rq_b, b1);
                } else {
                    o_a[ox] = rq_apply(rq_a, a0); o_a[ox1] = rq_apply(rq_a, a1);
                    o_b[ox] = rq_apply(rq_b, b0); o_b[ox1] = rq_apply(rq_b, b1);
                }
            }
        }
    }
}

#if TA_PAIRED_POINTWISE
/* Largest receptive field (in_c * k_h * k_w) of the paired convolution: the field of one output as 16-bit
 * lanes lives on the stack, two bytes per value. */
#define TA_IM2COL_MAX 1024u

/* The receptive field of output (oy, ox) minus the zero point, in the weights' order (channel, row,
 * column), each group of four values v0..v3 as two words (v0, v2), (v1, v3): the lane order of
 * sxtb16_even/odd on four consecutive weights. Taps in the padding are 0 ((x - zp) = 0 there), and so is
 * the rest of the last group. */
static void im2col_q15(const ta_layer *l, const int8_t *in, uint32_t oy, uint32_t ox, uint32_t *col) {
    const size_t plane = (size_t)l->in_h * l->in_w;
    int32_t iy0, ky_lo, ky_hi, ix0, kx_lo, kx_hi, ky, kx, v[4];
    uint32_t c, n = 0;
    tap_range((int32_t)oy, l->s_h, l->pad_t, l->k_h, l->in_h, &iy0, &ky_lo, &ky_hi);
    tap_range((int32_t)ox, l->s_w, l->pad_l, l->k_w, l->in_w, &ix0, &kx_lo, &kx_hi);
    for (c = 0; c < l->in_c; c++) {
        for (ky = 0; ky < (int32_t)l->k_h; ky++) {
            const int row_inside = ky >= ky_lo && ky < ky_hi;
            /* only formed for rows inside the input: no pointer outside the array */
            const int8_t *xr = row_inside ? in + c * plane + (size_t)(iy0 + ky) * l->in_w : in;
            for (kx = 0; kx < (int32_t)l->k_w; kx++, n++) {
                v[n & 3u] = row_inside && kx >= kx_lo && kx < kx_hi ? (int32_t)xr[ix0 + kx] - l->in_zp : 0;
                if ((n & 3u) == 3u) { col[n / 2u - 1u] = pack2(v[0], v[2]); col[n / 2u] = pack2(v[1], v[3]); }
            }
        }
    }
    if (n & 3u) {
        for (; n & 3u; n++) v[n & 3u] = 0;
        col[n / 2u - 2u] = pack2(v[0], v[2]); col[n / 2u - 1u] = pack2(v[1], v[3]);
    }
}

/* acc + the last n % 4 products of a field (col: its last group) with their weights w. */
static inline int32_t field_tail(const uint32_t *col, const int8_t *w, uint32_t r, int32_t acc) {
    if (r > 0u) acc = smlabb(col[0], (uint32_t)(int32_t)w[0], acc);
    if (r > 1u) acc = smlabb(col[1], (uint32_t)(int32_t)w[1], acc);
    if (r > 2u) acc = smlatb(col[0], (uint32_t)(int32_t)w[2], acc);
    return acc;
}

/* Any convolution whose receptive field fits TA_IM2COL_MAX: per output position the field is gathered
 * once (zero point removed, padding as 0), then two output channels at a time take it with SMLAD, four
 * weights a load, so the field's loads serve both. */
static void conv_paired(const ta_layer *l, const int8_t *in, int8_t *out, int po2) {
    uint32_t col[TA_IM2COL_MAX / 2u];
    const uint32_t n = (uint32_t)l->in_c * l->k_h * l->k_w, groups = n / 4u, r = n % 4u;
    const size_t out_plane = (size_t)l->out_h * l->out_w;
    uint32_t oy, ox, oc, g;
    for (oy = 0; oy < l->out_h; oy++) {
        for (ox = 0; ox < l->out_w; ox++) {
            const size_t p = (size_t)oy * l->out_w + ox;
            im2col_q15(l, in, oy, ox, col);
            for (oc = 0; oc + 1u < l->out_c; oc += 2u) {
                const int8_t *wa = l->weight + (size_t)oc * n, *wb = wa + n;
                int32_t a = l->bias[oc], b = l->bias[oc + 1u];
                for (g = 0; g < groups; g++) {
                    const uint32_t x02 = col[2u * g], x13 = col[2u * g + 1u];
                    const uint32_t va = load4(wa + 4u * g), vb = load4(wb + 4u * g);
                    a = smlad(x02, sxtb16_even(va), a); a = smlad(x13, sxtb16_odd(va), a);
                    b = smlad(x02, sxtb16_even(vb), b); b = smlad(x13, sxtb16_odd(vb), b);
                }
                if (r) { a = field_tail(col + 2u * groups, wa + 4u * groups, r, a); b = field_tail(col + 2u * groups, wb + 4u * groups, r, b); }
                out[oc * out_plane + p] = po2 ? rq_apply_po2(rq_of(l, oc), a) : rq_apply(rq_of(l, oc), a);
                out[(oc + 1u) * out_plane + p] = po2 ? rq_apply_po2(rq_of(l, oc + 1u), b) : rq_apply(rq_of(l, oc + 1u), b);
            }
            if (oc < l->out_c) {
                const int8_t *wa = l->weight + (size_t)oc * n;
                int32_t a = l->bias[oc];
                for (g = 0; g < groups; g++) {
                    const uint32_t va = load4(wa + 4u * g);
                    a = smlad(col[2u * g], sxtb16_even(va), a); a = smlad(col[2u * g + 1u], sxtb16_odd(va), a);
                }
                if (r) a = field_tail(col + 2u * groups, wa + 4u * groups, r, a);
                out[oc * out_plane + p] = po2 ? rq_apply_po2(rq_of(l, oc), a) : rq_apply(rq_of(l, oc), a);
            }
        }
    }
}
#endif

#if TA_PAIRED_POINTWISE
static int conv_tiled_fits(const ta_layer *l);
static void conv_tiled(const ta_layer *l, const int8_t *in, int8_t *out, int po2);
#endif

ta_status ta_conv2d_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out) {
    TA_REQUIRE(l && in && out, TA_ERR_NULL);
    TA_REQUIRE(has_tables(l, 1), TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(numel_is(n_out, l->out_c, l->out_h, l->out_w), TA_ERR_SIZE);
#if TA_PAIRED_POINTWISE
    if (conv_tiled_fits(l)) {
        conv_tiled(l, in, out, layer_po2(l));
        return TA_OK;
    }
#endif
    if (l->in_c == 1u && zp_is_storable(l) && l->k_w >= 1u && l->k_h >= 1u && l->s_w >= 1u) {
        /* bytes of a padded row: every column the outputs read, rounded up to whole groups of four taps */
        const uint32_t reach = (uint32_t)(l->out_w - 1u) * l->s_w + 4u * ((l->k_w + 3u) / 4u);
        const uint32_t row_bytes = reach > (uint32_t)l->pad_l + l->in_w ? reach : (uint32_t)l->pad_l + l->in_w;
        if (l->out_w >= 1u && (uint32_t)l->k_h * row_bytes <= TA_CONV1_MAX_BYTES
            && (uint32_t)l->k_h * ((l->k_w + 3u) / 4u) <= TA_CONV1_MAX_GROUPS) {
            conv1ch(l, in, out, row_bytes, layer_po2(l));
            return TA_OK;
        }
    }
#if TA_PAIRED_POINTWISE
    if (zp_is_storable(l) && (uint32_t)l->in_c * l->k_h * l->k_w <= TA_IM2COL_MAX) {
        conv_paired(l, in, out, layer_po2(l));
        return TA_OK;
    }
#endif
    return conv_generic(l, in, out, 0);
}

ta_status ta_depthwise_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out) {
    TA_REQUIRE(l && in && out, TA_ERR_NULL);
    TA_REQUIRE(has_tables(l, 1), TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(numel_is(n_out, l->out_c, l->out_h, l->out_w), TA_ERR_SIZE);
    TA_REQUIRE(l->in_c != 0u && l->out_c % l->in_c == 0u, TA_ERR_CONFIG);
    if (l->in_c == l->out_c && zp_is_storable(l) && l->k_h == 3u && l->k_w == 3u
        && l->s_h == 1u && l->s_w == 1u && l->pad_t <= 2u && l->pad_l <= 2u && l->out_w >= 1u
        && (uint32_t)l->out_w + 3u <= TA_DW_MAX_ROW
        && (uint32_t)l->out_w + 2u >= (uint32_t)l->pad_l + l->in_w && (uint32_t)l->out_h + 2u >= (uint32_t)l->pad_t + l->in_h) {
        depthwise3x3_s1(l, in, out, layer_po2(l));
        return TA_OK;
    }
    return conv_generic(l, in, out, 1);
}

/* Largest in_c of the paired pointwise path: a tile (two pixels of in_c values as 16-bit lanes, 4 * in_c bytes)
 * lives on the stack, and TA_PW_TILE_WORDS holds at least two of them. */
#define TA_PW_MAX_IC 128u

/* Two pixels (p, p + 1) of every input channel into `tile`, four words per group of four channels:
 * pixel p (c0, c2), pixel p+1 (c0, c2), pixel p (c1, c3), pixel p+1 (c1, c3). (c0, c2) and (c1, c3) are the lane
 * order of sxtb16_even/odd on four consecutive weights, so one SMLAD multiplies two channels, and the two pixels of
 * one lane order are adjacent words: one LDRD loads both. */
static void pointwise_tile(const int8_t *in, size_t plane, uint32_t in_c, size_t p, uint32_t *tile) {
    uint32_t g;
    for (g = 0; g < in_c; g += 4u, tile += 4u) {
        const int8_t *x0 = in + (size_t)g * plane + p, *x1 = x0 + plane, *x2 = x1 + plane, *x3 = x2 + plane;
        tile[0] = pack2(x0[0], x2[0]); tile[1] = pack2(x0[1], x2[1]);
        tile[2] = pack2(x1[0], x3[0]); tile[3] = pack2(x1[1], x3[1]);
    }
}

/* Two output channels (weights wa, wb) over the two pixels of tile x (in_c > 0, a multiple of 4): acc holds
 * a0, a1, b0, b1 (channel a at pixels p, p + 1, then b) and is accumulated into. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* In assembly, like packed_pair: 13 values are live and GCC spills the loop's end pointer. Per group of four
 * channels: two weight loads, two LDRDs of the tile, four SXTB16s, eight SMLADs. */
#define TA_PW_GROUP(off_e, off_o)                                                                                \
    "ldr %[va], [%[wa]], #4\n\tldr %[vb], [%[wb]], #4\n\tldrd %[xl], %[xh], [%[x], #" #off_e "]\n\t"          \
    "sxtb16 %[f], %[va]\n\tsmlad %[a0], %[f], %[xl], %[a0]\n\tsmlad %[a1], %[f], %[xh], %[a1]\n\t"              \
    "sxtb16 %[f], %[vb]\n\tsmlad %[b0], %[f], %[xl], %[b0]\n\tsmlad %[b1], %[f], %[xh], %[b1]\n\t"              \
    "ldrd %[xl], %[xh], [%[x], #" #off_o "]\n\t"                                                                \
    "sxtb16 %[f], %[va], ror #8\n\tsmlad %[a0], %[f], %[xl], %[a0]\n\tsmlad %[a1], %[f], %[xh], %[a1]\n\t"     \
    "sxtb16 %[f], %[vb], ror #8\n\tsmlad %[b0], %[f], %[xl], %[b0]\n\tsmlad %[b1], %[f], %[xh], %[b1]\n\t"
#define TA_PW_LOOP(groups, step)                                                                                 \
    __asm__("1:\n\t" groups "adds %[x], %[x], #" #step "\n\tcmp %[x], %[end]\n\tbne 1b\n\t"                     \
            : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [x] "+r"(x), [wa] "+r"(wa),            \
              [wb] "+r"(wb), [va] "=&r"(va), [vb] "=&r"(vb), [f] "=&r"(f), [xl] "=&r"(xl), [xh] "=&r"(xh)        \
            : [end] "r"(end)                                                                                     \
            : "cc", "memory")

static void int8_pair(const int8_t *wa, const int8_t *wb, const uint32_t *x, uint32_t in_c, int32_t *acc) {
    const uint32_t *const end = x + in_c;
    int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
    uint32_t va, vb, f, xl, xh;
    /* eight channels a turn where they divide in_c: the loop's three instructions come every 32 MACs */
    if (in_c % 8u == 0u) TA_PW_LOOP(TA_PW_GROUP(0, 8) TA_PW_GROUP(16, 24), 32);
    else TA_PW_LOOP(TA_PW_GROUP(0, 8), 16);
    acc[0] = a0; acc[1] = a1; acc[2] = b0; acc[3] = b1;
}
#undef TA_PW_GROUP
#undef TA_PW_LOOP
#else
static void int8_pair(const int8_t *wa, const int8_t *wb, const uint32_t *x, uint32_t in_c, int32_t *acc) {
    uint32_t g;
    for (g = 0; g < in_c; g += 4u, x += 4u) {
        const uint32_t va = load4(wa + g), vb = load4(wb + g);
        const uint32_t ae = sxtb16_even(va), ao = sxtb16_odd(va), be = sxtb16_even(vb), bo = sxtb16_odd(vb);
        acc[0] = smlad(ao, x[2], smlad(ae, x[0], acc[0])); acc[1] = smlad(ao, x[3], smlad(ae, x[1], acc[1]));
        acc[2] = smlad(bo, x[2], smlad(be, x[0], acc[2])); acc[3] = smlad(bo, x[3], smlad(be, x[1], acc[3]));
    }
}
#endif

/* The four accumulators of int8_pair / packed_pair requantized (constants ra, rb) into channels oc, oc + 1 at
 * pixels p, p + 1 (o: channel oc, pixel p). A macro, so that the accumulators stay in registers (GCC calls a
 * function this size out of line). */
#define TA_STORE_PAIR(ra, rb, acc, po2, o, plane)                                                                \
    do {                                                                                                         \
        if (po2 == TA_PO2_S8) {                                                                                  \
            (o)[0] = rq_apply_po2_s8(ra, (acc)[0]); (o)[1] = rq_apply_po2_s8(ra, (acc)[1]);                      \
            (o)[plane] = rq_apply_po2_s8(rb, (acc)[2]); (o)[(plane) + 1u] = rq_apply_po2_s8(rb, (acc)[3]);       \
        } else if (po2 == TA_PO2_U7) {                                                                           \
            (o)[0] = rq_apply_po2_u7(ra, (acc)[0]); (o)[1] = rq_apply_po2_u7(ra, (acc)[1]);                      \
            (o)[plane] = rq_apply_po2_u7(rb, (acc)[2]); (o)[(plane) + 1u] = rq_apply_po2_u7(rb, (acc)[3]);       \
        } else if (po2 == TA_PO2_W16) {                                                                          \
            (o)[0] = rq_apply_po2_w16(ra, (acc)[0]); (o)[1] = rq_apply_po2_w16(ra, (acc)[1]);                    \
            (o)[plane] = rq_apply_po2_w16(rb, (acc)[2]); (o)[(plane) + 1u] = rq_apply_po2_w16(rb, (acc)[3]);     \
        } else if (po2) {                                                                                        \
            (o)[0] = rq_apply_po2(ra, (acc)[0]); (o)[1] = rq_apply_po2(ra, (acc)[1]);                            \
            (o)[plane] = rq_apply_po2(rb, (acc)[2]); (o)[(plane) + 1u] = rq_apply_po2(rb, (acc)[3]);             \
        } else {                                                                                                 \
            (o)[0] = rq_apply(ra, (acc)[0]); (o)[1] = rq_apply(ra, (acc)[1]);                                    \
            (o)[plane] = rq_apply(rb, (acc)[2]); (o)[(plane) + 1u] = rq_apply(rb, (acc)[3]);                     \
        }                                                                                                        \
    } while (0)

/* The paired kernels build the tiles of several pixel pairs at once, up to this many words on the stack (1 kB), so
 * that each output channel pair reads its bias and requantization constants once for all of them. */
#define TA_PW_TILE_WORDS 256u

/* Pixels per block of tiles: an even number, at least 4 (in_c <= TA_PW_MAX_IC). */
static size_t tile_block(uint32_t in_c) { return (size_t)(TA_PW_TILE_WORDS / in_c) * 2u; }

/* The tiles of pixel pairs [p0, p1) (p1 - p0 even, at most tile_block) one after the other. */
static void pointwise_tiles(const int8_t *in, size_t plane, uint32_t in_c, size_t p0, size_t p1, uint32_t *tile) {
    size_t p;
    for (p = p0; p < p1; p += 2u, tile += in_c) pointwise_tile(in, plane, in_c, p, tile);
}

/* What builds the tiles (in_c words per pixel pair) of output pixel pairs [p0, p1) of layer l. */
typedef void (*ta_tiles_fn)(const ta_layer *l, const int8_t *in, size_t p0, size_t p1, uint32_t *tile);

static void pointwise_layer_tiles(const ta_layer *l, const int8_t *in, size_t p0, size_t p1, uint32_t *tile) {
    pointwise_tiles(in, (size_t)l->in_h * l->in_w, l->in_c, p0, p1, tile);
}

/* The paired kernel over the pixel pairs and channel pairs of an output of `plane` pixels, whose tiles hold `taps`
 * values per pixel (in_c, or the receptive field of a convolution; a multiple of 4, at most TA_PW_MAX_IC) in the
 * weights' order; the odd last pixel and channel are the caller's. Two pixels x two output channels per inner
 * loop: each loaded input pair serves two channels, each weight pair two pixels. */
static void paired_blocks(const ta_layer *l, const int8_t *in, int8_t *out, uint32_t taps, size_t plane, int po2,
                          ta_tiles_fn tiles) {
    const size_t pairs_end = plane & ~(size_t)1u, block = tile_block(taps);
    const uint32_t oc_pairs_end = l->out_c & ~1u;
    uint32_t tile[TA_PW_TILE_WORDS];
    uint32_t oc;
    size_t p, p0;
    for (p0 = 0; p0 < pairs_end; p0 += block) {
        const size_t p1 = p0 + block < pairs_end ? p0 + block : pairs_end;
        tiles(l, in, p0, p1, tile);
        for (oc = 0; oc < oc_pairs_end; oc += 2u) {
            const int8_t *wa = l->weight + (size_t)oc * taps;
            const rq_t ra = rq_of(l, oc), rb = rq_of(l, oc + 1u);
            const int32_t ba = l->bias[oc], bb = l->bias[oc + 1u];
            const uint32_t *x = tile;
            int8_t *o = out + (size_t)oc * plane + p0;
            for (p = p0; p < p1; p += 2u, x += taps, o += 2) {
                int32_t acc[4];
                acc[0] = acc[1] = ba; acc[2] = acc[3] = bb;
                int8_pair(wa, wa + taps, x, taps, acc);
                TA_STORE_PAIR(ra, rb, acc, po2, o, plane);
            }
        }
    }
}

/* One output channel (its weights w) over pixels [p0, p1) without SIMD: four pixels at a time, each weight load serving
 * four multiply-accumulates (the remainders of the paired path, and the whole layer on cores without DSP). */
static void pointwise_scalar(const ta_layer *l, const int8_t *w, const int8_t *in, int8_t *out, uint32_t oc,
                             size_t p0, size_t p1) {
    const size_t plane = (size_t)l->in_h * l->in_w;
    const int32_t b = l->bias[oc];
    const rq_t rq = rq_of(l, oc);
    int8_t *o = out + (size_t)oc * plane;
    uint32_t ic;
    size_t p;
    for (p = p0; p + 4u <= p1; p += 4u) {
        const int8_t *x = in + p;
        int32_t a0 = b, a1 = b, a2 = b, a3 = b;
        for (ic = 0; ic < l->in_c; ic++, x += plane) {
            const int32_t wv = w[ic];
            a0 += x[0] * wv; a1 += x[1] * wv; a2 += x[2] * wv; a3 += x[3] * wv;
        }
        o[p] = rq_apply(rq, a0); o[p + 1u] = rq_apply(rq, a1); o[p + 2u] = rq_apply(rq, a2); o[p + 3u] = rq_apply(rq, a3);
    }
    for (; p < p1; p++) {
        const int8_t *x = in + p;
        int32_t acc = b;
        for (ic = 0; ic < l->in_c; ic++, x += plane) acc += (int32_t)x[0] * w[ic];
        o[p] = rq_apply(rq, acc);
    }
}

ta_status ta_pointwise_s8(const ta_layer *l, const int8_t *in_, size_t n_in, int8_t *out_, size_t n_out) {
    const int8_t *restrict in = in_;
    int8_t *restrict out = out_;
    size_t plane, pairs_end;
    uint32_t oc, oc_pairs_end, in_c;
    TA_REQUIRE(l && in && out, TA_ERR_NULL);
    TA_REQUIRE(has_tables(l, 1), TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(numel_is(n_out, l->out_c, l->out_h, l->out_w), TA_ERR_SIZE);
    TA_REQUIRE(l->k_h == 1u && l->k_w == 1u && l->s_h == 1u && l->s_w == 1u && !l->pad_t && !l->pad_l, TA_ERR_CONFIG);
    /* out_h == in_h and out_w == in_w (the output planes are written with the input's plane size),
     * compared as one word: two separate compares cost the Cortex-M3 build 0.3% in the loops below
     * (register allocation) */
    TA_REQUIRE(((uint32_t)l->out_h << 16 | l->out_w) == ((uint32_t)l->in_h << 16 | l->in_w), TA_ERR_CONFIG);
    plane = (size_t)l->in_h * l->in_w; in_c = l->in_c;
    if (!TA_PAIRED_POINTWISE || in_c % 4u != 0u || in_c > TA_PW_MAX_IC) {
        for (oc = 0; oc < l->out_c; oc++) pointwise_scalar(l, l->weight + (size_t)oc * in_c, in, out, oc, 0u, plane);
        return TA_OK;
    }
    pairs_end = plane & ~(size_t)1u;
    oc_pairs_end = l->out_c & ~1u;
    /* the zero point is already in the (folded) bias */
    paired_blocks(l, in, out, in_c, plane, layer_po2(l), pointwise_layer_tiles);
    for (oc = 0; oc < oc_pairs_end; oc++) pointwise_scalar(l, l->weight + (size_t)oc * in_c, in, out, oc, pairs_end, plane);
    if (oc_pairs_end < l->out_c) pointwise_scalar(l, l->weight + (size_t)oc_pairs_end * in_c, in, out, oc_pairs_end, 0u, plane);
    return TA_OK;
}

#if TA_PAIRED_POINTWISE
/* A convolution whose receptive field (in_c * k_h * k_w taps) is a multiple of 4 and at most TA_PW_MAX_IC runs as
 * the paired pointwise kernel over its fields: each output pixel's field, less the zero point (0 in the padding),
 * takes the place of a pixel's input channels, in the weights' order (channel, row, column). */
static void conv_field(const ta_layer *l, const int8_t *in, size_t p, int16_t *f) {
    const size_t plane = (size_t)l->in_h * l->in_w;
    int32_t iy0, ky_lo, ky_hi, ix0, kx_lo, kx_hi, ky, kx;
    uint32_t c;
    tap_range((int32_t)(p / l->out_w), l->s_h, l->pad_t, l->k_h, l->in_h, &iy0, &ky_lo, &ky_hi);
    tap_range((int32_t)(p % l->out_w), l->s_w, l->pad_l, l->k_w, l->in_w, &ix0, &kx_lo, &kx_hi);
    for (c = 0; c < l->in_c; c++)
        for (ky = 0; ky < (int32_t)l->k_h; ky++) {
            if (ky < ky_lo || ky >= ky_hi) {
                for (kx = 0; kx < (int32_t)l->k_w; kx++) *f++ = 0;
                continue;
            }
            {   /* formed for rows inside the input only: no pointer outside the array */
                const int8_t *xr = in + c * plane + (size_t)(iy0 + ky) * l->in_w + ix0;
                for (kx = 0; kx < (int32_t)l->k_w; kx++)
                    *f++ = (int16_t)(kx >= kx_lo && kx < kx_hi ? (int32_t)xr[kx] - l->in_zp : 0);
            }
        }
}

/* The tiles (pointwise_tile's layout) of the fields of output pixel pairs [p0, p1). */
static void conv_tiles(const ta_layer *l, const int8_t *in, size_t p0, size_t p1, uint32_t *tile) {
    const uint32_t taps = (uint32_t)l->in_c * l->k_h * l->k_w;
    int16_t f[2u * TA_PW_MAX_IC];
    const int16_t *g0 = f, *g1 = f + taps;
    size_t p;
    uint32_t g;
    for (p = p0; p < p1; p += 2u, tile += taps) {
        conv_field(l, in, p, f);
        conv_field(l, in, p + 1u, f + taps);
        for (g = 0; g < taps; g += 4u) {
            tile[g] = pack2(g0[g], g0[g + 2u]); tile[g + 1u] = pack2(g1[g], g1[g + 2u]);
            tile[g + 2u] = pack2(g0[g + 1u], g0[g + 3u]); tile[g + 3u] = pack2(g1[g + 1u], g1[g + 3u]);
        }
    }
}

/* Output pixel p of channel oc alone (the odd last pixel and channel of conv_tiled). */
static int8_t conv_one(const ta_layer *l, const int8_t *in, uint32_t oc, size_t p) {
    int32_t iy0, ky_lo, ky_hi;
    tap_range((int32_t)(p / l->out_w), l->s_h, l->pad_t, l->k_h, l->in_h, &iy0, &ky_lo, &ky_hi);
    return rq_apply(rq_of(l, oc), border_output(l, in, l->weight + (size_t)oc * l->in_c * l->k_h * l->k_w, 0u, l->in_c,
                                                iy0, ky_lo, ky_hi, (uint32_t)(p % l->out_w), l->bias[oc]));
}

static int conv_tiled_fits(const ta_layer *l) {
    const uint32_t taps = (uint32_t)l->in_c * l->k_h * l->k_w;
    return taps != 0u && taps % 4u == 0u && taps <= TA_PW_MAX_IC && l->out_w >= 1u;
}

static void conv_tiled(const ta_layer *l, const int8_t *in, int8_t *out, int po2) {
    const uint32_t taps = (uint32_t)l->in_c * l->k_h * l->k_w, oc_pairs_end = l->out_c & ~1u;
    const size_t plane = (size_t)l->out_h * l->out_w, pairs_end = plane & ~(size_t)1u;
    uint32_t oc;
    size_t p;
    paired_blocks(l, in, out, taps, plane, po2, conv_tiles);
    for (oc = 0; oc < oc_pairs_end; oc++)
        for (p = pairs_end; p < plane; p++) out[(size_t)oc * plane + p] = conv_one(l, in, oc, p);
    if (oc_pairs_end < l->out_c)
        for (p = 0; p < plane; p++) out[(size_t)oc_pairs_end * plane + p] = conv_one(l, in, oc_pairs_end, p);
}
#endif

/* Sub-byte pointwise weights, read packed, as 32-bit words. A word holds 32 / bits consecutive input channels of
 * one output channel as unsigned codes w + 2^(bits - 1): field j (of 16 / bits) of the low half-word, bits
 * [bits * j, bits * (j + 1)), is channel 4 * (j / 2) + j % 2 of the word's channels, and the same field of the
 * high half-word that channel + 2. So (word >> (bits * j)) & ((2^bits - 1) * 0x10001) is a lane pair in the order
 * of pointwise_tile: one AND per SMLAD operand and no sign extension; the codes' offset comes off once per pixel
 * as 2^(bits - 1) * sum(x). The words of output channels 2k and 2k + 1 alternate (one LDRD loads both); an odd
 * last channel's words follow in order. */
static inline uint32_t packed_word(const uint32_t *packed, uint32_t oc, uint32_t out_c, uint32_t row_words, uint32_t i) {
    const uint32_t pairs_end = out_c & ~1u;
    return oc < pairs_end ? packed[(oc & ~1u) * row_words + 2u * i + (oc & 1u)] : packed[oc * row_words + i];
}

/* The signed weights of output channel oc into w (the scalar remainders, and cores without SMLAD). */
static void packed_channel(const uint32_t *packed, uint32_t oc, uint32_t out_c, uint32_t in_c, uint32_t bits, int8_t *w) {
    const uint32_t per_word = 32u / bits, row_words = in_c / per_word, mask = (1u << bits) - 1u;
    uint32_t ic;
    for (ic = 0; ic < in_c; ic++) {
        const uint32_t c = ic % per_word, r = c % 4u;
        const uint32_t shift = bits * (2u * (c / 4u) + (r & 1u)) + 16u * (r >> 1);
        const uint32_t code = (packed_word(packed, oc, out_c, row_words, ic / per_word) >> shift) & mask;
        w[ic] = (int8_t)((int32_t)code - (int32_t)(1u << (bits - 1u)));
    }
}

/* The sum over every input channel of pixels p and p + 1 (lanes of a tile from pointwise_tile). */
static void tile_sums(const uint32_t *tile, uint32_t in_c, int32_t *s0, int32_t *s1) {
    const uint32_t ones = 0x00010001u;
    int32_t a = 0, b = 0;
    uint32_t g;
    for (g = 0; g < in_c; g += 4u, tile += 4u) {
        a = smlad(tile[0], ones, a); a = smlad(tile[2], ones, a);
        b = smlad(tile[1], ones, b); b = smlad(tile[3], ones, b);
    }
    *s0 = a; *s1 = b;
}

/* Two output channels (their alternating words w) over pixels p, p + 1 (tile x of in_c > 0 words): acc holds
 * a0, a1, b0, b1 and is accumulated into; `bits` is 4 (8 input channels a word) or 2 (16). Field j of a word
 * pair multiplies tile words 2j (pixel p) and 2j + 1 (pixel p + 1). */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* In assembly: 13 values are live in the loop, and GCC's scheduler spills some of them to the stack (50
 * instructions where 36 do). Per field: one LDRD of the tile, two ANDs (the shift is in the operand), four SMLADs. */
#define TA_PK_FIELD(shift, t0)                                                                                   \
    "ldrd %[xl], %[xh], [%[x], #" #t0 "]\n\t"                                                                    \
    "and %[f], %[m], %[va]" shift "\n\tsmlad %[a0], %[f], %[xl], %[a0]\n\tsmlad %[a1], %[f], %[xh], %[a1]\n\t"   \
    "and %[f], %[m], %[vb]" shift "\n\tsmlad %[b0], %[f], %[xl], %[b0]\n\tsmlad %[b1], %[f], %[xh], %[b1]\n\t"
#define TA_PK_LOOP(fields, step)                                                                                 \
    __asm__("1:\n\tldrd %[va], %[vb], [%[w]], #8\n\t" fields "adds %[x], %[x], #" #step "\n\t"                   \
            "cmp %[x], %[end]\n\tbne 1b\n\t"                                                                     \
            : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [x] "+r"(x), [w] "+r"(w),              \
              [va] "=&r"(va), [vb] "=&r"(vb), [f] "=&r"(f), [xl] "=&r"(xl), [xh] "=&r"(xh)                       \
            : [m] "r"(mask), [end] "r"(end)                                                                      \
            : "cc", "memory")

static void packed_pair(const uint32_t *w, const uint32_t *x, uint32_t in_c, uint32_t bits, int32_t *acc) {
    const uint32_t *const end = x + in_c;
    int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
    uint32_t va, vb, f, xl, xh;
    if (bits == 4u) {
        const uint32_t mask = 0x000f000fu;
        TA_PK_LOOP(TA_PK_FIELD("", 0) TA_PK_FIELD(", lsr #4", 8) TA_PK_FIELD(", lsr #8", 16)
                   TA_PK_FIELD(", lsr #12", 24), 32);
    } else {
        const uint32_t mask = 0x00030003u;
        TA_PK_LOOP(TA_PK_FIELD("", 0) TA_PK_FIELD(", lsr #2", 8) TA_PK_FIELD(", lsr #4", 16)
                   TA_PK_FIELD(", lsr #6", 24) TA_PK_FIELD(", lsr #8", 32) TA_PK_FIELD(", lsr #10", 40)
                   TA_PK_FIELD(", lsr #12", 48) TA_PK_FIELD(", lsr #14", 56), 64);
    }
    acc[0] = a0; acc[1] = a1; acc[2] = b0; acc[3] = b1;
}
#undef TA_PK_FIELD
#undef TA_PK_LOOP
#else
static void packed_pair(const uint32_t *w, const uint32_t *x, uint32_t in_c, uint32_t bits, int32_t *acc) {
    const uint32_t mask = (1u << bits) - 1u, mask2 = mask | mask << 16, fields = 16u / bits;
    uint32_t g, j;
    for (g = 0; g < in_c; g += 32u / bits, w += 2u, x += 32u / bits) {
        for (j = 0; j < fields; j++) {
            const uint32_t t = 2u * j, fa = (w[0] >> (bits * j)) & mask2, fb = (w[1] >> (bits * j)) & mask2;
            acc[0] = smlad(fa, x[t], acc[0]); acc[1] = smlad(fa, x[t + 1u], acc[1]);
            acc[2] = smlad(fb, x[t], acc[2]); acc[3] = smlad(fb, x[t + 1u], acc[3]);
        }
    }
}
#endif

ta_status ta_pointwise_packed(const ta_layer *l, const uint32_t *packed, size_t n_packed, uint8_t bits,
                              const int8_t *in_, size_t n_in, int8_t *out_, size_t n_out) {
    const int8_t *restrict in = in_;
    int8_t *restrict out = out_;
    size_t plane, p, p0, pairs_end, block;
    uint32_t oc, oc_pairs_end, in_c, row_words;
    uint32_t tile[TA_PW_TILE_WORDS];
    int8_t w[TA_PW_MAX_IC];
    int32_t offset;
    int po2;
    TA_REQUIRE(l && packed && in && out, TA_ERR_NULL);
    TA_REQUIRE(l->bias && has_tables(l, 0), TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(numel_is(n_out, l->out_c, l->out_h, l->out_w), TA_ERR_SIZE);
    TA_REQUIRE(bits == 2u || bits == 4u, TA_ERR_CONFIG);
    in_c = l->in_c;
    TA_REQUIRE(in_c > 0u && in_c % (32u / bits) == 0u && in_c <= TA_PW_MAX_IC, TA_ERR_CONFIG);
    row_words = in_c / (32u / bits);
    TA_REQUIRE(n_packed == (size_t)row_words * l->out_c, TA_ERR_SIZE);
    TA_REQUIRE(l->k_h == 1u && l->k_w == 1u && l->s_h == 1u && l->s_w == 1u && !l->pad_t && !l->pad_l, TA_ERR_CONFIG);
    TA_REQUIRE(((uint32_t)l->out_h << 16 | l->out_w) == ((uint32_t)l->in_h << 16 | l->in_w), TA_ERR_CONFIG);
    plane = (size_t)l->in_h * l->in_w;
    if (!TA_PAIRED_POINTWISE) {
        for (oc = 0; oc < l->out_c; oc++) {
            packed_channel(packed, oc, l->out_c, in_c, bits, w);
            pointwise_scalar(l, w, in, out, oc, 0u, plane);
        }
        return TA_OK;
    }
    po2 = layer_po2(l);
    offset = (int32_t)(1u << (bits - 1u));
    pairs_end = plane & ~(size_t)1u;
    oc_pairs_end = l->out_c & ~1u;
    block = tile_block(in_c);
    for (p0 = 0; p0 < pairs_end; p0 += block) {
        const size_t p1 = p0 + block < pairs_end ? p0 + block : pairs_end;
        /* the codes' offset times the sum of each pixel's inputs, taken off every accumulator; in_c >= 8 here,
         * so a block holds at most TA_PW_TILE_WORDS / 4 pixels */
        int32_t sums[TA_PW_TILE_WORDS / 4u];
        const uint32_t *x = tile;
        pointwise_tiles(in, plane, in_c, p0, p1, tile);
        for (p = p0; p < p1; p += 2u, x += in_c) {
            tile_sums(x, in_c, &sums[p - p0], &sums[p - p0 + 1u]);
            sums[p - p0] *= offset; sums[p - p0 + 1u] *= offset;
        }
        for (oc = 0; oc < oc_pairs_end; oc += 2u) {
            const uint32_t *wp = packed + (size_t)oc * row_words;
            const rq_t ra = rq_of(l, oc), rb = rq_of(l, oc + 1u);
            const int32_t ba = l->bias[oc], bb = l->bias[oc + 1u];
            int8_t *o = out + (size_t)oc * plane + p0;
            x = tile;
            for (p = p0; p < p1; p += 2u, x += in_c, o += 2) {
                const int32_t s0 = sums[p - p0], s1 = sums[p - p0 + 1u];
                int32_t acc[4];
                acc[0] = ba - s0; acc[1] = ba - s1; acc[2] = bb - s0; acc[3] = bb - s1;
                packed_pair(wp, x, in_c, bits, acc);
                TA_STORE_PAIR(ra, rb, acc, po2, o, plane);
            }
        }
    }
    for (oc = 0; oc < l->out_c; oc++) {
        if (oc < oc_pairs_end && pairs_end == plane) continue;
        packed_channel(packed, oc, l->out_c, in_c, bits, w);
        pointwise_scalar(l, w, in, out, oc, oc < oc_pairs_end ? pairs_end : 0u, plane);
    }
    return TA_OK;
}

/* The arguments are checked by the caller. */
static ta_status pool(const ta_layer *l, const int8_t *in, int8_t *out, int average) {
    uint32_t c, oy, ox;
    for (c = 0; c < l->out_c; c++) {
        const int8_t *x = in + (size_t)c * l->in_h * l->in_w;
        for (oy = 0; oy < l->out_h; oy++) {
            int32_t iy0, ky_lo, ky_hi;
            tap_range((int32_t)oy, l->s_h, l->pad_t, l->k_h, l->in_h, &iy0, &ky_lo, &ky_hi);
            for (ox = 0; ox < l->out_w; ox++) {
                int32_t ix0, kx_lo, kx_hi, ky, kx, acc = average ? 0 : -128;
                tap_range((int32_t)ox, l->s_w, l->pad_l, l->k_w, l->in_w, &ix0, &kx_lo, &kx_hi);
                /* padding adds nothing: the average counts it as zero (x - zp = 0) and the max never picks it */
                for (ky = ky_lo; ky < ky_hi; ky++) {
                    const int8_t *xr = x + (size_t)(iy0 + ky) * l->in_w + ix0;
                    for (kx = kx_lo; kx < kx_hi; kx++) {
                        int32_t v = xr[kx];
                        if (average) acc += v - l->in_zp;
                        else if (v > acc) acc = v;
                    }
                }
                out[((size_t)c * l->out_h + oy) * l->out_w + ox] =
                    (int8_t)(average ? requant_channel(l, acc, c) : acc);
            }
        }
    }
    return TA_OK;
}

ta_status ta_maxpool_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out) {
    TA_REQUIRE(l && in && out, TA_ERR_NULL);
    TA_REQUIRE(has_tables(l, 0), TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(numel_is(n_out, l->out_c, l->out_h, l->out_w), TA_ERR_SIZE);
    TA_REQUIRE(l->in_c == l->out_c, TA_ERR_CONFIG);
    return pool(l, in, out, 0);
}

ta_status ta_avgpool_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out) {
    TA_REQUIRE(l && in && out, TA_ERR_NULL);
    TA_REQUIRE(has_tables(l, 0), TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(numel_is(n_out, l->out_c, l->out_h, l->out_w), TA_ERR_SIZE);
    TA_REQUIRE(l->in_c == l->out_c && l->divisor >= 1, TA_ERR_CONFIG);
    return pool(l, in, out, 1);
}

static int32_t dot(const int8_t *x, const int8_t *w, size_t n, int32_t acc) {
    size_t i;
    for (i = 0; i < n; i++) acc += (int32_t)x[i] * w[i];
    return acc;
}

ta_status ta_dense_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out) {
    uint32_t o;
    TA_REQUIRE(l && in && out, TA_ERR_NULL);
    TA_REQUIRE(has_tables(l, 1), TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(n_out == l->out_c, TA_ERR_SIZE);
    for (o = 0; o < l->out_c; o++)
        out[o] = (int8_t)requant_channel(l, dot(in, l->weight + (size_t)o * n_in, n_in, l->bias[o]), o);
    return TA_OK;
}

ta_status ta_dense_s32(const ta_layer *l, const int8_t *in, size_t n_in, int32_t *out, size_t n_out) {
    uint32_t o;
    TA_REQUIRE(l && in && out, TA_ERR_NULL);
    TA_REQUIRE(l->weight && l->bias, TA_ERR_NULL);
    TA_REQUIRE(numel_is(n_in, l->in_c, l->in_h, l->in_w), TA_ERR_SIZE);
    TA_REQUIRE(n_out == l->out_c, TA_ERR_SIZE);
    for (o = 0; o < l->out_c; o++) out[o] = dot(in, l->weight + (size_t)o * n_in, n_in, l->bias[o]);
    return TA_OK;
}
