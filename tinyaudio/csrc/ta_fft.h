/* Compact radix-2 real FFT (float32) with caller-supplied twiddle tables. */
#ifndef TA_FFT_H
#define TA_FFT_H
#include "ta_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* In place: buf holds n real samples (n a power of two >= 4). On return buf holds the
 * spectrum of the n/2 + 1 bins as power (power == 2) or magnitude (power == 1):
 * bin k < n/2 at buf[2k], the Nyquist bin n/2 at buf[1].
 * twiddle_cos/sin: [n/2] tables of cos/sin(2 pi k / n). n is buf's length. */
ta_status ta_rfft_power(float *buf, uint16_t n, const float *twiddle_cos, const float *twiddle_sin,
                        uint8_t power);

#ifdef __cplusplus
}
#endif
#endif
