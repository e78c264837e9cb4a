/* Integer (int8) network kernels on CHW tensors. No malloc, no float.
 * Arithmetic follows tinyaudio.quantize.int_reference exactly:
 *   acc = bias[o] + sum((x - in_zp) * w)
 *   y   = clamp(out_zp + round_half_even(acc * multiplier[o] / (divisor * 2^shift[o])), act_min, act_max)
 * Activations are stored as int8; an unsigned 8-bit tensor is stored minus 128 and its zero point
 * and clamp bounds are shifted by the same amount (the generated model does this), which leaves
 * every difference x - zp, and therefore every result, unchanged.
 * With __ARM_FEATURE_DSP (Cortex-M4, M7, M33, M55) the convolutions use the SMLAD family of instructions
 * through arm_acle.h; elsewhere portable C computes the same integers. The paired kernels keep small tiles
 * on the stack: at most 512 bytes (pointwise, in_c <= 128), 384 (3x3 depthwise, out_w <= 126) and 768
 * (one-input-channel convolution); larger layers take the generic kernels.
 * Every kernel takes the length (in elements) of its input and output buffers: n_in must equal
 * in_c * in_h * in_w and n_out out_c * out_h * out_w (dense: out_c), else TA_ERR_SIZE and nothing is
 * written. TA_ERR_NULL for a NULL layer, buffer or layer table (weight, bias, multiplier, shift: the
 * tables each kernel below names), checked before the lengths; TA_ERR_CONFIG after them. */
#ifndef TA_NN_H
#define TA_NN_H
#include "ta_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint16_t in_c, in_h, in_w;
    uint16_t out_c, out_h, out_w;
    uint8_t k_h, k_w, s_h, s_w, pad_t, pad_l;
    int32_t in_zp, out_zp;      /* in the stored (int8) domain */
    int32_t act_min, act_max;   /* output clamp in the stored domain, ReLU already folded in */
    int32_t divisor;            /* >= 1: kh * kw for average pooling, 1 otherwise */
    const int8_t *weight;       /* OIHW (conv2d), C x 1 x kh x kw (depthwise), O x I (dense) */
    const int32_t *bias;        /* [out_c]; pointwise and dense expect bias - in_zp * sum(w) */
    const int32_t *multiplier;  /* [out_c] */
    const int8_t *shift;        /* [out_c], 0..62 */
} ta_layer;

/* *out = round_half_even(acc * multiplier / (divisor * 2^shift)) + zp, clamped to [lo, hi] */
ta_status ta_requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t divisor,
                        int32_t zp, int32_t lo, int32_t hi, int32_t *out);

/* Unpack n weights stored `bits` (2 or 4) per value, two's complement, first value in the low bits
 * of each byte, into int8. Lets sub-byte weights live packed in flash and be expanded layer by layer
 * into one RAM buffer the size of the largest such layer.
 * n_packed: bytes in `packed`, must equal ceil(n * bits / 8); n_out: values in `out`, must equal n. */
ta_status ta_unpack_weights(const uint8_t *packed, size_t n_packed, size_t n, uint8_t bits,
                            int8_t *out, size_t n_out);

/* Convolution (OIHW weights, zero-point padding); reads weight, bias, multiplier, shift. */
ta_status ta_conv2d_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out);
/* Depthwise convolution, out_c a multiple of in_c (TA_ERR_CONFIG otherwise). */
ta_status ta_depthwise_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out);
/* 1x1, stride 1, no padding, out_h == in_h and out_w == in_w (TA_ERR_CONFIG otherwise): the zero-point
 * term is folded into the bias at export time */
ta_status ta_pointwise_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out);
/* The same 1x1 convolution with 2- or 4-bit weights read where they are stored, as 32-bit words in the order
 * tinyaudio.export_c.pack_pointwise_weights writes (unsigned codes w + 2^(bits - 1), 32 / bits input channels a
 * word, arranged for SMLAD; the words of each pair of output channels alternate): no weight buffer in RAM.
 * l->weight is not read (may be NULL); the bias as for ta_pointwise_s8 (folded with the signed weights).
 * n_packed (words) must equal out_c * in_c * bits / 32 (TA_ERR_SIZE); bits 2 or 4, in_c a positive multiple of
 * 32 / bits and at most 128 (TA_ERR_CONFIG). n_packed, whose length depends on bits and in_c, is checked after
 * them; n_in and n_out before, as everywhere. */
ta_status ta_pointwise_packed(const ta_layer *l, const uint32_t *packed, size_t n_packed, uint8_t bits,
                              const int8_t *in, size_t n_in, int8_t *out, size_t n_out);
/* Pooling, in_c == out_c (TA_ERR_CONFIG otherwise); both read multiplier and shift, max pooling only
 * checks them, average pooling requantizes with them and needs divisor >= 1. */
ta_status ta_maxpool_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out);
ta_status ta_avgpool_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out);
/* dense with requantized int8 output, and the logits variant returning the raw int32 accumulators
 * (reads weight and bias only); both expect the folded bias. n_out == out_c. */
ta_status ta_dense_s8(const ta_layer *l, const int8_t *in, size_t n_in, int8_t *out, size_t n_out);
ta_status ta_dense_s32(const ta_layer *l, const int8_t *in, size_t n_in, int32_t *out, size_t n_out);

#ifdef __cplusplus
}
#endif
#endif
