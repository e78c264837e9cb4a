#include "ta_events.h"

/* 2^-f in Q30 for f = i / 256, i = 0..256: round(2^(-i / 256) * 2^30), computed once in float64 with numpy,
 *   np.round(2.0 ** (-np.arange(257) / 256) * 2**30).astype(np.int64)
 * (tinyaudio.events.EXP2_TABLE; tests/test_events_c.py checks that this table equals it). Decreasing, so the
 * interpolation below works on non-negative differences. */
static const int32_t ta_exp2_q30[257] = {
    1073741824, 1070838486, 1067942999, 1065055341, 1062175491, 1059303428, 1056439131, 1053582579,
    1050733751, 1047892626, 1045059183, 1042233401, 1039415261, 1036604740, 1033801819, 1031006477,
    1028218693, 1025438448, 1022665720, 1019900489, 1017142735, 1014392438, 1011649578, 1008914134,
    1006186087, 1003465416, 1000752102, 998046124, 995347464, 992656100, 989972014, 987295185,
    984625594, 981963222, 979308048, 976660054, 974019220, 971385527, 968758955, 966139485,
    963527098, 960921775, 958323496, 955732243, 953147997, 950570738, 948000448, 945437108,
    942880699, 940331203, 937788600, 935252872, 932724001, 930201967, 927686753, 925178340,
    922676710, 920181844, 917693724, 915212331, 912737649, 910269657, 907808339, 905353676,
    902905651, 900464244, 898029440, 895601218, 893179563, 890764456, 888355878, 885953814,
    883558244, 881169153, 878786521, 876410331, 874040567, 871677210, 869320244, 866969651,
    864625413, 862287515, 859955938, 857630665, 855311680, 852998965, 850692504, 848392279,
    846098274, 843810471, 841528855, 839253408, 836984114, 834720956, 832463917, 830212982,
    827968132, 825729353, 823496627, 821269938, 819049271, 816834607, 814625932, 812423229,
    810226483, 808035676, 805850792, 803671817, 801498734, 799331526, 797170178, 795014675,
    792865000, 790721137, 788583072, 786450787, 784324269, 782203500, 780088465, 777979150,
    775875538, 773777614, 771685363, 769598769, 767517817, 765442492, 763372778, 761308661,
    759250125, 757197155, 755149737, 753107854, 751071493, 749040637, 747015274, 744995386,
    742980960, 740971982, 738968435, 736970306, 734977579, 732990241, 731008277, 729031671,
    727060411, 725094480, 723133865, 721178552, 719228525, 717283772, 715344277, 713410026,
    711481005, 709557200, 707638598, 705725183, 703816941, 701913860, 700015924, 698123120,
    696235434, 694352853, 692475362, 690602947, 688735596, 686873293, 685016026, 683163781,
    681316545, 679474303, 677637043, 675804750, 673977412, 672155015, 670337545, 668524990,
    666717336, 664914570, 663116678, 661323648, 659535466, 657752119, 655973594, 654199878,
    652430958, 650666822, 648907455, 647152846, 645402981, 643657847, 641917433, 640181724,
    638450708, 636724373, 635002706, 633285695, 631573326, 629865587, 628162466, 626463950,
    624770026, 623080683, 621395908, 619715688, 618040012, 616368866, 614702239, 613040119,
    611382493, 609729349, 608080675, 606436459, 604796689, 603161352, 601530438, 599903933,
    598281827, 596664106, 595050760, 593441776, 591837143, 590236848, 588640881, 587049229,
    585461881, 583878825, 582300049, 580725543, 579155293, 577589290, 576027521, 574469975,
    572916640, 571367506, 569822560, 568281792, 566745190, 565212742, 563684439, 562160268,
    560640218, 559124278, 557612438, 556104685, 554601009, 553101399, 551605844, 550114332,
    548626854, 547143398, 545663953, 544188508, 542717053, 541249576, 539786068, 538326517,
    536870912
};

