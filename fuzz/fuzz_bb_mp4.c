/*
 * libFuzzer target of the MP4 sample index: the input is a whole file,
 * read through the memory reader, indexed strictly and as a partial
 * journal; an index that comes out has every sample read back and is cut
 * into segments, so that a wrong offset inside it is found here too.
 *
 *     clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *         -Ingx_blackbox_module/core fuzz/fuzz_bb_mp4.c \
 *         ngx_blackbox_module/core/bb_mp4.c \
 *         ngx_blackbox_module/core/bb_mp4_segment.c -o build/fuzz_bb_mp4
 *     build/fuzz_bb_mp4 -max_len=65536 corpus/
 *
 * Crashes it finds are kept as regression cases in t/unit/test_bb_mp4.c.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bb_mp4.h"
#include "bb_mp4_segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
bb_fuzz_touch(const bb_mp4_index_t *ix, const bb_mp4_track_t *tr)
{
    uint32_t                  i;
    volatile uint64_t         sum;
    bb_mp4_sample_t           s;
    const volatile uint8_t   *config;

    sum = 0;

    for (i = 0; i < tr->count; i++) {
        bb_mp4_sample(tr, i, &s);

        if (s.offset + s.size > ix->file_size) {
            abort();
        }

        sum += s.dts + (uint64_t) s.cts + s.duration + s.key;
    }

    config = bb_mp4_config(tr);

    for (i = 0; i < tr->config_len; i++) {
        sum += config[i];
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               err[128];
    size_t             n, got;
    unsigned           flags;
    bb_mp4_mem_t       mem;
    bb_mp4_index_t    *ix;
    bb_mp4_segment_t  *segs;

    for (flags = 0; flags <= BB_MP4_PARTIAL; flags += BB_MP4_PARTIAL) {
        mem.data = data;
        mem.size = size;

        if (bb_mp4_index_build(bb_mp4_mem_read, &mem, size, flags, &ix, err,
                               sizeof(err))
            != BB_MP4_OK)
        {
            if (ix != NULL) {
                abort();
            }

            continue;
        }

        bb_fuzz_touch(ix, &ix->video);
        bb_fuzz_touch(ix, &ix->audio);

        if (ix->video.keyframes == 0) {
            abort();
        }

        n = bb_mp4_segments(ix, 4000, NULL, 0);
        segs = malloc((n ? n : 1) * sizeof(bb_mp4_segment_t));

        if (segs != NULL) {
            got = bb_mp4_segments(ix, 4000, segs, n);

            if (got != n || n == 0
                || segs[n - 1].video_end != ix->video.count
                || segs[n - 1].audio_end != ix->audio.count)
            {
                abort();
            }

            free(segs);
        }

        bb_mp4_index_free(ix);
    }

    return 0;
}
