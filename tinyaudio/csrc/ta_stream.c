#include "ta_stream.h"

ta_status ta_stream_reset(ta_stream *s) {
    TA_REQUIRE(s && s->cfg, TA_ERR_NULL);
    s->samples = 0u;
    s->frames = 0u;
    s->next_frame_end = s->cfg->n_fft;
    s->next_window = s->cfg->n_frames;
    s->nonfinite_samples = 0u;
    s->last_nonfinite = 0u;
    s->mel_slot = 0u;
    s->window_full = 0u;
    return TA_OK;
}

ta_status ta_stream_init(ta_stream *s, const ta_frontend_cfg *cfg, float *ring, size_t n_ring,
                         float *mel_ring, size_t n_mel_ring, float *scratch, size_t n_scratch,
                         uint16_t window_hop_frames) {
    TA_REQUIRE(s && cfg && ring && mel_ring && scratch, TA_ERR_NULL);
    /* every table a frame reads: the window here, the rest in ta_logmel_spectrum */
    TA_REQUIRE(cfg->window && cfg->twiddle_cos && cfg->twiddle_sin && cfg->mel_start && cfg->mel_len
               && cfg->mel_offset && cfg->mel_weight, TA_ERR_NULL);
    TA_REQUIRE(n_ring == cfg->n_fft, TA_ERR_SIZE);
    TA_REQUIRE(n_mel_ring == (size_t)cfg->n_mels * cfg->n_frames, TA_ERR_SIZE);
    TA_REQUIRE(n_scratch == cfg->n_fft, TA_ERR_SIZE);
    TA_REQUIRE(cfg->n_fft >= 4u && (cfg->n_fft & (uint16_t)(cfg->n_fft - 1u)) == 0u && cfg->n_frames != 0u
               && cfg->hop_length != 0u && cfg->hop_length <= cfg->n_fft, TA_ERR_CONFIG);
    /* the windowed frame must fit in scratch */
    TA_REQUIRE((uint32_t)cfg->win_offset + cfg->win_length <= cfg->n_fft, TA_ERR_CONFIG);
    TA_REQUIRE(window_hop_frames != 0u && window_hop_frames <= cfg->n_frames, TA_ERR_CONFIG);
    s->cfg = cfg; s->ring = ring; s->mel_ring = mel_ring; s->scratch = scratch;
    s->window_hop_frames = window_hop_frames;
    return ta_stream_reset(s);
}

/* Window the n_fft samples ending at s->samples straight out of the ring into scratch, then FFT + mel into
 * the next mel_ring column. The ring is indexed by the low bits of the counter (n_fft is a power of two). */
static ta_status stream_frame(ta_stream *s) {
    const ta_frontend_cfg *cfg = s->cfg;
    const uint32_t mask = (uint32_t)cfg->n_fft - 1u, start = (uint32_t)s->samples - cfg->n_fft;
    uint16_t i;
    for (i = 0; i < cfg->n_fft; i++) s->scratch[i] = 0.0f;
    for (i = 0; i < cfg->win_length; i++)
        s->scratch[cfg->win_offset + i] = s->ring[(start + cfg->win_offset + i) & mask] * cfg->window[i];
    return ta_logmel_spectrum(cfg, s->scratch, cfg->n_fft, s->mel_ring + (size_t)s->mel_slot * cfg->n_mels, cfg->n_mels);
}

/* Whether the window ending at s->samples read a replaced sample: its frames span
 * (n_frames - 1) * hop_length + n_fft samples. */
static int window_spoiled(const ta_stream *s) {
    const ta_frontend_cfg *cfg = s->cfg;
    const uint64_t span = (uint64_t)(cfg->n_frames - 1u) * cfg->hop_length + cfg->n_fft;
    return s->nonfinite_samples != 0u && s->samples - s->last_nonfinite <= span;
}

