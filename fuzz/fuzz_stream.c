/* libFuzzer target for the streaming API of a generated project with the prefix `fz`
 * (tinyaudio.host.build_stream_fuzzer writes the project, builds this file against it; benchmarks/bench_fuzz.py runs it).
 *
 * The input is a byte stream. Byte 0 chooses the window hop: 0 drives the generated fz_stream_push, whose hop is
 * the artifact's (FZ_WINDOW_HOP_FRAMES); any other value drives the runtime's ta_stream_* directly with a hop of
 * 1 + (byte - 1) % FZ_N_FRAMES frames, then quantizes each window and runs the network as the pipeline does.
 * Blocks follow, each a control byte (bit 0: 16-bit PCM scaled to [-1, 1), else raw float32 bit patterns, so NaN,
 * inf, denormals and huge values), two bytes of block length (0 included) and that many samples, cut short at the
 * end of the input. Each block goes through the stream until consumed, as an application would. Besides the
 * sanitizers, the target checks the API contract: every call returns TA_OK, consumes no more than offered and
 * makes progress, and reports a window only when one completes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fz_pipeline.h"

#define MAX_BLOCK 4096u

static float block[MAX_BLOCK];
static ta_stream direct;
static float ring[FZ_N_FFT], mel_ring[FZ_N_FEATURES], scratch[FZ_N_FFT], features[FZ_N_FEATURES];
static int8_t input[FZ_INPUT_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok) { if (!ok) abort(); }

/* One push through the chosen path: the generated pipeline, or the runtime stream + quantization + network. */
static ta_status push(int use_direct, const float *x, size_t n, size_t *consumed, int32_t *scores, uint8_t *have) {
    ta_status st;
    if (!use_direct) return fz_stream_push(x, n, consumed, scores, FZ_N_CLASSES, have);
    st = ta_stream_push(&direct, x, n, consumed, have);
    if (st != TA_OK || !*have) return st;
    st = ta_stream_window(&direct, features, FZ_N_FEATURES);
    if (st != TA_OK) return st;
    st = ta_quantize_input(features, FZ_N_FEATURES, FZ_INPUT_SCALE, FZ_INPUT_ZERO_POINT, FZ_INPUT_MIN, FZ_INPUT_MAX,
                           input, FZ_INPUT_SIZE);
    if (st != TA_OK) return st;
    return fz_run(input, FZ_INPUT_SIZE, scores, FZ_N_CLASSES);
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
        require(st == TA_OK);
        require(consumed >= 1u && consumed <= n - done);
        require(have || consumed == n - done);  /* only a completed window stops early */
        done += consumed;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t pos = 1;
    int use_direct;
    if (size < 1u) return 0;
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
        push_all(use_direct, block, n);
    }
    return 0;
}
