# The SRT ingest: dashcams publish MPEG-TS over SRT with their own key as
# the passphrase; everything else is refused in the handshake, logged with
# who and as what, and leaves no file.  What is published becomes
# one-minute MP4 clips on the UTC minute grid, stored and indexed like
# back-filled ones; a kill -9 loses at most the last seconds; a device
# that connects again replaces its old session at once.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Ingest qw(wait_until);
use Blackbox::Stack;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $s = Blackbox::Stack->start;
my $storage = $s->var . '/storage';
my $dir = tempdir(CLEANUP => 1);
my $alice = $s->user_token('alice');
my $in = Blackbox::Ingest->new($s, $alice);


# ffmpeg as a dashcam: $seconds of 320x240 H.264 (+ AAC) at 25 fps with a
# keyframe every 2 s, sent as fast as it encodes unless $opt{re}.  Runs in
# the background when $opt{background}; returns the pid, else the exit code.
sub publish {
    my ($url, $seconds, %opt) = @_;
    my @cmd = ('ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'quiet',
               $opt{re} ? ('-re') : (),
               '-f', 'lavfi', '-i', "testsrc=size=320x240:rate=25",
               '-f', 'lavfi', '-i', 'sine=frequency=440',
               '-t', $seconds, '-c:v', 'libx264', '-preset', 'ultrafast',
               '-g', '50', '-c:a', 'aac', '-f', 'mpegts', $url);
    my $pid = fork // die;
    if ($pid == 0) {
        # libsrt logs refusals on stderr whatever ffmpeg's log level.
        open STDERR, '>', '/dev/null';
        exec @cmd or exit 127;
    }
    return $pid if $opt{background};
    waitpid $pid, 0;
    return $? >> 8;
}

sub files { my @f = grep { -f } glob("$storage/*/*/*.mp4"); @f }


my $key = $in->register('cam-01');
my $other_key = $in->register('cam-02');
my $kill_key = $in->register('cam-kill');
wait_until('the registry', sub { $in->log =~ /devices registered/ });

subtest 'refused in the handshake, logged, no file' => sub {
    isnt publish($in->url('#!::u=dev-1,m=publish', $key), 1), 0,
        'an unknown device cannot publish';
    like $in->log, qr/refused device "dev-1" from 127\.0\.0\.1:\d+: no such/,
        'the log names the device and the peer';
    isnt publish($in->url('#!::u=cam-01,m=publish', $other_key), 1), 0,
        "another device's key: refused";
    isnt publish($in->url('#!::u=cam-01,m=publish'), 1), 0, 'no key: refused';
    isnt publish($in->url('#!::u=cam-01,m=request', $key), 1), 0,
        'm=request (play): refused';
    like $in->log, qr/stream id "#!::u=cam-01,m=request": /,
        'logged with its stream id';
    isnt publish($in->url('#!::m=publish', $key), 1), 0, 'no device: refused';
    isnt publish($in->url('"quoted"' . ('x' x 200), $key), 1), 0,
        'a hostile stream id: refused';
    my ($line) = grep { /quoted/ } split /\n/, $in->log;
    like $line, qr/stream id "\?quoted\?x{56}": /,
        'quotes replaced and the id cut to 64 bytes in the log';
    is scalar(files()), 0, 'no clip made';
};

subtest 'garbage on the SRT port' => sub {
    my $udp = IO::Socket::INET->new(
        PeerAddr => "127.0.0.1:$s->{srt_port}", Proto => 'udp') or die $!;
    srand 42;
    for my $size (0, 1, 16, 64, 1316, 1500, (map { int rand 1500 } 1 .. 200)) {
        $udp->send(join '', map { chr int rand 256 } 1 .. $size);
    }
    ok kill(0, $s->pid('ingest')), 'the ingest is still running';
    is $s->get('/api/v1/health')->{status}, 200, 'and healthy';
};

