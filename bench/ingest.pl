# make bench: what a live stream costs the SRT ingest.
#
# N publishers send 4 Mbit/s each (a prepared MPEG-TS file, paced at its
# real rate by a small Perl pacer and sent by srt-live-transmit, the
# lightest sender there is) to bb-ingest, for N rising until SRT reports
# lost or dropped packets.  For each N: CPU per stream (user+sys of the
# bb-ingest process over the window, divided by N) and memory per stream
# (its RSS with the streams minus its RSS idle, divided by N).
#
# In the same run, the baseline: one `ffmpeg -i srt://... -c copy -f
# segment -segment_time 60` listener per stream, what one would run
# without us; reported as ratios, since absolute figures only describe
# this machine.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Bench qw(cpu_ticks);
use Blackbox::Stack;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $SECONDS = $ENV{BENCH_SECONDS} || 20;
my @STEPS   = split /,/, ($ENV{BENCH_STREAMS} || '4,8,16,32');
my $BASE_N  = $ENV{BENCH_BASELINE_STREAMS} || 8;
my $MBIT    = 4;

my $TICK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;
my $dir = tempdir(CLEANUP => 1);

# 60 s of 720p30 H.264 + AAC at about 4 Mbit/s, in MPEG-TS.
my $ts = "$dir/sample.ts";
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y',
       '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
       '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '60',
       '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', "${MBIT}M",
       '-maxrate', "${MBIT}M", '-bufsize', "${MBIT}M", '-g', '60',
       '-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', $ts) == 0
    or die "bench: cannot make the sample stream\n";
my $rate = (-s $ts) / 60;    # bytes a second

# Feeds the sample to srt-live-transmit at its real rate, in whole TS
# packets (7 a message, as SRT senders do), looping for $seconds.
sub start_sender {
    my ($url, $seconds) = @_;
    my $pid = fork // die;
    return $pid if $pid;
    open STDERR, '>', '/dev/null';
    # srt-live-transmit stays connected at the end of its input.
    open my $out, '|-', 'timeout', $seconds + 2, 'srt-live-transmit', '-q',
        '-a:no', '-chunk:1316', 'file://con', $url or POSIX::_exit(1);
    binmode $out;
    open my $in, '<:raw', $ts or POSIX::_exit(1);
    my $start = time;
    my $sent = 0;
    while (time - $start < $seconds) {
        my $due = (time - $start) * $rate;
        while ($sent < $due) {
            my $n = read $in, my $buf, 1316 * 10;
            if (!$n) { seek $in, 0, 0; next }
            print $out $buf or POSIX::_exit(0);
            $sent += $n;
        }
        $out->flush;
        sleep 0.01;
    }
    close $out;
    POSIX::_exit(0);
}

sub rss_kb {
    my $kb = 0;
    for my $pid (@_) {
        open my $fh, '<', "/proc/$pid/status" or next;
        while (<$fh>) { $kb += $1 if /^VmRSS:\s+(\d+)/ }
    }
    return $kb;
}

sub udp_rcvbuf_errors {
    open my $fh, '<', '/proc/net/snmp' or return 0;
    my @udp = grep { /^Udp:/ } <$fh>;
    my @k = split ' ', $udp[0];
    my @v = split ' ', $udp[1];
    my %u; @u{@k} = @v;
    return $u{RcvbufErrors} // 0;
}

# Runs $n senders for $SECONDS against the urls; returns CPU and RSS of
# @pids over the middle of the window.
sub measure {
    my ($urls, @pids) = @_;
    my @senders = map { start_sender($_, $SECONDS + 6) } @$urls;
    sleep 4;                         # connect, probe, first clips
    my ($t0, $c0) = (time, cpu_ticks(@pids));
    my $udp0 = udp_rcvbuf_errors();
    sleep $SECONDS;
    my ($t1, $c1) = (time, cpu_ticks(@pids));
    my $rss = rss_kb(@pids);
    my $udp = udp_rcvbuf_errors() - $udp0;
    waitpid $_, 0 for @senders;
    return { cpu => ($c1 - $c0) / $TICK / ($t1 - $t0), rss => $rss,
             udp => $udp };
}

my $s;
{
    local $ENV{BB_BENCH} = 1;
    $s = Blackbox::Stack->start;
}
my $token = $s->user_token('bench');
my $max = $STEPS[-1] > $BASE_N ? $STEPS[-1] : $BASE_N;
my %key;
for my $i (1 .. $max) {
    my $r = $s->call('POST', '/api/v1/devices',
                     { device_id => "pub-$i", nickname => "pub $i" }, $token);
    $key{$i} = $r->{json}{device_key} or die "bench: no key for pub-$i\n";
}
sleep 1;