ta_status ta_posteriors_q15(const int32_t *logits, size_t n_logits, int32_t log2e_mult, uint8_t log2e_shift,
                            int32_t *posteriors, size_t n_posteriors) {
    size_t i;
    int32_t top;
    uint64_t k, total = 0u;
    TA_REQUIRE(logits && posteriors, TA_ERR_NULL);
    TA_REQUIRE(n_logits >= 1u && n_posteriors == n_logits, TA_ERR_SIZE);
    TA_REQUIRE(log2e_mult >= 1 && log2e_shift <= TA_MAX_LOG2E_SHIFT, TA_ERR_CONFIG);
    k = (uint64_t)log2e_mult;
    top = logits[0];
    for (i = 1u; i < n_logits; i++) if (logits[i] > top) top = logits[i];
    /* the unnormalized 2^-(d * k / 2^16) in Q30, kept in posteriors until the total is known */
    for (i = 0u; i < n_logits; i++) {
        const uint64_t d = (uint64_t)((int64_t)top - (int64_t)logits[i]);   /* 0 .. 2^32 - 1 */
        const uint64_t e = (d * k) >> log2e_shift;   /* d * k < 2^63: the power of two in Q16 */
        uint32_t num = 0u;
        if ((e >> 16) < 31u) {                        /* else 2^-31 of the largest or less: 0 */
            const uint32_t frac = (uint32_t)(e & 0xFFFFu), j = frac >> 8;
            const uint32_t t0 = (uint32_t)ta_exp2_q30[j], t1 = (uint32_t)ta_exp2_q30[j + 1u];
            num = (t0 - (((t0 - t1) * (frac & 0xFFu) + 128u) >> 8)) >> (uint32_t)(e >> 16);
        }
        posteriors[i] = (int32_t)num;
        total += num;
    }
    /* the largest logit has d = 0, num = 2^30: total >= 2^30 */
    for (i = 0u; i < n_logits; i++)
        posteriors[i] = (int32_t)(((uint64_t)posteriors[i] * (uint64_t)TA_Q15_ONE + total / 2u) / total);
    return TA_OK;
}

static int detector_ready(const ta_detector *d) {
    return d && d->cfg && d->history && d->smoothed && d->classes;
}

ta_status ta_detector_reset(ta_detector *d) {
    size_t i, n;
    TA_REQUIRE(detector_ready(d), TA_ERR_NULL);
    n = d->cfg->n_classes;
    for (i = 0u; i < (size_t)d->cfg->smooth_hops * n; i++) d->history[i] = 0;
    for (i = 0u; i < n; i++) d->smoothed[i] = 0;
    memset(d->classes, 0, n * sizeof *d->classes);
    d->row = 0u;
    d->slot = 0u;
    return TA_OK;
}

ta_status ta_detector_init(ta_detector *d, const ta_detector_cfg *cfg, int32_t *history, size_t n_history,
                           int32_t *smoothed, size_t n_smoothed, ta_detector_class *classes, size_t n_class_states) {
    size_t c;
    TA_REQUIRE(d && cfg && history && smoothed && classes, TA_ERR_NULL);
    TA_REQUIRE(cfg->on_q15 && cfg->off_q15, TA_ERR_NULL);
    TA_REQUIRE(cfg->n_on == cfg->n_classes && cfg->n_off == cfg->n_classes, TA_ERR_SIZE);
    TA_REQUIRE(n_history == (size_t)cfg->smooth_hops * cfg->n_classes && n_smoothed == cfg->n_classes
               && n_class_states == cfg->n_classes, TA_ERR_SIZE);
    TA_REQUIRE(cfg->n_classes >= 1u && cfg->smooth_hops >= 1u && cfg->smooth_hops <= TA_MAX_SMOOTH_HOPS, TA_ERR_CONFIG);
    TA_REQUIRE(cfg->ema_q15 >= 0 && cfg->ema_q15 <= TA_Q15_ONE && cfg->log2e_mult >= 1 && cfg->log2e_shift <= TA_MAX_LOG2E_SHIFT,
               TA_ERR_CONFIG);
    for (c = 0u; c < cfg->n_classes; c++)
        TA_REQUIRE(cfg->on_q15[c] >= 0 && cfg->on_q15[c] <= TA_LEVEL_NEVER && cfg->off_q15[c] >= 0
                   && cfg->off_q15[c] <= cfg->on_q15[c], TA_ERR_CONFIG);
    d->cfg = cfg;
    d->history = history;
    d->smoothed = smoothed;
    d->classes = classes;
    return ta_detector_reset(d);
}

static void emit(ta_event *events, size_t *k, size_t c, const ta_detector_class *s) {
    events[*k].onset_row = s->p_onset;
    events[*k].end_row = s->p_end;
    events[*k].peak_q15 = s->p_peak;
    events[*k].label = (uint16_t)c;
    (*k)++;
}

/* The rest of a row whose Q15 posteriors are in history slot d->slot, with the class sums updated: smoothing,
 * then per class (in class order, so the events come out in it) the state machine of EventDetector.push. */
