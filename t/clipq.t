# The clip queue: a clip announced on the Redis Stream is probed and
# indexed by the worker once, whatever the number of announcements; what is
# not a clip goes to the dead-letter stream with its reason; while
# PostgreSQL is down, announced clips wait and are indexed when it returns;
# and what a dead worker had read is taken over by another.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use File::Path qw(make_path);
use Test::More;
use Time::HiRes qw(sleep time);

my $s = Blackbox::Stack->start;
my $alice = $s->user_token('alice');
is $s->call('POST', '/api/v1/devices',
            { device_id => 'cam-01', nickname => 'Front' }, $alice)->{status},
    201, 'a device';

my $storage = $s->var . '/storage';

# A real clip, made by ffmpeg, where the library keeps it.
sub make_clip {
    my ($path, %opt) = @_;
    my $file = "$storage/$path";
    (my $dir = $file) =~ s{/[^/]+$}{};
    make_path($dir);
    my @audio = $opt{audio} ? ('-f', 'lavfi', '-i', 'sine=d=3') : ();
    system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
           '-i', 'testsrc=size=320x240:rate=30:d=3', @audio,
           '-c:v', 'libx264', '-g', '30', ($opt{audio} ? ('-c:a', 'aac') : ()),
           '-movflags', '+faststart', $file) == 0 or die "ffmpeg failed";
    system('chown', '-R', 'blackbox:blackbox', $s->var . '/storage') if $> == 0;
    return $file;
}

sub redis {
    open my $ph, '-|', 'redis-cli', '-p', $s->{redis_port}, @_
        or die "redis-cli: $!";
    chomp(my @out = <$ph>);
    close $ph;
    return wantarray ? @out : $out[0];
}

sub announce {
    my ($device, $ms, $path) = @_;
    return redis('XADD', 'bb:clips', '*', 'device_id', $device,
                 'recorded_at', $ms, 'path', $path);
}

sub rows {
    my ($where) = @_;
    return $s->psql("SELECT device_id, extract(epoch FROM recorded_at)::bigint,"
                  . " duration_ms, video_codec, width, height,"
                  . " coalesce(audio_codec, '-'), path FROM clips"
                  . ($where ? " WHERE $where" : '') . " ORDER BY clip_id");
}

sub wait_for {
    my ($what, $seconds) = @_;
    my $deadline = time + ($seconds || 20);
    while (time < $deadline) {
        my $v = $what->();
        return $v if $v;
        sleep 0.2;
    }
    return undef;
}

my $t0 = 1795609380;    # 2026-11-25T12:23:00Z

subtest 'a clip is indexed once' => sub {
    make_clip('cam-01/2026-11-25/122300.mp4', audio => 1);
    announce('cam-01', $t0 * 1000, 'cam-01/2026-11-25/122300.mp4');
    my $rows = wait_for(sub { rows() });
    like $rows, qr{^cam-01\|$t0\|(29\d\d|30\d\d)\|h264\|320\|240\|aac\|cam-01/2026-11-25/122300\.mp4$},
        'probed and indexed: codecs, size, duration, path';

    announce('cam-01', $t0 * 1000, 'cam-01/2026-11-25/122300.mp4') for 1 .. 3;
    sleep 3;
    is scalar(split /\n/, rows()), 1, 'announced four times, one row';
    is redis('XPENDING', 'bb:clips', 'workers') , 0,
        'every entry acknowledged';
};

subtest 'what is not a clip is refused, with its reason' => sub {
    make_path("$storage/cam-01/2026-11-25");
    my %bad = (
        'cam-01/2026-11-25/122400.mp4' => [ "not a video\n", qr/MP4/ ],
        'cam-01/2026-11-25/122500.mp4' => [ '', qr/empty/ ],
    );
    for my $path (sort keys %bad) {
        open my $fh, '>', "$storage/$path" or die;
        print $fh $bad{$path}[0];
        close $fh;
    }
    my $ms = ($t0 + 60) * 1000;
    announce('cam-01', $ms, 'cam-01/2026-11-25/122400.mp4');
    announce('cam-01', $ms + 60000, 'cam-01/2026-11-25/122500.mp4');
    announce('cam-01', $ms, '../../../etc/passwd');
    announce('cam-01', $ms, 'cam-02/2026-11-25/122400.mp4');
    announce('no-such-cam', $ms, 'no-such-cam/2026-11-25/122400.mp4');
    announce('cam-01', 'soon', 'cam-01/2026-11-25/122400.mp4');

    my $dead = wait_for(sub {
        my @d = redis('XRANGE', 'bb:clips:dead', '-', '+');
        scalar(grep { $_ eq 'reason' } @d) >= 6 ? join("\n", @d) : undef
    });
    ok $dead, 'six entries in the dead-letter stream';
    like $dead, qr/not a readable MP4/, 'garbage: not an MP4';
    like $dead, qr/empty/, 'an empty file';
    like $dead, qr/malformed/, 'a path outside the folder, a bad time';
    like $dead, qr{no-such-cam}, 'an unknown device is named';
    is scalar(split /\n/, rows()), 1, 'and no row for any of them';
    is redis('XPENDING', 'bb:clips', 'workers'), 0, 'nothing left pending';
};

subtest 'PostgreSQL down: clips wait, then arrive' => sub {
    make_clip('cam-01/2026-11-25/122600.mp4');
    $s->stop_service('postgres');
    announce('cam-01', ($t0 + 180) * 1000, 'cam-01/2026-11-25/122600.mp4');
    sleep 2;
    is redis('XPENDING', 'bb:clips', 'workers'), 1, 'the entry is pending';
    is $s->start_service('postgres'), 0, 'PostgreSQL is back';
    ok wait_for(sub { rows("path LIKE '%122600.mp4'") }, 60),
        'the clip is indexed after all';
    is redis('XPENDING', 'bb:clips', 'workers'), 0, 'and acknowledged';
};

subtest "a dead worker's entries are taken over" => sub {
    # An entry read by a worker that then died stays pending under its
    # name; once idle past BB_INDEXER_IDLE_MS (30 s) another worker claims
    # it.  XCLAIM's IDLE dates the entry a minute back, as if the worker
    # had died then.
    make_clip('cam-01/2026-11-25/122700.mp4');
    $s->stop_service('worker');
    my $id = announce('cam-01', ($t0 + 240) * 1000,
                      'cam-01/2026-11-25/122700.mp4');
    my @read = redis('XREADGROUP', 'GROUP', 'workers', 'dead-node',
                     'COUNT', '10', 'STREAMS', 'bb:clips', '>');
    ok scalar(grep { $_ eq $id } @read), 'a worker read the entry, then died';
    redis('XCLAIM', 'bb:clips', 'workers', 'dead-node', '0', $id,
          'IDLE', '60000');
    my @held = redis('XPENDING', 'bb:clips', 'workers', '-', '+', '10',
                     'dead-node');
    is $held[0], $id, 'pending under the dead worker';
    is $s->start_service('worker'), 0, 'a worker starts';
    ok wait_for(sub { rows("path LIKE '%122700.mp4'") }, 30),
        'it claims the entry and indexes the clip';
    ok wait_for(sub { redis('XPENDING', 'bb:clips', 'workers') eq '0' }, 10),
        'and acknowledges it';
    is scalar(split /\n/, rows("path LIKE '%122700.mp4'")), 1, 'one row';
};

$s->stop;
done_testing;
