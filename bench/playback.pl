# make bench: on-the-fly playback against nginx's own static ceiling.
#
# Ten one-minute 1080p30 H.264 + AAC clips at about 6 Mbit/s with 2 s GOPs
# (made once with ffmpeg and kept in build/bench-media/), back-filled as
# ten minutes of one device.  Then, rounds alternating, each figure the
# median of its rounds:
#
#   - ours: wrk over every HLS fMP4 segment of the ten minutes in turn
#     (the moof built per request, the samples sent from the clip file);
#   - static: the same number of bytes from the same files, as plain
#     byte ranges nginx serves alone (a bench-only location): the ceiling
#     on this machine;
#
# reporting requests per second, MB/s, p99, and nginx's CPU time per
# request (user + sys of its workers over the run, divided by the
# requests), ours as ratios to the static ceiling.  Aim: at least 0.8 of
# its throughput, at most 1.3 times its CPU per request.
#
# Then playlists built from the clip rows: a day of 1,440 clips and a month
# of 43,200 (rows seeded with the segment lists of real clips), HLS media
# playlist and DASH MPD, on one connection; aim: a day under 5 ms.  And the
# index cache's memory per clip (the X-Index-Cache header).
#
# Knobs: BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNS.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Bench qw(wrk median cpu_ticks bench_clips playback_base
                       cycle_args);
use Blackbox::Stack;

my $ROUNDS  = $ENV{BENCH_ROUNDS}  || 3;
my $SECONDS = $ENV{BENCH_SECONDS} || 5;
my $CONNS   = $ENV{BENCH_CONNS}   || 8;

system('command -v wrk >/dev/null') == 0
    or die "bench: wrk is missing: run scripts/install-deps.sh\n";

my $s;
{
    local $ENV{BB_BENCH} = 1;
    # Its footage has fixed dates: retention must not take it meanwhile.
    $s = Blackbox::Stack->start(retention => '3650d');
}
my $token = $s->user_token('bench');
my @segs = bench_clips($s, $token, 'bench-play', '2026-11-20T10:00:00Z');

# Each segment once (the index cache and the page cache warm up), with its
# length; the static twin of segment j of a clip is as many bytes of the
# clip file where its samples lie, after the segments before it.
my %paths = map { (split /\|/)[0] => (split /\|/)[1] }
    split /\n/, $s->psql("SELECT clip_id || '|' || path FROM clips"
                       . " WHERE device_id = 'bench-play'");