static ta_status detector_step(ta_detector *d, ta_event *events, size_t *n_events) {
    const ta_detector_cfg *cfg = d->cfg;
    const uint64_t r = d->row;
    const uint32_t count = r < cfg->smooth_hops ? (uint32_t)r + 1u : cfg->smooth_hops;   /* rows in the ring */
    const uint32_t a = (uint32_t)cfg->ema_q15;
    size_t c, k = 0u;
    for (c = 0u; c < cfg->n_classes; c++) {
        ta_detector_class *s = &d->classes[c];
        const uint32_t mean = ((uint32_t)s->sum + count / 2u) / count;
        /* y (<= 32768) * (32768 - a) + mean (<= 32768) * a <= 2^30: no overflow */
        const int32_t v = (a == 0u || r == 0u) ? (int32_t)mean
                        : (int32_t)(((uint32_t)d->smoothed[c] * (32768u - a) + mean * a + 16384u) >> 15);
        d->smoothed[c] = v;
        /* a closed event is final once the next one can no longer merge with it */
        if (s->pending && !s->active && r - s->p_end >= cfg->merge_rows) {
            s->pending = 0u;
            if (s->p_end - s->p_onset >= cfg->min_rows) emit(events, &k, c, s);
        }
        if (!s->active) {
            if (v >= cfg->on_q15[c] && r >= s->free_from) {
                if (s->pending) {   /* within the merge gap of the closed one: it goes on */
                    s->onset = s->p_onset;
                    s->peak = s->p_peak > v ? s->p_peak : v;
                    s->pending = 0u;
                } else {
                    s->onset = r;
                    s->peak = v;
                }
                s->active = 1u;
            }
        } else if (v < cfg->off_q15[c]) {   /* it ends: [onset, r), its peak without this row */
            s->p_onset = s->onset;
            s->p_end = r;
            s->p_peak = s->peak;
            s->free_from = r + cfg->suppress_rows;
            s->pending = 1u;
            s->active = 0u;
        } else if (v > s->peak) {
            s->peak = v;
        }
    }
    d->row = r + 1u;
    d->slot = (uint16_t)(d->slot + 1u == cfg->smooth_hops ? 0u : d->slot + 1u);
    *n_events = k;
    return TA_OK;
}

ta_status ta_detector_push(ta_detector *d, const int32_t *logits, size_t n_logits, ta_event *events, size_t max_events,
                           size_t *n_events) {
    size_t c, n;
    int32_t *slot;
    ta_status st;
    TA_REQUIRE(detector_ready(d) && logits && events && n_events, TA_ERR_NULL);
    n = d->cfg->n_classes;
    TA_REQUIRE(n_logits == n && max_events >= n, TA_ERR_SIZE);
    slot = d->history + (size_t)d->slot * n;   /* the oldest row leaves the ring, the new one takes its place */
    for (c = 0u; c < n; c++) d->classes[c].sum -= slot[c];
    st = ta_posteriors_q15(logits, n_logits, d->cfg->log2e_mult, d->cfg->log2e_shift, slot, n);   /* writes nothing on an error */
    for (c = 0u; c < n; c++) d->classes[c].sum += slot[c];
    if (st != TA_OK) return st;
    return detector_step(d, events, n_events);
}

ta_status ta_detector_push_q15(ta_detector *d, const int32_t *posteriors, size_t n_posteriors, ta_event *events,
                               size_t max_events, size_t *n_events) {
    size_t c, n;
    int32_t *slot;
    TA_REQUIRE(detector_ready(d) && posteriors && events && n_events, TA_ERR_NULL);
    n = d->cfg->n_classes;
    TA_REQUIRE(n_posteriors == n && max_events >= n, TA_ERR_SIZE);
    slot = d->history + (size_t)d->slot * n;
    for (c = 0u; c < n; c++) {
        const int32_t p = posteriors[c];
        d->classes[c].sum -= slot[c];
        slot[c] = p < 0 ? 0 : p > TA_Q15_ONE ? TA_Q15_ONE : p;
        d->classes[c].sum += slot[c];
    }
    return detector_step(d, events, n_events);
}

ta_status ta_detector_flush(ta_detector *d, ta_event *events, size_t max_events, size_t *n_events) {
    size_t c, k = 0u;
    TA_REQUIRE(detector_ready(d) && events && n_events, TA_ERR_NULL);
    TA_REQUIRE(max_events >= d->cfg->n_classes, TA_ERR_SIZE);
    for (c = 0u; c < d->cfg->n_classes; c++) {
        ta_detector_class *s = &d->classes[c];
        if (s->active) {   /* still on: it ends with the last row */
            s->p_onset = s->onset;
            s->p_end = d->row;
            s->p_peak = s->peak;
            s->pending = 1u;
            s->active = 0u;
        }
        if (s->pending) {
            s->pending = 0u;
            if (s->p_end - s->p_onset >= d->cfg->min_rows) emit(events, &k, c, s);
        }
    }
    *n_events = k;
    return ta_detector_reset(d);
}
