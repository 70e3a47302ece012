# make bench: browsing a full clip library, and back-fill throughput.
#
# One device ("bench-main") holds 30 days x 1,440 one-minute clips (43,200
# rows) among 100 devices that have footage of their own.  Measured with
# wrk, against nginx's own `return 204` in the same nginx and the same run:
#
#   - GET /api/v1/devices/bench-main/folders (30 day folders);
#   - GET .../folders/<a middle day>/clips, the default page (100) and the
#     largest (limit=1000);
#
# each at a moderate concurrency and on one connection (pure latency),
# p50 and p99, rounds alternating, each figure the median of its rounds.
# The aim is both lists under 10 ms at p99.
#
# Then back-fill: N clips (1000, each its own minute) PUT for a fresh device
# by a few curl processes, one kept-alive connection each, timed from the
# first PUT to the last acknowledgement and to the moment PostgreSQL holds
# all N rows (through the clip queue and the worker).
#
# Knobs: BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNS, BENCH_OTHER_DAYS (days of
# clips for each of the 99 other devices), BENCH_BACKFILL (clips),
# BENCH_BACKFILL_CONNS, BENCH_CLIP_SECONDS (length of the clip sent),
# BENCH_EXPLAIN=1 (print EXPLAIN ANALYZE of the two library queries).

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Bench qw(median);
use Blackbox::Stack;
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(sleep time);

my $ROUNDS     = $ENV{BENCH_ROUNDS}         || 3;
my $SECONDS    = $ENV{BENCH_SECONDS}        || 3;
my $CONNS      = $ENV{BENCH_CONNS}          || 8;
my $OTHER_DAYS = $ENV{BENCH_OTHER_DAYS}     // 1;
my $N          = $ENV{BENCH_BACKFILL}       || 1000;
my $PUT_CONNS  = $ENV{BENCH_BACKFILL_CONNS} || 4;
my $CLIP_SECS  = $ENV{BENCH_CLIP_SECONDS}   || 2;
my $DAYS       = 30;

die "bench: BENCH_BACKFILL is at most 1440 (one day of minutes)\n"
    if $N > 1440;

system('command -v wrk >/dev/null') == 0
    or die "bench: wrk is missing: run scripts/install-deps.sh\n";
system('command -v ffmpeg >/dev/null') == 0
    or die "bench: ffmpeg is missing: run scripts/install-deps.sh\n";

my $s;
{
    local $ENV{BB_BENCH} = 1;
    # Its footage has fixed dates: retention must not take it meanwhile.
    $s = Blackbox::Stack->start(retention => '3650d');
}

# --- the library ------------------------------------------------------------

my $token = $s->user_token('bench');
my $other = $s->user_token('other');

sub register {
    my ($device, $tok) = @_;
    my $r = $s->call('POST', '/api/v1/devices',
                     { device_id => $device, nickname => $device }, $tok);
    $r->{status} == 201 or die "bench: registering $device: $r->{status}"
                             . " $r->{content}\n";
    return $r->{json}{device_key};
}

# bench-main and 99 others: half of them the same owner's, half another's.
register('bench-main', $token);
my @others = map { sprintf 'bench-%02d', $_ } 1 .. 99;
register($others[$_], $_ % 2 ? $other : $token) for 0 .. $#others;