subtest 'garbage from a device with the right key' => sub {
    my $junk = "$dir/junk.bin";
    open my $fh, '>:raw', $junk or die;
    print $fh join '', map { chr int rand 256 } 1 .. 300_000;
    close $fh;
    # srt-live-transmit reads a pipe, not a file, and must not reconnect;
    # fed all at once, it drops what comes before it is connected.
    system("perl -e 'open F, q{<}, shift; binmode F; \$| = 1;"
           . " while (read F, \$b, 1316) { print \$b;"
           . " select undef, undef, undef, 0.002 }' $junk"
           . " | timeout 15 srt-live-transmit -q -a:no -chunk:1316 file://con '"
           . $in->url('#!::u=cam-02,m=publish', $other_key) . "' >/dev/null 2>&1");
    ok wait_until('the refusal', sub {
           $in->log =~ /device "cam-02" from [\d.:]+: (not an MPEG-TS|sends no H\.264)/ }, 30),
        'the session ends with a clear log line';
    is scalar(files()), 0, 'no clip made';
};

# 150 s of 30 fps, encoded once, so that what was sent can be compared
# frame by frame with what was stored.
my $src = "$dir/src.ts";
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc=size=320x240:rate=30', '-f', 'lavfi', '-i',
       'sine=frequency=440', '-t', '150', '-c:v', 'libx264', '-preset',
       'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
       '-f', 'mpegts', $src) == 0 or die 'ffmpeg failed';