ta_status ta_stream_push(ta_stream *s, const float *x, size_t n, size_t *consumed, uint8_t *window_ready) {
    uint32_t mask;
    size_t i = 0;
    TA_REQUIRE(s && s->cfg && s->ring && s->mel_ring && s->scratch, TA_ERR_NULL);
    TA_REQUIRE((x || !n) && consumed && window_ready, TA_ERR_NULL);
    mask = (uint32_t)s->cfg->n_fft - 1u;
    *window_ready = 0u;
    while (i < n) {
        float v = x[i++];
        if (!ta_is_finite(v)) {
            v = 0.0f;
            s->last_nonfinite = s->samples;
            s->nonfinite_samples++;
        }
        s->ring[(uint32_t)s->samples & mask] = ta_clip_full_scale(v);
        s->samples++;
        if (s->samples == s->next_frame_end) {
            ta_status st = stream_frame(s);
            if (st != TA_OK) { *consumed = i; return st; }
            s->frames++;
            s->next_frame_end += s->cfg->hop_length;
            if (++s->mel_slot == s->cfg->n_frames) { s->mel_slot = 0u; s->window_full = 1u; }
            if (s->frames == s->next_window) {
                s->next_window += s->window_hop_frames;
                *window_ready = 1u;
                break;
            }
        }
    }
    *consumed = i;
    return (*window_ready && window_spoiled(s)) ? TA_ERR_NONFINITE : TA_OK;
}

ta_status ta_stream_window(const ta_stream *s, float *features, size_t n_features) {
    const ta_frontend_cfg *cfg;
    uint32_t t;
    uint16_t m, slot;
    ta_status st;
    TA_REQUIRE(s && s->cfg && s->mel_ring && features, TA_ERR_NULL);
    cfg = s->cfg;
    TA_REQUIRE(n_features == (size_t)cfg->n_mels * cfg->n_frames, TA_ERR_SIZE);
    if (!s->window_full) return TA_ERR_NOT_READY;
    slot = s->mel_slot;  /* the oldest frame: in the column the next one will overwrite */
    for (t = 0; t < cfg->n_frames; t++) {
        const float *col = s->mel_ring + (size_t)slot * cfg->n_mels;
        for (m = 0; m < cfg->n_mels; m++) features[(size_t)m * cfg->n_frames + t] = col[m];
        if (++slot == cfg->n_frames) slot = 0u;
    }
    st = ta_clamp_top_db(cfg, features, (size_t)cfg->n_mels * cfg->n_frames);
    if (st != TA_OK) return st;
    return ta_normalize(cfg, features, (size_t)cfg->n_mels * cfg->n_frames);
}

ta_status ta_clip_mean_init(ta_clip_mean *m, int64_t *sums, uint16_t n_classes) {
    uint16_t c;
    TA_REQUIRE(m && sums, TA_ERR_NULL);
    TA_REQUIRE(n_classes != 0u, TA_ERR_CONFIG);
    m->sums = sums; m->n_classes = n_classes; m->count = 0u;
    for (c = 0; c < n_classes; c++) sums[c] = 0;
    return TA_OK;
}

ta_status ta_clip_mean_add(ta_clip_mean *m, const int32_t *scores, size_t n_scores) {
    uint16_t c;
    TA_REQUIRE(m && m->sums && scores, TA_ERR_NULL);
    TA_REQUIRE(n_scores == m->n_classes, TA_ERR_SIZE);
    for (c = 0; c < m->n_classes; c++) m->sums[c] += scores[c];
    m->count++;
    return TA_OK;
}

ta_status ta_clip_mean_scores(const ta_clip_mean *m, int32_t *mean_scores, size_t n_scores) {
    uint16_t c;
    TA_REQUIRE(m && m->sums && mean_scores, TA_ERR_NULL);
    TA_REQUIRE(n_scores == m->n_classes, TA_ERR_SIZE);
    if (m->count == 0u) return TA_ERR_NOT_READY;
    for (c = 0; c < m->n_classes; c++) {
        int64_t d = (int64_t)m->count, q = m->sums[c] / d, r = m->sums[c] % d;
        if (r < 0) { q -= 1; r += d; }  /* floor, then round half to even */
        if (2 * r > d || (2 * r == d && (q & 1))) q += 1;
        mean_scores[c] = (int32_t)q;
    }
    return TA_OK;
}

ta_status ta_clip_mean_argmax(const ta_clip_mean *m, uint16_t *best) {
    uint16_t c;
    TA_REQUIRE(m && m->sums && best, TA_ERR_NULL);
    if (m->count == 0u) return TA_ERR_NOT_READY;
    *best = 0u;
    for (c = 1; c < m->n_classes; c++) if (m->sums[c] > m->sums[*best]) *best = c;
    return TA_OK;
}
