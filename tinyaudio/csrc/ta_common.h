/* tinyaudio C runtime: status codes and small shared helpers.
 * C99, no malloc; every public function returns a ta_status. Every buffer argument comes with its
 * length in elements, which must equal the length the configuration or layer implies (TA_ERR_SIZE
 * otherwise, and nothing is written). Arguments are checked in this order: NULL pointers (TA_ERR_NULL),
 * then lengths (TA_ERR_SIZE), then the configuration (TA_ERR_CONFIG), then the data (TA_ERR_NONFINITE). */
#ifndef TA_COMMON_H
#define TA_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TA_OK = 0,
    TA_ERR_NULL = 1,      /* a required pointer was NULL */
    TA_ERR_SIZE = 2,      /* a length or shape does not match the configuration */
    TA_ERR_CONFIG = 3,    /* the configuration itself is inconsistent */
    TA_ERR_NOT_READY = 4, /* streaming: not enough audio for a result yet */
    TA_ERR_NONFINITE = 5  /* float audio held a NaN or an infinity: a one-shot call wrote nothing; a stream
                           * replaced the sample by 0 and the window it reports contains one */
} ta_status;

/* The enum name of `status` ("TA_OK", "TA_ERR_NULL", ...), "TA_UNKNOWN_STATUS" for any other value.
 * A static string: never NULL, never to be freed. */
const char *ta_status_str(ta_status status);

/* Precondition of a public function: return `status` from it unless `cond` holds. */
#define TA_REQUIRE(cond, status) do { if (!(cond)) return (status); } while (0)

/* 1 unless x is NaN or +/-inf: a test of the exponent bits, so it holds whatever the floating-point compiler
 * flags (-ffinite-math-only included) and needs no libm. */
static inline int ta_is_finite(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (bits & 0x7f800000u) != 0x7f800000u;
}

#ifdef __cplusplus
}
#endif
#endif
