/* Float32 log-mel frontend (Cortex-M4F and host), driven by generated const tables.
 * Matches torchaudio MelSpectrogram(center=False) + log(x + offset) + per-window normalization.
 * Lengths are in elements and must equal what the configuration implies (TA_ERR_SIZE otherwise,
 * nothing written); NULL pointers, the configuration's tables included, give TA_ERR_NULL first.
 * Audio is float samples at full scale [-1, 1]: a finite sample outside is clipped to [-1, 1], as an ADC
 * would (tinyaudio.features.LogMel clips alike, so Python and C agree on any finite input); a NaN or an
 * infinity makes the functions taking audio return TA_ERR_NONFINITE, after the other checks and before
 * anything is written. */
#ifndef TA_FRONTEND_H
#define TA_FRONTEND_H
#include "ta_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { TA_NORM_NONE = 0, TA_NORM_WINDOW = 1 } ta_norm_mode;

typedef struct {
    uint16_t n_fft;        /* power of two, >= 4 */
    uint16_t win_length;   /* samples read per frame */
    uint16_t win_offset;   /* (n_fft - win_length) / 2: torch.stft centres a short window in the FFT */
    uint16_t hop_length;
    uint16_t n_mels;
    uint16_t n_frames;     /* frames per analysis window */
    uint32_t window_samples;  /* per analysis window, >= (n_frames - 1) * hop_length + win_offset + win_length */
    uint8_t  power;        /* 1 = magnitude, 2 = power */
    uint8_t  normalize;    /* ta_norm_mode */
    uint8_t  use_top_db;   /* 1: clamp each window to at most top_db_log below its maximum */
    float    top_db_log;   /* top_db * power * ln(10) / 20, in the log units of the output */
    float    log_offset;
    float    norm_floor;
    const float *window;       /* [win_length] */
    const float *twiddle_cos;  /* [n_fft / 2]: cos(2 pi k / n_fft) */
    const float *twiddle_sin;  /* [n_fft / 2]: sin(2 pi k / n_fft) */
    const uint16_t *mel_start; /* [n_mels] first FFT bin with a non-zero weight */
    const uint16_t *mel_len;   /* [n_mels] number of bins */
    const uint32_t *mel_offset;/* [n_mels] index into mel_weight */
    const float *mel_weight;
} ta_frontend_cfg;

/* The full-scale rule for one finite sample: clipped to [-1, 1]. */
static inline float ta_clip_full_scale(float x) { return x > 1.0f ? 1.0f : (x < -1.0f ? -1.0f : x); }

/* One frame: `frame` holds n_frame == win_length samples, `scratch` n_scratch == n_fft floats (work
 * area); writes n_out == n_mels log-mel values to out[0 .. n_mels - 1]. */
ta_status ta_logmel_frame(const ta_frontend_cfg *cfg, const float *frame, size_t n_frame,
                          float *scratch, size_t n_scratch, float *out, size_t n_out);
/* The second half of ta_logmel_frame: scratch already holds the windowed, zero-padded n_fft samples
 * (n_scratch == n_fft; overwritten), finite ones (they are not checked: NaN in, NaN out); writes
 * n_out == n_mels values to out[0 .. n_mels - 1]. */
ta_status ta_logmel_spectrum(const ta_frontend_cfg *cfg, float *scratch, size_t n_scratch,
                             float *out, size_t n_out);
/* A whole analysis window of n_samples == cfg->window_samples samples (all of them finite) ->
 * out[n_mels][n_frames] (n_out == n_mels * n_frames, mel-major: the network's (1, n_mels, n_frames) layout),
 * top_db-clamped and normalized as configured; scratch: n_scratch == n_fft floats. */
ta_status ta_logmel_window(const ta_frontend_cfg *cfg, const float *audio, size_t n_samples,
                           float *scratch, size_t n_scratch, float *out, size_t n_out);
/* top_db: clamp the n values of x to at least max(x) - top_db_log (no-op unless use_top_db). */
ta_status ta_clamp_top_db(const ta_frontend_cfg *cfg, float *x, size_t n);
/* Per-window normalization of the n (>= 2) values of x: (x - mean) / max(std, floor), std with
 * divisor n (torch correction=0). */
ta_status ta_normalize(const ta_frontend_cfg *cfg, float *x, size_t n);
/* Float -> network input integers: out[i] = clamp(round_half_even(x[i] / scale) + zp, qmin, qmax) for
 * the n values of x, NaN gives zp; out holds n_out == n values. */
ta_status ta_quantize_input(const float *x, size_t n, float scale, int32_t zero_point,
                            int32_t qmin, int32_t qmax, int8_t *out, size_t n_out);

#ifdef __cplusplus
}
#endif
#endif