# The 30 UTC days before today; the folder listed is one in the middle.
my $day0 = int(time / 86400) - $DAYS;
sub date_of { my @t = gmtime($_[0] * 86400);
              sprintf '%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3] }
my $first = date_of($day0);
my $middle = date_of($day0 + $DAYS / 2);

my $t0 = time;
# A dashcam's 1080p H.264 minute with audio: 52 to 60 MB.
my $columns = 'device_id, recorded_at, duration_ms, size_bytes, video_codec,'
            . ' width, height, audio_codec, path';
sub path_sql { "$_[0] || '/' || to_char(t AT TIME ZONE 'UTC',"
             . " 'YYYY-MM-DD/HH24MISS') || '.mp4'" }
$s->psql(<<"SQL");
INSERT INTO clips ($columns)
SELECT 'bench-main', t, 60000, 52000000 + (random() * 8000000)::bigint,
       'h264', 1920, 1080, 'aac', ${\ path_sql("'bench-main'") }
FROM generate_series(timestamptz '$first 00:00:00+00',
                     timestamptz '$first 00:00:00+00'
                       + interval '$DAYS days' - interval '1 minute',
                     interval '1 minute') AS t;
SQL
if ($OTHER_DAYS > 0) {
    # The others' days around the middle one, so that their rows sit in
    # the same index ranges as bench-main's.
    my $from = date_of($day0 + $DAYS / 2 - int($OTHER_DAYS / 2));
    $s->psql(<<"SQL");
INSERT INTO clips ($columns)
SELECT d.device_id, t, 60000, 52000000 + (random() * 8000000)::bigint,
       'h264', 1920, 1080, 'aac', ${\ path_sql('d.device_id') }
FROM devices d,
     generate_series(timestamptz '$from 00:00:00+00',
                     timestamptz '$from 00:00:00+00'
                       + interval '$OTHER_DAYS days' - interval '1 minute',
                     interval '1 minute') AS t
WHERE d.device_id <> 'bench-main';
SQL
}
$s->psql('VACUUM ANALYZE clips');
my ($rows, $devices) = split /\|/,
    $s->psql('SELECT (SELECT count(*) FROM clips),'
           . ' (SELECT count(*) FROM devices)');
chomp $devices;
printf "seeded %d clips (43200 of bench-main's) on %d devices in %.1fs\n",
       $rows, $devices, time - $t0;

my %path = (
    folders  => '/api/v1/devices/bench-main/folders',
    clips100 => "/api/v1/devices/bench-main/folders/$middle/clips",
    clips1k  => "/api/v1/devices/bench-main/folders/$middle/clips?limit=1000",
);

# What wrk will ask, asked once and checked.
{
    my $r = $s->call('GET', $path{folders}, undef, $token);
    my $f = $r->{json}{folders} || [];
    $r->{status} == 200 && @$f == $DAYS
        && !grep { $_->{clip_count} != 1440 } @$f
        or die "bench: folders: $r->{status} " . substr($r->{content}, 0, 300);
    for my $what ([ clips100 => 100 ], [ clips1k => 1000 ]) {
        my ($name, $n) = @$what;
        $r = $s->call('GET', $path{$name}, undef, $token);
        $r->{status} == 200 && @{ $r->{json}{clips} || [] } == $n
            && $r->{json}{next_cursor}
            or die "bench: $name: $r->{status} "
                 . substr($r->{content}, 0, 300);
        $path{"${name}_bytes"} = length $r->{content};
    }
    $path{folders_bytes} = length $s->call('GET', $path{folders}, undef,
                                           $token)->{content};
}

# --- latency -----------------------------------------------------------------

sub wrk {
    my ($conns, @args) = @_;
    my $r = Blackbox::Bench::wrk(conns => $conns, seconds => $SECONDS,
                                 args => \@args);
    return @$r{qw(rps p50 p99)};
}

my @targets = qw(empty folders clips100 clips1k);
my %args = (
    empty => [ $s->url('/bench/empty') ],
    map { ($_ => [ '-H', "'Authorization: Bearer $token'",
                   "'" . $s->url($path{$_}) . "'" ]) }
        qw(folders clips100 clips1k),
);
my @levels = ($CONNS, 1);
my %res;    # {target}{conns}{rps|p50|p99} => [ per round ]

for my $round (1 .. $ROUNDS) {
    for my $c (@levels) {
        for my $what (@targets) {
            my ($rps, $p50, $p99) = wrk($c, @{ $args{$what} });
            push @{ $res{$what}{$c}{rps} }, $rps;
            push @{ $res{$what}{$c}{p50} }, $p50;
            push @{ $res{$what}{$c}{p99} }, $p99;
            printf "round %d c%-2d %-8s %8.0f req/s  p50 %7.3f ms"
                 . "  p99 %7.3f ms\n", $round, $c, $what, $rps, $p50, $p99;
        }
    }
}

# --- back-fill ---------------------------------------------------------------

my $dir = tempdir(CLEANUP => 1);
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', "testsrc=size=320x240:rate=25:d=$CLIP_SECS", '-c:v', 'libx264',
       '-preset', 'ultrafast', '-g', '50', '-movflags', '+faststart',
       "$dir/clip.mp4") == 0 or die "bench: ffmpeg failed\n";
my $clip_bytes = -s "$dir/clip.mp4";

my $fill_key = register('bench-fill', $token);
my $fill_day = date_of($day0 + $DAYS - 1);
my $count_sql = "SELECT count(*) FROM clips WHERE device_id = 'bench-fill'";

# curl, one process a connection, each PUTting every $PUT_CONNS-th minute
# over its one kept-alive connection.  curl sets TCP_NODELAY; HTTP::Tiny
# does not, and its header and body writes then wait out the server's
# delayed ACK (40 ms) on every clip of less than a few segments.
my (%kids, %done);    # pid => output handle, pid => exit status
for my $k (0 .. $PUT_CONNS - 1) {
    open my $cfg, '>', "$dir/put$k.cfg" or die "bench: $dir: $!\n";
    for (my $i = $k; $i < $N; $i += $PUT_CONNS) {
        my $at = sprintf '%sT%02d:%02d:00Z', $fill_day, int($i / 60),
                         $i % 60;
        print $cfg 'url = "', $s->url("/ingest/v1/devices/bench-fill/clips/"
                                    . "$at.mp4"), "\"\n",
                   qq{upload-file = "$dir/clip.mp4"\noutput = "/dev/null"\n};
    }
    close $cfg;
}
my $start = time;
for my $k (0 .. $PUT_CONNS - 1) {
    my $pid = open my $out, '-|', 'curl', '-sS', '--max-time', '120',
        '-H', "Authorization: Bearer $fill_key",
        '-H', 'Content-Type: video/mp4',
        '-w', '%{http_code}\n', '-K', "$dir/put$k.cfg"
        or die "bench: curl: $!\n";
    $kids{$pid} = $out;
}