my $ingest = $s->pid('ingest');
my $log = $s->var . '/log/ingest.log';
sub log_lines { open my $fh, '<', $log or return (); <$fh> }
my $idle_rss = rss_kb($ingest);

sub ingest_url {
    my ($i) = @_;
    return "srt://127.0.0.1:$s->{srt_port}?streamid=#!::u=pub-$i,m=publish"
         . "&passphrase=$key{$i}";
}

# SRT's own count of what each connection lost (then mostly recovered by
# retransmission) and dropped (lost for good), from the line each session
# logs as it ends.
sub losses_since {
    my ($mark) = @_;
    my ($lost, $dropped, $n, $bytes) = (0, 0, 0, 0);
    my @lines = log_lines();
    for (@lines[$mark .. $#lines]) {
        next unless /disconnected after .* (\d+) bytes, lost (\d+), retransmitted \d+, dropped (\d+)/;
        $bytes += $1; $lost += $2; $dropped += $3; $n++;
    }
    return ($lost, $dropped, $n, $bytes);
}

printf "ingest: %d s windows, %.1f Mbit/s a stream\n\n", $SECONDS,
       $rate * 8 / 1e6;
printf "%-8s %10s %12s %10s %10s %8s %12s\n", 'streams', 'CPU/stream',
       'RSS/stream', 'SRT lost', 'dropped', 'UDP err', 'received';

my (%ours, $best);
for my $n (@STEPS) {
    my $mark = () = log_lines();
    my $m = measure([ map { ingest_url($_) } 1 .. $n ], $ingest);
    my ($lost, $dropped, $ended, $bytes);
    my $deadline = time + 20;
    do {
        sleep 0.5;
        ($lost, $dropped, $ended, $bytes) = losses_since($mark);
    } while ($ended < $n && time < $deadline);
    $ours{$n} = { %$m, lost => $lost, dropped => $dropped };
    printf "%-8d %9.2f%% %9.1f MB %10d %10d %8d %9.1f MB%s\n", $n,
        100 * $m->{cpu} / $n, ($m->{rss} - $idle_rss) / 1024 / $n, $lost,
        $dropped, $m->{udp}, $bytes / 1e6,
        $ended == $n ? '' : "  ($ended of $n sessions reported)";
    last if $dropped + $m->{udp} > 0 || $ended < $n;
    $best = $n;
}

# The baseline: one ffmpeg segmenter listening per stream.
my @ports = map { Blackbox::Stack::free_port('udp') } 1 .. $BASE_N;
my @ffmpeg;
for my $i (0 .. $BASE_N - 1) {
    mkdir "$dir/base$i";
    my $pid = fork // die;
    if (!$pid) {
        open STDERR, '>', '/dev/null';
        { exec 'ffmpeg', '-nostdin', '-loglevel', 'quiet', '-i',
               "srt://127.0.0.1:$ports[$i]?mode=listener", '-c', 'copy',
               '-f', 'segment', '-segment_time', '60',
               "$dir/base$i/%03d.mp4" }
        POSIX::_exit(127);
    }
    push @ffmpeg, $pid;
}
sleep 1;
my $base = measure([ map { "srt://127.0.0.1:$_" } @ports ], @ffmpeg);
kill 'TERM', @ffmpeg;
waitpid $_, 0 for @ffmpeg;
my $base_cpu = $base->{cpu} / $BASE_N;
my $base_rss = $base->{rss} / $BASE_N / 1024;
printf "%-8s %9.2f%% %9.1f MB   (ffmpeg -c copy -f segment, one a stream, "
     . "%d streams)\n", 'baseline', 100 * $base_cpu, $base_rss, $BASE_N;

my $n = $best // $STEPS[0];
my $o = $ours{$n};
printf "\ningest: nothing dropped up to %s streams of %d Mbit/s; at %d streams, "
     . "CPU per stream %.2fx and memory per stream %.3fx the baseline's\n",
       $best // 'no', $MBIT, $n, ($o->{cpu} / $n) / $base_cpu,
       (($o->{rss} - $idle_rss) / 1024 / $n) / $base_rss;

system('cp', $log, $ENV{BENCH_INGEST_LOG}) if $ENV{BENCH_INGEST_LOG};
my @alarms = $s->log_alarms;
$s->stop(quiet => 1);
die "bench: the logs hold alarms:\n@alarms" if @alarms;
