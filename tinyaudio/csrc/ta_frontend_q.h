/* Fixed-point log-mel frontend for cores without an FPU (Cortex-M0/M3): int16 PCM in, q16.16 log-mel out.
 * q31 radix-2 FFT with block floating point (each frame is normalized before the FFT and every stage
 * halves), int64 power and sparse mel sums, a fixed-point natural log, per-window normalization with an
 * integer square root. No float operation is executed. Geometry and the sparse mel indices come from
 * the float configuration (read as plain data: its float tables are neither read nor required).
 * Lengths follow the rules of ta_frontend.h. */
#ifndef TA_FRONTEND_Q_H
#define TA_FRONTEND_Q_H
#include "ta_frontend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const ta_frontend_cfg *geometry;   /* n_fft, win_length, hop, n_mels, n_frames, mel_start/len/offset, modes */
    const int32_t *window_q31;         /* [win_length] periodic Hann, q31 (q15 would leave a -100 dB leakage floor) */
    const int32_t *twiddle_cos_q31;    /* [n_fft / 2] */
    const int32_t *twiddle_sin_q31;    /* [n_fft / 2] */
    const uint16_t *mel_weight_q15;    /* same layout as geometry->mel_weight */
    uint32_t log_offset_mantissa;      /* log_offset = mantissa * 2^(exponent - 31), mantissa in [2^31, 2^32) */
    int32_t log_offset_exponent;
    int32_t norm_floor_q16;            /* >= 1 when geometry->normalize is TA_NORM_WINDOW */
    int32_t top_db_q16;                /* used when geometry->use_top_db */
} ta_frontend_q_cfg;

/* One frame of n_frame == win_length int16 samples (full scale 32768 = 1.0); scratch: n_scratch == n_fft
 * int32 (work area); writes n_out == n_mels q16.16 values to out_q16[0 .. n_mels - 1]. */
ta_status ta_logmel_frame_q(const ta_frontend_q_cfg *cfg, const int16_t *frame, size_t n_frame,
                            int32_t *scratch, size_t n_scratch, int32_t *out_q16, size_t n_out);
/* A whole window of n_samples == window_samples int16 samples -> out_q16[n_mels][n_frames]
 * (n_out == n_mels * n_frames, mel-major), top_db-clamped and normalized (q16.16);
 * scratch: n_scratch == n_fft int32. */
ta_status ta_logmel_window_q(const ta_frontend_q_cfg *cfg, const int16_t *audio, size_t n_samples,
                             int32_t *scratch, size_t n_scratch, int32_t *out_q16, size_t n_out);

#ifdef __cplusplus
}
#endif
#endif