# Every PUT must have been answered 201.
my %codes;
sub check_codes {
    for my $pid (keys %kids) {
        my $fh = $kids{$pid};
        $codes{$_}++ for map { /(\d+)/ ? $1 : $_ } <$fh>;
        close $fh;
        die "bench: curl exited with status $done{$pid}\n" if $done{$pid};
    }
    $codes{201} && $codes{201} == $N && keys %codes == 1
        or die "bench: PUT answers: "
             . join(', ', map { "$codes{$_} x $_" } sort keys %codes) . "\n";
}

my ($acked, $indexed);
my $deadline = $start + 120;
while (!defined $indexed || keys %done < keys %kids) {
    for my $pid (grep { !exists $done{$_} } keys %kids) {
        next unless waitpid($pid, POSIX::WNOHANG()) > 0;
        $done{$pid} = $?;
        if (keys %done == keys %kids) {
            $acked = time;
            check_codes();
        }
    }
    if (!defined $indexed) {
        my $n = $s->psql($count_sql) + 0;
        $indexed = time if $n >= $N;
        die "bench: only $n of $N clips indexed after 120 s\n"
            if time > $deadline;
    }
    sleep 0.02;
}

# --- report ------------------------------------------------------------------

if ($ENV{BENCH_EXPLAIN}) {
    my ($uid) = $s->psql("SELECT user_id FROM devices"
                       . " WHERE device_id = 'bench-main'") =~ /(\d+)/;
    print "\nEXPLAIN ANALYZE, folders:\n", $s->psql(<<"SQL");
EXPLAIN (ANALYZE, BUFFERS)
SELECT to_char(c.recorded_at AT TIME ZONE d.time_zone, 'YYYY-MM-DD') AS day,
       count(*), sum(c.size_bytes), sum(c.duration_ms)
FROM clips c JOIN devices d ON d.device_id = c.device_id
WHERE d.user_id = $uid AND d.device_id = 'bench-main'
GROUP BY day ORDER BY day DESC
SQL
    print "\nEXPLAIN ANALYZE, a day's clips (limit 1000):\n",
        $s->psql(<<"SQL");
EXPLAIN (ANALYZE, BUFFERS)
SELECT c.clip_id, c.device_id,
       (extract(epoch FROM c.recorded_at) * 1000)::bigint,
       c.duration_ms, c.size_bytes, c.video_codec, c.width, c.height,
       coalesce(c.audio_codec, '')
FROM clips c JOIN devices d ON d.device_id = c.device_id
WHERE d.user_id = $uid AND d.device_id = 'bench-main'
  AND c.recorded_at >= '$middle'::date::timestamp AT TIME ZONE d.time_zone
  AND c.recorded_at < ('$middle'::date + 1)::timestamp
                      AT TIME ZONE d.time_zone
  AND c.recorded_at > to_timestamp(-1 / 1000.0)
ORDER BY c.recorded_at LIMIT 1001
SQL
}

my %label = (
    empty    => 'return 204 (baseline)',
    folders  => "folders (30 days, $path{folders_bytes} B)",
    clips100 => "day's clips, 100 ($path{clips100_bytes} B)",
    clips1k  => "day's clips, 1000 ($path{clips1k_bytes} B)",
);
printf "\nlibrary: bench-main has %d days x 1440 clips, %d clips on %d"
     . " devices in all; %d x %ds rounds, medians\n",
       $DAYS, $rows, $devices, $ROUNDS, $SECONDS;
for my $c (@levels) {
    my %m = map { my $t = $_;
                  ($t => { map { ($_ => median(@{ $res{$t}{$c}{$_} })) }
                               qw(rps p50 p99) }) } @targets;
    printf "\n%d connection%s        %9s %9s %9s %9s %9s %9s\n",
           $c, $c == 1 ? ' ' : 's', 'req/s', 'p50 ms', 'p99 ms',
           'x204 rps', 'x204 p50', 'x204 p99';
    for my $t (@targets) {
        printf "  %-34s %9.0f %9.3f %9.3f %9.3f %9.1f %9.1f%s\n",
            $label{$t}, $m{$t}{rps}, $m{$t}{p50}, $m{$t}{p99},
            $m{$t}{rps} / $m{empty}{rps}, $m{$t}{p50} / $m{empty}{p50},
            $m{$t}{p99} / $m{empty}{p99},
            $t ne 'empty' && $m{$t}{p99} >= 10 ? '  (p99 over 10 ms)' : '';
    }
}
printf "\nback-fill: %d clips of %d B (%ds, 320x240) by %d connection%s:"
     . " acknowledged %.1f clips/s (%.2fs), in PostgreSQL %.1f clips/s"
     . " (%.2fs)\n",
       $N, $clip_bytes, $CLIP_SECS, $PUT_CONNS, $PUT_CONNS == 1 ? '' : 's',
       $N / ($acked - $start), $acked - $start,
       $N / ($indexed - $start), $indexed - $start;

my @alarms = $s->log_alarms;
$s->stop(quiet => 1);
die "bench: the logs hold alarms:\n@alarms" if @alarms;
