# make bench: deleting a day of footage, and playback meanwhile.
#
# The stack keeps two days (blackbox_retention 2d).  One UTC day four days
# ago of 100 devices (BENCH_DEVICES), 1,440 one-minute clips each: 144,000
# rows inserted straight into PostgreSQL (generate_series) and as many
# files of a few bytes made here, while the worker is stopped.  Beside them
# one device's ten 1080p minutes of half an hour ago, back-filled as
# bench/playback.pl does (its media, build/bench-media/): recent, kept.
#
#   - playback, idle: wrk over every HLS fMP4 segment of the ten minutes in
#     turn, BENCH_ROUNDS rounds of BENCH_SECONDS (no worker running): the
#     baseline;
#   - the deletion by two workers (the stack's and one more, as two nodes
#     would run), timed from the start of the first until no clip of the
#     day is left (rows/s) and doomed_files is empty (files/s), then
#     whether the emptied day and device folders went too; all the while
#     the same wrk, round after round (the rounds that ended before the
#     deletion did count);
#   - with BENCH_ONE_WORKER=1, another such day (five days ago) deleted by
#     one worker alone, no playback beside it.
#
# Reported: the deletion's time, rows/s and files/s, the CPU time of the
# workers and of PostgreSQL over it, and playback's p50, p99 and req/s
# during it against the baseline (medians of rounds), as ratios.
#
# Knobs: BENCH_DEVICES, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNS,
# BENCH_ONE_WORKER, BENCH_TIMEOUT (seconds a deletion may take, 1800).

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Bench qw(wrk median cpu_ticks bench_clips cycle_args);
use Blackbox::Stack;
use File::Path qw(make_path);
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);

my $DEVICES = $ENV{BENCH_DEVICES}    || 100;
my $ROUNDS  = $ENV{BENCH_ROUNDS}     || 3;
my $SECONDS = $ENV{BENCH_SECONDS}    || 5;
my $CONNS   = $ENV{BENCH_CONNS}      || 8;
my $ONE     = $ENV{BENCH_ONE_WORKER} || 0;
my $TIMEOUT = $ENV{BENCH_TIMEOUT}    || 1800;
my $MINUTES = 1440;

system('command -v wrk >/dev/null') == 0
    or die "bench: wrk is missing: run scripts/install-deps.sh\n";

my $s;
{
    local $ENV{BB_BENCH} = 1;
    $s = Blackbox::Stack->start(retention => '2d');
}
my $storage = $s->var . '/storage';
my $token = $s->user_token('bench');
my $hz = `getconf CLK_TCK` + 0 || 100;

sub date_of { strftime('%Y-%m-%d', gmtime(time - $_[0] * 86400)) }

# --- playback: ten recent minutes, each segment asked once -------------------

my @segs = bench_clips($s, $token, 'bench-play',
                       strftime('%Y-%m-%dT%H:%M:00Z', gmtime(time - 1800)));
for my $seg (@segs) {
    my $r = $s->get($seg);
    $r->{status} == 200 or die "bench: $seg: $r->{status}\n";
}
my @cycle = cycle_args(@segs);

sub playback {
    return wrk(conns => $CONNS, seconds => $SECONDS, allow_errors => 1,
               args => [ @cycle, $s->url('/') ]);
}

# --- the devices and their expired days --------------------------------------

my @devices = map { sprintf 'bench-del-%03d', $_ } 1 .. $DEVICES;
for my $device (@devices) {
    my $r = $s->call('POST', '/api/v1/devices',
                     { device_id => $device, nickname => $device }, $token);
    $r->{status} == 201 or die "bench: registering $device: $r->{status}\n";
}

