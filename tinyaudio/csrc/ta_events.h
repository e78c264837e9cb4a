/* The event decision layer: window scores in, sound events out, in integer arithmetic only.
 * The C twin of tinyaudio.events (posteriors_q15 and EventDetector), operation for operation, so the events a
 * device reports are the ones the Python reference reports on the same scores.
 *
 * One row of scores arrives every window hop (the network's int32 logits, real logits = output_scale * logit):
 * 1. posteriors: the Q15 softmax of the logits (32768 is probability 1; ta_posteriors_q15);
 * 2. smoothing: the rounded mean of the last smooth_hops rows (fewer at the start), then, when ema_q15 != 0,
 *    y = (y * (32768 - ema_q15) + mean * ema_q15 + 16384) >> 15 (the first row: y = mean);
 * 3. hysteresis: a class turns on when its smoothed score is >= on_q15, and off when it is < off_q15;
 *    32769 as on_q15 (and off_q15) means never (a background class);
 * 4. suppression: after an event of a class ends at row r, the class cannot turn on before row r + suppress_rows;
 * 5. merging: an event that starts less than merge_rows rows after the end of the previous one of its class
 *    continues it; minimum duration: an event of fewer than min_rows rows is dropped.
 * An event is final (reported) merge_rows rows after its end, or at ta_detector_flush. Its onset_row is its first
 * row, its end_row the row after its last one, counted from the last reset; peak_q15 the highest smoothed score
 * of the rows it was on (tinyaudio.events.event_of_rows turns rows into seconds).
 *
 * Caller-owned buffers, no malloc; lengths in elements, checked (TA_ERR_SIZE). Row counters are 64-bit. */
#ifndef TA_EVENTS_H
#define TA_EVENTS_H
#include "ta_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TA_Q15_ONE 32768        /* probability 1 in Q15 */
#define TA_LEVEL_NEVER 32769    /* an on/off level no smoothed score reaches: a background class */
#define TA_MAX_SMOOTH_HOPS 1024u
#define TA_MAX_LOG2E_SHIFT 62u

/* Softmax of n_logits (>= 1) int32 logits in Q15 into posteriors (n_posteriors == n_logits), integer only:
 * d = max - logit (0 .. 2^32 - 1); e = (d * log2e_mult) >> log2e_shift, the power of two in Q16 (d * log2e_mult
 * < 2^63); a whole part of 31 or more gives 0; else 2^-frac(e) by linear interpolation in a 257-entry Q30 table,
 * shifted right by its whole part; then (num * 32768 + total / 2) / total. log2e_mult / 2^log2e_shift =
 * output_scale * log2(e) * 65536, with log2e_mult >= 1 (in [2^30, 2^31) where the scale allows) and
 * log2e_shift <= TA_MAX_LOG2E_SHIFT (tinyaudio.events.log2e_factor). The largest logit gets 2^30, so total is
 * never 0. TA_ERR_CONFIG for a factor out of range; nothing is written on an error. */
ta_status ta_posteriors_q15(const int32_t *logits, size_t n_logits, int32_t log2e_mult, uint8_t log2e_shift,
                            int32_t *posteriors, size_t n_posteriors);

/* The rules (tinyaudio.events.EventRules.integer): const, may live in flash. */
typedef struct {
    const int32_t *on_q15;    /* [n_on] per class: level that starts an event, 0..TA_LEVEL_NEVER */
    const int32_t *off_q15;   /* [n_off] per class: level below which it ends, 0..on_q15 */
    size_t n_on, n_off;       /* == n_classes */
    uint16_t n_classes;       /* >= 1 */
    uint16_t smooth_hops;     /* moving average over this many rows, 1..TA_MAX_SMOOTH_HOPS */
    int32_t ema_q15;          /* 0: no EMA; else its alpha in Q15, 1..32768 */
    uint32_t suppress_rows;   /* rows after an event's end before its class may start again */
    uint32_t merge_rows;      /* events of a class closer than this many rows merge */
    uint32_t min_rows;        /* events shorter than this many rows are dropped */
    int32_t log2e_mult;       /* the logits' output_scale as a power-of-two factor (ta_posteriors_q15), >= 1 */
    uint8_t log2e_shift;      /* ... and its shift, <= TA_MAX_LOG2E_SHIFT */
} ta_detector_cfg;

/* Per class state (one of n_classes in a caller-owned array). */
typedef struct {
    uint64_t onset;      /* first row of the event that is on */
    uint64_t free_from;  /* first row at which the class may turn on again (suppression) */
    uint64_t p_onset;    /* the closed event that may still merge: first row, */
    uint64_t p_end;      /* row after its last one */
    int32_t peak;        /* highest smoothed score of the event that is on */
    int32_t p_peak;      /* ... and of the closed one */
    int32_t sum;         /* sum of this class's posteriors in the history ring (the moving average's numerator) */
    uint8_t active;      /* an event is on */
    uint8_t pending;     /* a closed event is not final yet */
} ta_detector_class;

typedef struct {
    const ta_detector_cfg *cfg;
    int32_t *history;            /* [smooth_hops * n_classes] Q15 posteriors of the last rows, slot-major */
    int32_t *smoothed;           /* [n_classes] smoothed Q15 scores of the last row (readable by the caller) */
    ta_detector_class *classes;  /* [n_classes] */
    uint64_t row;                /* rows pushed since reset */
    uint16_t slot;               /* history slot of the next row: row mod smooth_hops, kept by counting */
} ta_detector;

/* One final event. */
typedef struct {
    uint64_t onset_row;  /* its first row, counted from the last reset */
    uint64_t end_row;    /* the row after its last one (exclusive) */
    int32_t peak_q15;    /* highest smoothed score inside, Q15 */
    uint16_t label;      /* class index */
} ta_event;

/* Caller-owned buffers, kept by d: history of n_history == smooth_hops * n_classes, smoothed of
 * n_smoothed == n_classes, classes of n_class_states == n_classes. Checks the whole configuration: TA_ERR_NULL
 * for a NULL level table, TA_ERR_SIZE for n_on or n_off != n_classes, TA_ERR_CONFIG for a value out of its range
 * or an off level above its on level. Resets d. */
ta_status ta_detector_init(ta_detector *d, const ta_detector_cfg *cfg, int32_t *history, size_t n_history,
                           int32_t *smoothed, size_t n_smoothed, ta_detector_class *classes, size_t n_class_states);
/* Forget every row pushed so far. */
ta_status ta_detector_reset(ta_detector *d);
/* One row of n_logits == n_classes int32 logits. The events that became final with it go to events, in class order
 * (at most one per class, so max_events must be >= n_classes; TA_ERR_SIZE otherwise), their number to *n_events. */
ta_status ta_detector_push(ta_detector *d, const int32_t *logits, size_t n_logits, ta_event *events, size_t max_events,
                           size_t *n_events);
/* The same for a row of n_posteriors == n_classes Q15 posteriors, for scores that are probabilities already; each is
 * clamped to 0..32768 first (as the Python reference clips float posteriors to [0, 1]). */
ta_status ta_detector_push_q15(ta_detector *d, const int32_t *posteriors, size_t n_posteriors, ta_event *events,
                               size_t max_events, size_t *n_events);
/* The stream ended: close the events still on at the current row, make every pending one final (class order,
 * at most n_classes, max_events >= n_classes), then reset. */
ta_status ta_detector_flush(ta_detector *d, ta_event *events, size_t max_events, size_t *n_events);

#ifdef __cplusplus
}
#endif
#endif
