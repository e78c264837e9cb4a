/* Streaming: push audio blocks of any size, get a complete analysis window every `window_hop_frames`
 * frontend hops; and window-to-clip mean aggregation of scores. Caller-owned state, no malloc.
 * Lengths are in elements and must equal what the configuration implies (TA_ERR_SIZE otherwise).
 *
 * Hostile audio: a finite sample outside [-1, 1] is clipped to it (the rule of ta_frontend.h); a NaN or an
 * infinity is replaced by 0, so the stream stays finite, and counted (nonfinite_samples). Every window whose
 * frames read the replaced sample, that is every window whose span of (n_frames - 1) * hop_length + n_fft
 * samples holds it, is still produced, but the push that completes it returns TA_ERR_NONFINITE (with
 * *window_ready = 1 and *consumed set as for TA_OK); once the sample has left the span, windows are TA_OK again.
 *
 * The counters are 64-bit (2^64 samples are 36 million years at 16 kHz) and only compared for equality or
 * subtracted, so the stream behaves the same whatever value they start from. */
#ifndef TA_STREAM_H
#define TA_STREAM_H
#include "ta_frontend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const ta_frontend_cfg *cfg;
    float *ring;               /* [n_fft] most recent audio samples (n_fft is a power of two) */
    float *mel_ring;           /* [n_frames * n_mels] log-mel frames, one n_mels column per slot */
    float *scratch;            /* [n_fft] FFT work area */
    uint64_t samples;          /* samples pushed since reset */
    uint64_t frames;           /* frames computed since reset */
    uint64_t next_frame_end;   /* value of `samples` at which the next frame is complete */
    uint64_t next_window;      /* value of `frames` at which the next window is complete */
    uint64_t nonfinite_samples;/* NaN or infinite samples replaced by 0 since reset (readable by the caller) */
    uint64_t last_nonfinite;   /* index (value of `samples` before it) of the last one; meaningful when
                                * nonfinite_samples != 0 */
    uint16_t mel_slot;         /* mel_ring column of the next frame: frames mod n_frames, kept by counting */
    uint16_t window_hop_frames;
    uint8_t window_full;       /* 1 once n_frames frames are in mel_ring */
} ta_stream;

/* Caller-owned buffers, kept by the stream: ring of n_ring == n_fft floats, mel_ring of
 * n_mel_ring == n_mels * n_frames, scratch of n_scratch == n_fft (may be shared with other frontend
 * calls between pushes). 1 <= window_hop_frames <= n_frames. Resets the stream. */
ta_status ta_stream_init(ta_stream *s, const ta_frontend_cfg *cfg, float *ring, size_t n_ring,
                         float *mel_ring, size_t n_mel_ring, float *scratch, size_t n_scratch,
                         uint16_t window_hop_frames);
/* Forget all audio pushed so far, and the count of non-finite samples (the buffers and window_hop_frames stay). */
ta_status ta_stream_reset(ta_stream *s);
/* Consume samples of x (n of them; x may be NULL when n == 0) until all n are used or a window completes
 * (then *window_ready = 1 and the caller should call ta_stream_window before pushing the rest,
 * x + *consumed). TA_OK, or TA_ERR_NONFINITE when the completed window holds a replaced sample (see above). */
ta_status ta_stream_push(ta_stream *s, const float *x, size_t n, size_t *consumed, uint8_t *window_ready);
/* The latest complete window in time order into features (n_features == n_mels * n_frames), mel-major
 * [n_mels][n_frames], top_db-clamped and normalized exactly as ta_logmel_window would compute it from
 * the same samples (clipped, and 0 for a replaced one); TA_ERR_NOT_READY before the first window. */
ta_status ta_stream_window(const ta_stream *s, float *features, size_t n_features);

/* Clip-level mean of per-window scores: integer sums, so exact. */
typedef struct {
    int64_t *sums;     /* [n_classes] */
    uint16_t n_classes;
    uint32_t count;
} ta_clip_mean;

/* sums: caller-owned, n_classes (>= 1) values, kept by m */
ta_status ta_clip_mean_init(ta_clip_mean *m, int64_t *sums, uint16_t n_classes);
/* add one window's scores (n_scores == n_classes) */
ta_status ta_clip_mean_add(ta_clip_mean *m, const int32_t *scores, size_t n_scores);
/* mean score per class (n_scores == n_classes), rounded half to even; TA_ERR_NOT_READY before the
 * first window */
ta_status ta_clip_mean_scores(const ta_clip_mean *m, int32_t *mean_scores, size_t n_scores);
/* index of the largest mean (the first one on ties) */
ta_status ta_clip_mean_argmax(const ta_clip_mean *m, uint16_t *best);

#ifdef __cplusplus
}
#endif
#endif