my (@ours, @static, $bytes, $index_bytes);
my %offset;
my $storage = $s->var . '/storage';
for my $seg (@segs) {
    my $r = $s->get($seg);
    $r->{status} == 200 or die "bench: $seg: $r->{status}\n";
    my $len = length $r->{content};
    ($index_bytes) = ($r->{headers}{'x-index-cache'} // '') =~ /(\d+) bytes/;
    my ($clip) = $seg =~ m{/seg/(\d+)/};
    my $file = $paths{$clip};
    my $at = $offset{$clip} // 0;
    $at = 0 if $at + $len > -s "$storage/$file";
    $offset{$clip} = $at + $len;
    push @ours, $seg;
    push @static, "/bench/storage/$file|bytes=$at-" . ($at + $len - 1);
    $bytes += $len;
}
printf "%d segments, %.2f MB each on average\n", scalar(@segs),
       $bytes / @segs / 1e6;

my %cycle = (ours => [ cycle_args(@ours) ],
             static => [ cycle_args(@static) ]);

my @workers = split ' ', `pgrep -P ${\ $s->pid('nginx') }`;
@workers or die "bench: no nginx workers\n";
my $hz = `getconf CLK_TCK` + 0 || 100;

my %res;
for my $round (1 .. $ROUNDS) {
    for my $what (qw(static ours)) {
        my $t0 = cpu_ticks(@workers);
        my $r = wrk(conns => $CONNS, seconds => $SECONDS,
                    args => [ @{ $cycle{$what} }, $s->url('/') ]);
        $r->{cpu_us} = (cpu_ticks(@workers) - $t0) / $hz * 1e6
                       / $r->{requests};
        push @{ $res{$what}{$_} }, $r->{$_} for qw(rps mbps p99 cpu_us);
        printf "round %d %-6s %7.0f req/s %8.1f MB/s  p99 %7.2f ms"
             . "  %6.1f us CPU/req\n", $round, $what, @$r{qw(rps mbps p99
             cpu_us)};
    }
}

# --- playlists of a day and of a month ------------------------------------------

# bench-month: 30 days x 1,440 clips, each row the real first clip's.
$s->call('POST', '/api/v1/devices',
         { device_id => 'bench-month', nickname => 'month' }, $token);
$s->psql(<<'SQL');
INSERT INTO clips (device_id, recorded_at, duration_ms, size_bytes,
                   video_codec, width, height, audio_codec, path, timescale,
                   segment_ticks, segment_bytes, video_codecs, audio_codecs,
                   sample_rate, init_id)
SELECT 'bench-month', t, c.duration_ms, c.size_bytes, c.video_codec,
       c.width, c.height, c.audio_codec,
       'bench-month/' || to_char(t AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD/HH24MISS') || '.mp4',
       c.timescale, c.segment_ticks, c.segment_bytes, c.video_codecs,
       c.audio_codecs, c.sample_rate, c.init_id
FROM (SELECT * FROM clips WHERE device_id = 'bench-play'
      ORDER BY recorded_at LIMIT 1) c,
     generate_series(timestamptz '2026-10-01 00:00:00+00',
                     timestamptz '2026-10-30 23:59:00+00',
                     interval '1 minute') AS t;
SQL
$s->psql('VACUUM ANALYZE clips');

my $day = playback_base($s, $token, 'bench-month', 'date=2026-10-15');
my $month = playback_base($s, $token, 'bench-month',
                          'from=2026-10-01T00:00:00Z&to=2026-10-31T00:00:00Z');

my %pl;
for my $p ([ 'day HLS', "$day/media.m3u8", 1440 ],
           [ 'day DASH', "$day/manifest.mpd", 1440 ],
           [ 'month HLS', "$month/media.m3u8", 43200 ],
           [ 'month DASH', "$month/manifest.mpd", 43200 ]) {
    my ($name, $path, $clips) = @$p;
    my $r = $s->get($path);
    $r->{status} == 200 or die "bench: $name: $r->{status}\n";
    my $w = wrk(conns => 1, seconds => $SECONDS,
                args => [ "'" . $s->url($path) . "'" ]);
    $pl{$name} = [ $clips, length $r->{content}, $w->{p50}, $w->{p99} ];
}

# --- report ------------------------------------------------------------------

my %m = map { my $t = $_; ($t => { map { ($_ => median(@{ $res{$t}{$_} })) }
                                       qw(rps mbps p99 cpu_us) }) }
    qw(static ours);
printf "\nsegments: %d of 1080p30 H.264+AAC at 6 Mbit/s, %d connections,"
     . " %d x %ds rounds, medians\n", scalar(@segs), $CONNS, $ROUNDS,
     $SECONDS;
printf "  %-30s %9s %9s %9s %12s\n", '', 'req/s', 'MB/s', 'p99 ms',
       'CPU us/req';
for my $t (qw(static ours)) {
    printf "  %-30s %9.0f %9.1f %9.2f %12.1f\n",
        $t eq 'static' ? 'static byte ranges (ceiling)'
                       : 'fMP4 segments, on the fly', @{ $m{$t} }{qw(rps
        mbps p99 cpu_us)};
}
printf "  ours / ceiling: throughput %.2fx (aim >= 0.8),"
     . " CPU per request %.2fx (aim <= 1.3)\n",
     $m{ours}{rps} / $m{static}{rps}, $m{ours}{cpu_us} / $m{static}{cpu_us};

printf "\nplaylists from the clip rows, one connection (aim: a day under"
     . " 5 ms)\n";
for my $name ('day HLS', 'day DASH', 'month HLS', 'month DASH') {
    my ($clips, $len, $p50, $p99) = @{ $pl{$name} };
    printf "  %-10s %6d clips %10d B   p50 %8.2f ms   p99 %8.2f ms\n",
           $name, $clips, $len, $p50, $p99;
}
printf "\nindex cache: %d B per 1080p minute (%.1f KB), %d clips per 64 MB"
     . " zone\n", $index_bytes, $index_bytes / 1024,
     64 * 1024 * 1024 / ($index_bytes + 128);

my @alarms = $s->log_alarms;
$s->stop(quiet => 1);
die "bench: the logs hold alarms:\n@alarms" if @alarms;
