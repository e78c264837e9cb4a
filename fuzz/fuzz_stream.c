/* libFuzzer target for the streaming API of a generated project with the prefix `fz`
 * (tinyaudio.host.build_stream_fuzzer writes the project, builds this file against it; benchmarks/bench_fuzz.py runs it).
 *
 * The input is a byte stream. Byte 0 chooses the window hop: 0 drives the generated fz_stream_push, whose hop is
 * the artifact's (FZ_WINDOW_HOP_FRAMES); any other value drives the runtime's ta_stream_* directly with a hop of
 * 1 + (byte - 1) % FZ_N_FRAMES frames, then quantizes each window and runs the network as the pipeline does.
 * Blocks follow, each a control byte, two bytes of block length (0 included) and that many samples, cut short at
 * the end of the input. Control bit 0: 16-bit PCM scaled to [-1, 1), else raw float32 bit patterns (NaN, inf,
 * denormals, huge values). Bits 1 to 3 all set (one block in eight): every (1 + control / 16)-th sample is then
 * replaced by NaN, +inf and -inf in turn, so non-finite audio arrives whatever the corpus holds. Each block goes
 * through the stream until consumed, as an application would. Besides the sanitizers, the target checks the API
 * contract: every call consumes no more than offered and makes progress, and reports a window only when one
 * completes; it returns TA_OK, except TA_ERR_NONFINITE exactly when it completes a window whose span holds a
 * non-finite sample (the target keeps its own count of the samples pushed and of the last bad one); and the
 * stream's count of replaced samples equals the target's. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fz_pipeline.h"

#define MAX_BLOCK 4096u

/* the samples a window's frames read */
#define WINDOW_SPAN ((uint64_t)(FZ_N_FRAMES - 1u) * FZ_HOP_LENGTH + FZ_N_FFT)

static float block[MAX_BLOCK];
static ta_stream direct;
static float ring[FZ_N_FFT], mel_ring[FZ_N_FEATURES], scratch[FZ_N_FFT], features[FZ_N_FEATURES];
static int8_t input[FZ_INPUT_SIZE];
/* the target's own account of the stream: samples pushed, non-finite ones among them, index of the last one */
static uint64_t pushed, n_bad, last_bad;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok) { if (!ok) abort(); }

/* One push through the chosen path: the generated pipeline, or the runtime stream + quantization + network. */
static ta_status push(int use_direct, const float *x, size_t n, size_t *consumed, int32_t *scores, uint8_t *have) {
    ta_status st, pushed_status;
    if (!use_direct) return fz_stream_push(x, n, consumed, scores, FZ_N_CLASSES, have);
    pushed_status = ta_stream_push(&direct, x, n, consumed, have);
    if ((pushed_status != TA_OK && pushed_status != TA_ERR_NONFINITE) || !*have) return pushed_status;
    st = ta_stream_window(&direct, features, FZ_N_FEATURES);
    if (st != TA_OK) return st;
    st = ta_quantize_input(features, FZ_N_FEATURES, FZ_INPUT_SCALE, FZ_INPUT_ZERO_POINT, FZ_INPUT_MIN, FZ_INPUT_MAX,
                           input, FZ_INPUT_SIZE);
    if (st != TA_OK) return st;
    st = fz_run(input, FZ_INPUT_SIZE, scores, FZ_N_CLASSES);
    return st != TA_OK ? st : pushed_status;
}

static uint64_t stream_nonfinite(int use_direct) {
    uint64_t count = 0;
    if (use_direct) return direct.nonfinite_samples;
    require(fz_stream_nonfinite(&count) == TA_OK);
    return count;
}

/* The samples the stream consumed, in the target's own account. */
static void account(const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++, pushed++)
        if (!ta_is_finite(x[i])) { n_bad++; last_bad = pushed; }
}

static void push_all(int use_direct, const float *x, size_t n) {
    int32_t scores[FZ_N_CLASSES];
    size_t done = 0, consumed = 0;
    uint8_t have = 0;
    if (n == 0u) {  /* an empty block, with and without a buffer */
        require(push(use_direct, NULL, 0u, &consumed, scores, &have) == TA_OK && consumed == 0u && !have);
        require(push(use_direct, x, 0u, &consumed, scores, &have) == TA_OK && consumed == 0u && !have);
        return;
    }
    while (done < n) {
        ta_status st = push(use_direct, x + done, n - done, &consumed, scores, &have);
        int spoiled;
        require(st == TA_OK || st == TA_ERR_NONFINITE);
        require(consumed >= 1u && consumed <= n - done);
        require(have || consumed == n - done);  /* only a completed window stops early */
        account(x + done, consumed);
        spoiled = have && n_bad != 0u && pushed - last_bad <= WINDOW_SPAN;
        require((st == TA_ERR_NONFINITE) == spoiled);
        require(stream_nonfinite(use_direct) == n_bad);
        done += consumed;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t pos = 1;
    int use_direct;
    if (size < 1u) return 0;
    pushed = n_bad = last_bad = 0u;
    use_direct = data[0] != 0u;
    if (use_direct) {
        uint16_t hop = (uint16_t)(1u + (data[0] - 1u) % FZ_N_FRAMES);
        require(ta_stream_init(&direct, &fz_frontend, ring, FZ_N_FFT, mel_ring, FZ_N_FEATURES, scratch, FZ_N_FFT, hop) == TA_OK);
    } else {
        require(fz_stream_reset() == TA_OK);
    }
    while (pos + 3u <= size) {
        const uint8_t control = data[pos];
        const size_t want = ((size_t)data[pos + 1] | (size_t)data[pos + 2] << 8) % (MAX_BLOCK + 1u);
        const size_t width = (control & 1u) ? 2u : 4u;
        size_t n, i;
        pos += 3u;
        n = (size - pos) / width;
        if (n > want) n = want;
        for (i = 0; i < n; i++, pos += width) {
            if (width == 2u) {
                int16_t s;
                memcpy(&s, data + pos, 2u);
                block[i] = (float)s / 32768.0f;
            } else {
                memcpy(&block[i], data + pos, 4u);
            }
        }
        if ((control & 0x0eu) == 0x0eu) {  /* poison every stride-th sample: NaN, +inf, -inf in turn */
            const size_t stride = 1u + (size_t)(control >> 4);
            for (i = 0; i < n; i += stride) {
                const size_t k = (i / stride) % 3u;
                block[i] = k == 0u ? NAN : (k == 1u ? INFINITY : -INFINITY);
            }
        }
        push_all(use_direct, block, n);
    }
    return 0;
}
