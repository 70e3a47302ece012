package Blackbox::Clips;

# Footage for playback tests: one recording cut into one-minute clips at
# keyframes, as a dashcam stores them, and back-filled into a stack.

use strict;
use warnings;

use Exporter 'import';
use Time::HiRes qw(sleep time);
our @EXPORT_OK = qw(make_minutes backfill wait_indexed);

# $n minutes of one 320x240 30 fps recording with AAC (2 s GOPs) as
# $dir/clip0.mp4 .. clip<n-1>.mp4; returns their paths.
sub make_minutes {
    my ($dir, $n) = @_;
    my $seconds = 60 * $n;
    system(qw(ffmpeg -nostdin -loglevel error -y),
           '-f', 'lavfi', '-i', "testsrc=size=320x240:rate=30:d=$seconds",
           '-f', 'lavfi', '-i', "sine=frequency=440:d=$seconds",
           '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
           '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'segment',
           '-segment_time', '60', '-reset_timestamps', '1',
           '-segment_format_options', 'movflags=+faststart',
           "$dir/clip%d.mp4") == 0 or die "ffmpeg failed\n";
    return map { "$dir/clip$_.mp4" } 0 .. $n - 1;
}

# PUTs $file as device's clip recorded at $at (RFC 3339); the HTTP answer.
sub backfill {
    my ($s, $device, $key, $at, $file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!\n";
    my $body = do { local $/; <$fh> };
    return $s->request('PUT', "/ingest/v1/devices/$device/clips/$at.mp4",
        headers => { Authorization => "Bearer $key",
                     'Content-Type' => 'video/mp4' },
        content => $body);
}

# Waits (up to 30 s) until $n clips are indexed with their segments.
sub wait_indexed {
    my ($s, $n) = @_;
    my $deadline = time + 30;
    my $sql = 'SELECT count(*) FROM clips WHERE segment_ticks IS NOT NULL';
    sleep 0.2 while time < $deadline && $s->psql($sql) < $n;
    return $s->psql($sql) >= $n;
}

1;