# The decoded video frames of a file, as md5s in order.
sub frames {
    my ($file) = @_;
    return map { (split /,\s*/)[-1] } grep { !/^#/ } split /\n/,
        `ffmpeg -nostdin -loglevel error -i $file -map 0:v -f framemd5 - 2>/dev/null`;
}

my $t0 = time;
subtest '150 s pushed faster than real time: clips on the minute grid' => sub {
    # linger: ffmpeg waits for what is in flight before it hangs up.
    my $pid = fork // die;
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        exec 'ffmpeg', '-nostdin', '-loglevel', 'quiet', '-i', $src,
             '-c', 'copy', '-f', 'mpegts',
             $in->url('#!::u=cam-01,m=publish', $key) . '&linger=10';
        exit 127;
    }
    waitpid $pid, 0;
    is $? >> 8, 0, 'ffmpeg published, without -re';
    ok wait_until('the session end', sub {
           $in->log =~ /"cam-01" from [\d.:]+ disconnected after/ }, 30),
        'the session ended';
    ok wait_until('the clips', sub {
           my ($n) = $in->log =~ /"cam-01" from [\d.:]+ disconnected after (\d+) clips/;
           $n && $in->rows('cam-01') >= $n }, 30), 'its clips were indexed';
    my @rows = $in->rows('cam-01');
    ok @rows >= 3 && @rows <= 4, scalar(@rows) . ' clips for 150 s';
    my $total = 0;
    $total += $_->[1] for @rows;
    cmp_ok abs($total - 150_000), '<=', 200,
        "they hold $total ms of the 150 s";
    cmp_ok abs($rows[0][0] / 1000 - $t0), '<', 10,
        'the first starts when the session did';
    cmp_ok $rows[$_][1], '>=', 59_000, "clip $_ is a whole minute"
        for grep { $_ > 0 && $_ < $#rows } 0 .. $#rows;
    for my $i (1 .. $#rows) {
        my $since = $rows[$i][0] % 60_000;
        cmp_ok $since, '<', 2_100,
            "clip $i starts at the first keyframe of its minute (+$since ms)";
        my $gap = $rows[$i][0] - ($rows[$i - 1][0] + $rows[$i - 1][1]);
        cmp_ok abs($gap), '<=', 100, "and runs on from the one before ($gap ms)";
    }
    is_deeply [ map { "$_->[3]/$_->[4]" } @rows ],
        [ map { 'h264/aac' } @rows ], 'H.264 and AAC, remuxed as sent';
    is scalar(() = glob("$storage/.recording/*")), 0,
        'nothing left in staging';
    for my $r (@rows) {
        like `ffprobe -v error -show_entries format=format_name -of csv=p=0 $storage/$r->[2] 2>&1`,
            qr/\A"?mov,mp4,m4a,3gp,3g2,mj2"?\n\z/,
            "$r->[2]: ffprobe reads it as MP4, no error";
    }
    my @sent = frames($src);
    my @kept = map { frames("$storage/$_->[2]") } @rows;
    is scalar(@kept), scalar(@sent), scalar(@sent) . ' frames sent, as many kept';
    ok "@kept" eq "@sent", 'the very frames, in order';
};

subtest 'live while streaming, a heartbeat, then not live' => sub {
    my $pid = publish($in->url('#!::u=cam-02,m=publish', $other_key), 12,
                      background => 1, re => 1);
    ok wait_until('live', sub {
           my $d = $s->call('GET', '/api/v1/devices/cam-02', undef, $alice);
           $d->{json}{live} && $d->{json}{status} eq 'online' }),
        'the device is live and online while it streams';
    waitpid $pid, 0;
    ok wait_until('not live', sub {
           !$s->call('GET', '/api/v1/devices/cam-02', undef, $alice)
               ->{json}{live} }), 'and not live once it stops';
};

subtest 'a newer connection replaces the old one at once' => sub {
    my $old = publish($in->url('#!::u=cam-02,m=publish', $other_key), 30,
                      background => 1, re => 1);
    sleep 3;
    my $new = publish($in->url('#!::u=cam-02,m=publish', $other_key), 3,
                      background => 1, re => 1);
    ok wait_until('the replacement', sub {
           $in->log =~ /device "cam-02" connected again from/ }),
        'the old session is told to end';
    waitpid $new, 0;
    is $? >> 8, 0, 'the newer connection published';
    kill 'TERM', $old;
    waitpid $old, 0;
};

subtest 'kill -9 mid-minute loses only the last seconds' => sub {
    # A device of its own: cam-01's clips pushed faster than real time
    # above carry recording times that run past now.
    my $opened = () = $in->log =~ /"cam-kill" from [\d.:]+: h264/g;
    my $pid = publish($in->url('#!::u=cam-kill,m=publish', $kill_key), 20,
                      background => 1, re => 1);
    # Count the 10 s from when the stream is flowing, not from when
    # ffmpeg was started: on a loaded machine it takes seconds to begin.
    ok wait_until('the stream', sub {
           (() = $in->log =~ /"cam-kill" from [\d.:]+: h264/g) > $opened }),
        'the stream flows';
    sleep 10;
    my $ingest = $s->pid('ingest');
    $s->signal_service('ingest', 'KILL');
    kill 'KILL', $pid;
    waitpid $pid, 0;
    # Its UDP port is free only once the killed process is gone (a
    # sanitizer build takes a moment to die).
    ok wait_until('the ingest gone', sub { !kill 0, $ingest }),
        'the ingest is gone';
    my @journals = glob("$storage/.recording/*.part");
    is scalar(@journals), 1, 'a journal was left';
    # Another node would wait until it goes stale; age it instead.
    utime time - 120, time - 120, @journals;
    is $s->start_service('ingest'), 0, 'the ingest starts again';
    # The 10 s may straddle a minute: then a finished clip holds the part
    # before it, and the journal the rest.
    my $held = sub {
        my $ms = 0;
        $ms += $_->[1] for $in->rows('cam-kill');
        return $ms;
    };
    ok wait_until('recovery', sub {
           !(() = glob("$storage/.recording/*"))
           && $held->() >= 7_000 }, 20),
        'the journal became a clip';
    cmp_ok $held->(), '>=', 7_000,
        'its clips hold ' . $held->() . ' ms of the 10 s recorded';
    is scalar(() = glob("$storage/.recording/*")), 0, 'staging is empty';
};

subtest 'deleting the device cuts its session' => sub {
    my $pid = publish($in->url('#!::u=cam-02,m=publish', $other_key), 30,
                      background => 1, re => 1);
    ok wait_until('live', sub {
           $s->call('GET', '/api/v1/devices/cam-02', undef, $alice)
               ->{json}{live} }), 'streaming';
    is $s->call('DELETE', '/api/v1/devices/cam-02', undef, $alice)->{status},
        204, 'deleted';
    ok wait_until('the cut', sub {
           $in->log =~ /device "cam-02" was deleted or registered again/ }),
        'its session ends';
    kill 'TERM', $pid;
    waitpid $pid, 0;
};

$s->stop;
done_testing;
