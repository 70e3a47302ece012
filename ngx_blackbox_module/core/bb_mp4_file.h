/*
 * A clip file's bb_mp4 index, read with pread: the reader that the
 * playback packager (in nginx's thread pool) and the worker (which stores
 * each clip's segment list when it indexes the clip) share.
 *
 * The reader keeps one buffer, grown to the largest read bb_mp4 asks for
 * (a moov: some 100 KB for a minute of video), so building an index costs
 * a few preads and one allocation besides the index itself.
 */

#ifndef BB_MP4_FILE_H
#define BB_MP4_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "bb_mp4.h"

/*
 * Indexes the MP4 open as fd, of file_size bytes (from fstat: the caller
 * has it, and an index must describe the file it will send from).  Same
 * results as bb_mp4_index_build; a failed pread or a file shorter than
 * file_size is BB_MP4_ERR_READ, with errno's text in err.
 */
bb_mp4_err_e bb_mp4_file_index(int fd, uint64_t file_size, unsigned flags,
    bb_mp4_index_t **index, char *err, size_t errlen);

#endif /* BB_MP4_FILE_H */
