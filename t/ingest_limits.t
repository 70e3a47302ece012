# The SRT ingest's limits: a maximum of connections (refused in the
# handshake), a maximum bit rate a connection (cut off), an idle timeout,
# each from the daemons' file; and a full disk, which stops the clip,
# closes the connection and registers nothing as whole.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Ingest qw(wait_until);
use Blackbox::Stack;
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(sleep time);

my $s = Blackbox::Stack->start;
my $storage = $s->var . '/storage';
my $dir = tempdir(CLEANUP => 1);
my $alice = $s->user_token('alice');
my $in = Blackbox::Ingest->new($s, $alice);

# Whatever a test mounted goes, even when it dies, before the temp folders.
my @mounts;
sub unmount { system('umount', '-l', shift @mounts) while @mounts }
END { unmount() }


my %key = map {
    $_ => $s->call('POST', '/api/v1/devices', { device_id => $_,
                   nickname => $_ }, $alice)->{json}{device_key}
} qw(cam-1 cam-2 cam-3 cam-fast cam-full);

# The limits, as an operator would set them, then the ingest restarted.
open my $conf, '>>', $s->var . '/conf/blackbox.conf' or die;
print $conf "blackbox_srt_max_connections 2;\n",
            "blackbox_srt_max_bitrate 1m;\n",
            "blackbox_srt_idle_timeout 3s;\n";
close $conf;
$s->stop_service('ingest');
is $s->start_service('ingest'), 0, 'the ingest starts with the limits';
wait_until('the registry', sub { $in->log =~ /\d+ devices registered/ });

sub url {
    my ($id) = @_;
    return "srt://127.0.0.1:$s->{srt_port}?streamid=#!::u=$id,m=publish"
         . "&passphrase=$key{$id}&connect_timeout=3000";
}

# ffmpeg as a dashcam at real rate: $seconds of 320x240, or bigger and
# busier pictures at a high bit rate when $opt{rate}.
sub publish {
    my ($id, $seconds, %opt) = @_;
    my $pid = fork // die;
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        exec 'ffmpeg', '-nostdin', '-loglevel', 'quiet', '-re',
             '-f', 'lavfi', '-i', $opt{rate}
                 ? 'testsrc2=size=1280x720:rate=25' : 'testsrc=size=320x240:rate=25',
             '-t', $seconds, '-c:v', 'libx264', '-preset', 'ultrafast',
             '-g', '50', $opt{rate} ? ('-b:v', $opt{rate}, '-minrate', $opt{rate},
                                       '-maxrate', $opt{rate}, '-bufsize', '1M')
                                    : ('-b:v', '300k'),
             '-f', 'mpegts', url($id);
        exit 127;
    }
    return $pid;
}

sub stop { kill 'TERM', @_; waitpid $_, 0 for @_ }

subtest 'at most 2 connections' => sub {
    my @on = (publish('cam-1', 12), publish('cam-2', 12));
    ok wait_until('two sessions', sub {
           my $l = $in->log;
           $l =~ /"cam-1" from [\d.:]+: h264/ && $l =~ /"cam-2" from [\d.:]+: h264/ }),
        'two devices stream';
    my $third = publish('cam-3', 3);
    waitpid $third, 0;
    isnt $? >> 8, 0, 'a third cannot connect';
    like $in->log, qr/refused device "cam-3" from [\d.:]+: blackbox_srt_max_connections reached/,
        'refused in the handshake, and logged';
    stop(@on);
};

subtest 'a connection over the bit rate is cut off' => sub {
    my $pid = publish('cam-fast', 20, rate => '4M');
    ok wait_until('the cut', sub {
           $in->log =~ /device "cam-fast" from [\d.:]+ sends \d+ kbit\/s, over blackbox_srt_max_bitrate \(1000 kbit\/s\): closing/ }, 25),
        'logged with its rate';
    ok wait_until('the end', sub {
           $in->log =~ /"cam-fast" from [\d.:]+ disconnected after \d+ clips: [\d.]+ Mbit\/s, \d+ bytes, lost \d+, retransmitted \d+, dropped \d+/ }),
        'the session ends, with its SRT figures';
    stop($pid);
};

subtest 'a silent connection ends after the idle timeout' => sub {
    my $pid = fork // die;
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec 'sh', '-c', "sleep 30 | timeout 20 srt-live-transmit -q -a:no "
                       . "file://con '" . url('cam-1') . "'";
    }
    ok wait_until('the timeout', sub {
           $in->log =~ /"cam-1" from [\d.:]+ sent nothing for 3 s: closing/ }, 15),
        'closed after 3 s';
    stop($pid);
};

subtest 'disk full: the clip stops, the connection closes' => sub {
    plan skip_all => 'mounting a tmpfs needs root' if $> != 0;
    my $full = "$dir/full";
    mkdir $full or die;
    system('mount', '-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', $full) == 0
        or plan skip_all => 'cannot mount a tmpfs here';
    @mounts = ($full);
    my ($uid, $gid) = (stat $storage)[4, 5];
    mkdir "$full/$_" for '.recording', '.incoming';
    chown $uid, $gid, $full, "$full/.recording", "$full/.incoming";
    system('mount', '--bind', $full, $storage) == 0 or die 'bind mount';
    unshift @mounts, $storage;

    my $pid = publish('cam-full', 40, rate => '800k');
    ok wait_until('the failure', sub {
           $in->log =~ /device "cam-full" from [\d.:]+: cannot write clip "[^"]+": .*: closing the connection/ }, 45),
        'the write failure is logged, and the connection closed';
    stop($pid);
    ok kill(0, $s->pid('ingest')), 'the ingest runs on';
    is $s->psql(q{SELECT count(*) FROM clips WHERE device_id = 'cam-full'
                  AND duration_ms >= 30000}), "0\n",
        'no partial clip is registered as a whole one';

    unmount();
};

$s->stop;
done_testing;
