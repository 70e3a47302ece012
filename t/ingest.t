# The SRT ingest as it stands on the spine: it listens, refuses callers it
# cannot authenticate in the handshake (logging who and as what), and shrugs
# off garbage on its UDP port.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use IO::Socket::INET;
use Test::More;

my $s = Blackbox::Stack->start;
my $log = $s->var . '/log/ingest.log';

sub slurp { my ($f) = @_; local (@ARGV, $/) = $f; <> }

# ffmpeg as a dashcam would call; returns its exit code.
sub publish {
    my ($streamid) = @_;
    my $url = "srt://127.0.0.1:$s->{srt_port}?streamid=$streamid"
            . '&connect_timeout=3000';
    # libsrt logs the refusal on stderr whatever ffmpeg's log level.
    open my $stderr, '>&', \*STDERR or die;
    open STDERR, '>', '/dev/null' or die;
    system('ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'quiet',
           '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1',
           '-c:v', 'mpeg2video', '-f', 'mpegts', $url);
    open STDERR, '>&', $stderr or die;
    return $? >> 8;
}

subtest 'an unknown device is refused in the handshake' => sub {
    isnt publish('#!::u=dev-1,m=publish'), 0, 'ffmpeg cannot publish';
    like slurp($log),
        qr/refused caller from 127\.0\.0\.1:\d+, stream id "#!::u=dev-1,m=publish"/,
        'the log names the peer and the stream id';
    is scalar(() = glob($s->var . '/storage/*')), 0, 'no file created';
};

subtest 'a hostile stream id is logged harmlessly' => sub {
    isnt publish('"quoted"' . ('x' x 200)), 0, 'refused';
    my ($line) = grep { /quoted/ } split /\n/, slurp($log);
    like $line, qr/stream id "\?quoted\?x{56}": /,
        'quotes replaced and the id cut to 64 bytes';
};

subtest 'garbage on the SRT port' => sub {
    my $udp = IO::Socket::INET->new(
        PeerAddr => "127.0.0.1:$s->{srt_port}", Proto => 'udp',
    ) or die $!;
    srand 42;
    for my $size (0, 1, 16, 64, 1316, 1500, (map { int rand 1500 } 1 .. 200)) {
        $udp->send(join '', map { chr int rand 256 } 1 .. $size);
    }
    my $pid = $s->pid('ingest');
    ok kill(0, $pid), 'the ingest is still running';
    is $s->get('/api/v1/health')->{status}, 200, 'and healthy';
    isnt publish('#!::u=dev-2,m=publish'), 0, 'and still refuses callers';
};

$s->stop;
done_testing;
