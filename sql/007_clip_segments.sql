-- What a playlist needs of each clip, worked out by the worker when it
-- indexes the clip (core/bb_clip_media.h), so that the playback module
-- builds a day's or a month's HLS and DASH playlists from rows alone.
-- NULL for a row indexed before this migration: such a clip is left out
-- of playlists until the worker describes it again.
ALTER TABLE clips
    ADD COLUMN timescale      integer CHECK (timescale > 0),
    -- each segment's length in timescale ticks, and its sample bytes
    ADD COLUMN segment_ticks  integer[],
    ADD COLUMN segment_bytes  integer[],
    -- RFC 6381 codec strings: "avc1.64001f", "mp4a.40.2" (NULL: no audio)
    ADD COLUMN video_codecs   text,
    ADD COLUMN audio_codecs   text,
    ADD COLUMN sample_rate    integer,
    -- equal on two clips: one init segment serves both
    ADD COLUMN init_id        bigint,
    ADD CONSTRAINT clips_segments_agree CHECK (
        cardinality(segment_ticks) = cardinality(segment_bytes)
        AND cardinality(segment_ticks) >= 1);