# A day of every device: its files (4 bytes each, the worker's to remove),
# then its rows.
sub seed {
    my ($day) = @_;
    my $t0 = time;
    my @owner = $> == 0 ? (getpwnam('blackbox'))[2, 3] : ();
    for my $device (@devices) {
        my $dir = "$storage/$device/$day";
        make_path($dir);
        my @files = map { sprintf '%s/%02d%02d00.mp4', $dir, $_ / 60, $_ % 60 }
                    0 .. $MINUTES - 1;
        for my $file (@files) {
            open my $fh, '>', $file or die "bench: $file: $!\n";
            print $fh 'clip';
            close $fh or die "bench: $file: $!\n";
        }
        chown @owner, "$storage/$device", $dir, @files if @owner;
    }
    my $t1 = time;
    $s->psql(<<"SQL");
INSERT INTO clips (device_id, recorded_at, duration_ms, size_bytes,
                   video_codec, width, height, path)
SELECT d.device_id, t, 60000, 4, 'h264', 1920, 1080,
       d.device_id || '/' || to_char(t AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD/HH24MISS') || '.mp4'
FROM devices d,
     generate_series(timestamptz '$day 00:00:00+00',
                     timestamptz '$day 00:00:00+00' + interval '1 day'
                       - interval '1 minute', interval '1 minute') AS t
WHERE d.device_id LIKE 'bench-del-%';
SQL
    $s->psql('ANALYZE clips');
    my $t2 = time;
    system('sync');
    my $n = left($day);
    $n == $DEVICES * $MINUTES or die "bench: $n rows seeded\n";
    printf "seeded %s: %d rows and files on %d devices in %.1fs (files"
         . " %.1fs, rows %.1fs, sync %.1fs)\n", $day, $n, $DEVICES,
           time - $t0, $t1 - $t0, $t2 - $t1, time - $t2;
    return $n;
}

# The day's rows left, and files still listed for removal.
sub left {
    my ($day) = @_;
    my ($rows, $listed) = split /\|/, $s->psql(
        "SELECT (SELECT count(*) FROM clips"
      . "         WHERE recorded_at >= '$day 00:00:00+00'"
      . "           AND recorded_at < timestamptz '$day 00:00:00+00'"
      . "                             + interval '1 day'),"
      . "       (SELECT count(*) FROM doomed_files)");
    return wantarray ? ($rows + 0, $listed + 0) : $rows + 0;
}

# Polls until the day's rows and listed files are gone; returns the times
# (since $t0) when the rows were, and when the files were too.
sub watch {
    my ($day, $t0) = @_;
    my $rows_at;
    while (time < $t0 + $TIMEOUT) {
        my ($rows, $listed) = left($day);
        my $now = time;
        $rows_at //= $now - $t0 if $rows == 0;
        return ($rows_at, $now - $t0) if $rows == 0 && $listed == 0;
        sleep 0.5;
    }
    die "bench: the day $day is not deleted after $TIMEOUT s\n";
}

# The same in a child process, while the parent runs wrk; its answer comes
# through a pipe.  The child leaves by _exit: the stack is the parent's.
sub watch_beside {
    my ($day, $t0) = @_;
    pipe my $from, my $to or die "bench: pipe: $!\n";
    my $pid = fork // die "bench: fork: $!\n";
    if ($pid == 0) {
        close $from;
        my @at = eval { watch($day, $t0) };
        print $to @at ? "@at\n" : "failed: $@";
        close $to;
        POSIX::_exit(0);
    }
    close $to;
    return ($pid, $from);
}

# clips the workers' logs say they deleted, by log.
sub deleted_in_logs {
    my %n;
    for my $log (glob($s->var . '/log/worker*.log')) {
        open my $fh, '<', $log or next;
        my ($name) = $log =~ m{([^/]+)\.log$};
        /retention deleted (\d+) clips/ and $n{$name} += $1 while <$fh>;
    }
    return \%n;
}

sub worker_lines {
    my ($re) = @_;
    my @lines;
    for my $log (glob($s->var . '/log/worker*.log')) {
        open my $fh, '<', $log or next;
        push @lines, grep { $_ =~ $re } <$fh>;
    }
    return @lines;
}

# CPU ticks of PostgreSQL's processes, by pid.
sub pg_ticks {
    my $pm = $s->pid('postgres');
    return map { ($_ => cpu_ticks($_)) } $pm, split ' ', `pgrep -P $pm`;
}

# What a deletion left on disk: device folders, day folders, files.
sub leftovers {
    my ($day) = @_;
    my @dev = grep { -d "$storage/$_" } @devices;
    my @days = grep { -d "$storage/$_/$day" } @devices;
    my $files = 0;
    for my $device (@days) {
        opendir my $dh, "$storage/$device/$day" or next;
        $files += grep { !/^\./ } readdir $dh;
    }
    return (scalar(@dev), scalar(@days), $files);
}

# --- baseline, then the deletion by two workers with playback beside it ------

my $day = date_of(4);
$s->stop_service('worker');
my $n = seed($day);
my $before = deleted_in_logs();

my @base;
for my $round (1 .. $ROUNDS) {
    my $r = playback();
    die "bench: playback errors on the idle stack: $r->{error_text}\n"
        if $r->{errors};
    push @base, $r;
    printf "idle     round %d         %7.0f req/s  p50 %7.2f ms  p99 %7.2f"
         . " ms\n", $round, @$r{qw(rps p50 p99)};
}

my %pg0 = pg_ticks();
my $t0 = time;
$s->start_service('worker') == 0 or die "bench: the worker did not start\n";
my @workers = ($s->pid('worker'), $s->start_extra_worker);
my ($watcher, $answer) = watch_beside($day, $t0);

my @during;
while (waitpid($watcher, POSIX::WNOHANG()) == 0) {
    my $from = time - $t0;
    my $r = playback();
    @$r{qw(from to)} = ($from, time - $t0);
    push @during, $r;
    printf "deleting %5.1f-%5.1fs    %7.0f req/s  p50 %7.2f ms  p99 %7.2f"
         . " ms%s\n", @$r{qw(from to rps p50 p99)},
         $r->{errors} ? "  ERRORS: $r->{error_text}" : '';
}
my $worker_cpu = cpu_ticks(@workers) / $hz;
my %pg1 = pg_ticks();
my $pg_cpu = 0;
$pg_cpu += $pg1{$_} - ($pg0{$_} // 0) for keys %pg1;
$pg_cpu /= $hz;
my $said = <$answer>;
my ($rows_at, $files_at) = ($said // '') =~ /^([\d.]+) ([\d.]+)$/
    or die "bench: the watcher said: " . ($said // "nothing\n");
my $after = deleted_in_logs();
my %by = map { ($_ => ($after->{$_} // 0) - ($before->{$_} // 0)) }
         keys %$after;
my @left = leftovers($day);

# The rounds wholly within the deletion; if none was, the first.
my @within = grep { $_->{to} <= $files_at } @during;
my $partial = !@within;
@within = ($during[0]) if $partial;
my $errors = 0;
$errors += $_->{errors} for @during;

# --- one worker alone --------------------------------------------------------

my ($one_day, @one);
if ($ONE) {
    $s->stop_extra_workers;
    $s->stop_service('worker');
    $one_day = date_of(5);
    seed($one_day);
    my $t1 = time;
    $s->start_service('worker') == 0
        or die "bench: the worker did not start\n";
    @one = watch($one_day, $t1);
    push @one, leftovers($one_day);
}

# --- report ------------------------------------------------------------------

my %base = map { my $k = $_; ($k => median(map { $_->{$k} } @base)) }
           qw(rps p50 p99);
my %del = map { my $k = $_; ($k => median(map { $_->{$k} } @within)) }
          qw(rps p50 p99);
my $worst = (sort { $b->{p99} <=> $a->{p99} } @within)[0]{p99};
my $deleted = 0;
$deleted += $_ for values %by;

printf "\ndeleting a day: %d devices x %d clips = %d rows and files of 4 B,"
     . " the day %s (window 2 days)\n", $DEVICES, $MINUTES, $n, $day;
printf "  two workers, playback beside: rows gone in %.1fs (%.0f rows/s),"
     . " files in %.1fs (%.0f files/s)\n",
       $rows_at, $n / $rows_at, $files_at, $n / $files_at;
printf "    CPU over it: workers %.1fs, PostgreSQL %.1fs; the logs say %d"
     . " clips deleted (%s)\n", $worker_cpu, $pg_cpu, $deleted,
       join(', ', map { "$_ $by{$_}" } sort keys %by);
printf "    left on disk: %d device folders, %d day folders, %d files%s\n",
       @left, (grep { $_ } @left) ? '' : ' (all removed)';
if ($ONE) {
    printf "  one worker, nothing beside: rows gone in %.1fs (%.0f rows/s),"
         . " files in %.1fs (%.0f files/s); left: %d device folders,"
         . " %d day folders, %d files\n", $one[0], $n / $one[0], $one[1],
         $n / $one[1], @one[2 .. 4];
}

printf "\nplayback of %d segments (1080p30, 6 Mbit/s), %d connections, %ds"
     . " rounds, medians: idle %d rounds, deleting %d round%s%s\n",
       scalar(@segs), $CONNS, $SECONDS, scalar(@base), scalar(@within),
       @within == 1 ? '' : 's',
       $partial ? sprintf(' (the deletion ended %.1fs into it)', $files_at
                          - $within[0]{from}) : '';
printf "  %-20s %9s %9s %9s\n", '', 'req/s', 'p50 ms', 'p99 ms';
printf "  %-20s %9.0f %9.2f %9.2f\n", 'idle (baseline)', @base{qw(rps p50
                                                                  p99)};
printf "  %-20s %9.0f %9.2f %9.2f\n", 'during the deletion', @del{qw(rps p50
                                                                     p99)};
printf "  playback p99 grows from %.2f ms to %.2f ms (%.2fx; worst round"
     . " %.2f ms); p50 %.2fx; req/s %.2fx\n", $base{p99}, $del{p99},
       $del{p99} / $base{p99}, $worst, $del{p50} / $base{p50},
       $del{rps} / $base{rps};
printf "  playback errors during the deletion: %d\n", $errors;

my @trouble = worker_lines(qr/\[(?:error|warn|crit|alert|emerg)\]/);
print "\nworker log lines of trouble:\n", @trouble if @trouble;

my @alarms = $s->log_alarms;
$s->stop(quiet => 1);
die "bench: the logs hold alarms:\n@alarms" if @alarms;
