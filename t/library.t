# The clip library as owners browse it: day folders in the device's time
# zone, newest first; a day's clips in recording order, paged; one clip;
# deleting a clip or a day for good, renames refused; the coverage a
# device asks for; and nothing of anyone else's.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(sleep time);

my $s = Blackbox::Stack->start;
my $alice = $s->user_token('alice');
my $bob = $s->user_token('bob');
my $key = $s->call('POST', '/api/v1/devices',
                   { device_id => 'cam-01', nickname => 'Front' },
                   $alice)->{json}{device_key};
$s->call('POST', '/api/v1/devices', { device_id => 'cam-02', nickname => 'B' },
         $bob);

my $dir = tempdir(CLEANUP => 1);
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc=size=320x240:rate=30:d=2', '-c:v', 'libx264',
       '-movflags', '+faststart', "$dir/c.mp4") == 0 or die;
my $clip = do { local (@ARGV, $/) = "$dir/c.mp4"; binmode ARGV; <> };

# Five clips: three on 2026-11-25 UTC, one late that evening (already the
# 26th in Seoul), one on the 24th.
my @times = ('2026-11-24T10:00:00Z', '2026-11-25T04:03:00Z',
             '2026-11-25T04:04:00Z', '2026-11-25T04:05:00Z',
             '2026-11-25T20:00:00Z');
for my $t (@times) {
    my $r = $s->request('PUT', "/ingest/v1/devices/cam-01/clips/$t.mp4",
        headers => { Authorization => "Bearer $key" }, content => $clip);
    $r->{status} == 201 or die "back-fill of $t: $r->{status}";
}

sub get { $s->call('GET', $_[0], undef, $_[1] // $alice) }

my $deadline = time + 20;
sleep 0.2 while time < $deadline
    && $s->psql('SELECT count(*) FROM clips') !~ /^5$/m;

subtest 'folders' => sub {
    my $r = get('/api/v1/devices/cam-01/folders');
    is $r->{status}, 200, 'answers 200';
    is_deeply [ map { "$_->{date}:$_->{clip_count}" } @{ $r->{json}{folders} } ],
        [ '2026-11-25:4', '2026-11-24:1' ], 'days in UTC, newest first';
    my ($day) = @{ $r->{json}{folders} };
    is $day->{bytes}, 4 * length $clip, 'bytes';
    cmp_ok abs($day->{duration_s} - 8), '<', 0.5, 'duration';

    $s->call('PATCH', '/api/v1/devices/cam-01', { time_zone => 'Asia/Seoul' },
             $alice);
    $r = get('/api/v1/devices/cam-01/folders');
    is_deeply [ map { "$_->{date}:$_->{clip_count}" } @{ $r->{json}{folders} } ],
        [ '2026-11-26:1', '2026-11-25:3', '2026-11-24:1' ],
        "the device's time zone moves 20:00 UTC to the next day";
};

subtest 'a day of clips, paged' => sub {
    my $r = get('/api/v1/devices/cam-01/folders/2026-11-25/clips');
    is $r->{status}, 200, 'answers 200';
    is_deeply [ map { $_->{recorded_at} } @{ $r->{json}{clips} } ],
        [ '2026-11-25T04:03:00Z', '2026-11-25T04:04:00Z',
          '2026-11-25T04:05:00Z' ], 'in recording order';
    is $r->{json}{next_cursor}, undef, 'one page';
    my $c = $r->{json}{clips}[0];
    is $c->{device_id}, 'cam-01', 'device_id';
    is $c->{video_codec}, 'h264', 'video_codec';
    is "$c->{width}x$c->{height}", '320x240', 'size';
    is $c->{audio_codec}, undef, 'no audio';
    is $c->{size_bytes}, length $clip, 'size_bytes';
    like $c->{clip_id}, qr/^\d+$/, 'clip_id';

    $r = get('/api/v1/devices/cam-01/folders/2026-11-25/clips?limit=2');
    is scalar @{ $r->{json}{clips} }, 2, 'limit 2: two clips';
    ok my $cursor = $r->{json}{next_cursor}, 'and a cursor';
    $r = get("/api/v1/devices/cam-01/folders/2026-11-25/clips?limit=2&cursor=$cursor");
    is_deeply [ map { $_->{recorded_at} } @{ $r->{json}{clips} } ],
        [ '2026-11-25T04:05:00Z' ], 'the next page';
    is $r->{json}{next_cursor}, undef, 'the last';

    is_deeply get('/api/v1/devices/cam-01/folders/2026-01-01/clips')->{json},
        { clips => [], next_cursor => undef }, 'an empty day: an empty list';

    my $one = get("/api/v1/clips/$c->{clip_id}");
    is $one->{status}, 200, 'one clip: 200';
    is_deeply $one->{json}, $c, 'the same clip';

    for my $q ('limit=0', 'limit=1001', 'limit=x', 'cursor=abc',
               'cursor=-1') {
        is get("/api/v1/devices/cam-01/folders/2026-11-25/clips?$q")
            ->{status}, 400, "$q: 400";
    }
};

subtest "the device's totals" => sub {
    my $d = get('/api/v1/devices/cam-01')->{json};
    is $d->{clip_count}, 5, 'clip_count';
    is $d->{bytes}, 5 * length $clip, 'bytes';
};

subtest 'download' => sub {
    my $c = get('/api/v1/devices/cam-01/folders/2026-11-25/clips')
        ->{json}{clips}[0];
    my $url = "/api/v1/clips/$c->{clip_id}/download";
    my %auth = (headers => { Authorization => "Bearer $alice" });
    my $r = $s->request('GET', $url, %auth);
    is $r->{status}, 200, 'answers 200';
    is $r->{headers}{'content-type'}, 'video/mp4', 'video/mp4';
    is $r->{headers}{'content-disposition'},
        'attachment; filename="cam-01_2026-11-25_130300.mp4"',
        "named by device and time, in the device's zone";
    ok $r->{content} eq $clip, 'the very file';

    $r = $s->request('GET', $url, headers => { %{ $auth{headers} },
                                              Range => 'bytes=100-199' });
    is $r->{status}, 206, 'a byte range: 206';
    is length $r->{content}, 100, 'of 100 bytes';
    ok $r->{content} eq substr($clip, 100, 100), 'the right ones';

    $r = $s->request('HEAD', $url, %auth);
    is $r->{status}, 200, 'HEAD: 200';
    is $r->{headers}{'content-length'}, length $clip, 'with its length';

    is get($url, $bob)->{status}, 404, "bob cannot download alice's clip";
    is $s->request('GET', $url)->{status}, 401, 'nor can nobody';
    is $s->request('GET', '/_storage/cam-01/2026-11-25/040300.mp4')
        ->{status}, 404, 'the storage is not served directly';
};

subtest 'nothing of anyone else' => sub {
    my $c = get('/api/v1/devices/cam-01/folders/2026-11-25/clips')
        ->{json}{clips}[0];
    for my $path ('/api/v1/devices/cam-01/folders',
                  '/api/v1/devices/cam-01/folders/2026-11-25/clips',
                  "/api/v1/clips/$c->{clip_id}") {
        my $r = get($path, $bob);
        is $r->{status}, 404, "bob: $path: 404";
        is $r->{json}{error}, 'not_found', 'not_found';
    }
    is_deeply get('/api/v1/devices/cam-02/folders', $bob)->{json},
        { folders => [] }, "bob's own device: no folders";
    for my $path ('/api/v1/devices/cam-01/folders/2026-02-30/clips',
                  '/api/v1/devices/cam-01/folders/26-11-25/clips',
                  '/api/v1/devices/cam-01/folders/..%2f..%2fetc/clips',
                  '/api/v1/devices/a/folders',
                  '/api/v1/clips/abc', '/api/v1/clips/-1',
                  '/api/v1/clips/99999999999999999999',
                  '/api/v1/clips/999999') {
        is get($path)->{status}, 404, "$path: 404";
    }
};

sub file_of {
    my ($t) = @_;    # "2026-11-25T04:03:00Z"
    my ($day, $h, $m, $sec) = $t =~ /^(\S{10})T(\d\d):(\d\d):(\d\d)Z$/;
    return $s->var . "/storage/cam-01/$day/$h$m$sec.mp4";
}

subtest 'renames are refused' => sub {
    my $c = get('/api/v1/devices/cam-01/folders/2026-11-25/clips')
        ->{json}{clips}[0];
    for my $m ('PATCH', 'PUT') {
        for my $path ("/api/v1/clips/$c->{clip_id}",
                      '/api/v1/devices/cam-01/folders/2026-11-25') {
            my $r = $s->call($m, $path, { name => 'x' }, $alice);
            is $r->{status}, 405, "$m $path: 405";
            is $r->{json}{error}, 'rename_not_supported',
                'rename_not_supported';
            like $r->{headers}{allow} // '', qr/^(GET, HEAD, )?DELETE$/,
                'with Allow';
            is $s->call($m, $path, { name => 'x' }, $bob)->{status}, 404,
                "bob: $m $path: 404";
        }
    }
    is $s->call('PATCH', '/api/v1/devices/cam-01/folders/2026-11-01', {},
                $alice)->{status}, 404, 'a day without clips: 404';
    ok -f file_of($c->{recorded_at}), 'the file is where it was';
};

subtest 'coverage, for the device' => sub {
    # A run of whole minutes (the last one a little short), a gap, one more.
    $s->psql(q{INSERT INTO clips (device_id, recorded_at, duration_ms,
                   size_bytes, video_codec, width, height, path)
               SELECT 'cam-01', t, d, 1000, 'h264', 320, 240,
                      'cam-01/2026-11-20/' || to_char(t, 'HH24MISS') || '.mp4'
               FROM (VALUES ('2026-11-20 10:00:00+00'::timestamptz, 60000),
                            ('2026-11-20 10:01:00+00', 60000),
                            ('2026-11-20 10:02:00.300+00', 59000),
                            ('2026-11-20 10:05:00+00', 60000)) v(t, d)});
    my %auth = (headers => { Authorization => "Bearer $key" });
    my $cov = sub {
        my $r = $s->request('GET', "/ingest/v1/devices/cam-01/coverage?$_[0]",
                            %auth);
        return $r;
    };
    my $r = $cov->('from=2026-11-20T09:00:00Z&to=2026-11-20T11:00:00Z');
    is $r->{status}, 200, 'answers 200';
    my $j = $r->{json};
    is_deeply $j, { from => '2026-11-20T09:00:00.000Z',
                    to => '2026-11-20T11:00:00.000Z',
                    ranges => [ { from => '2026-11-20T10:00:00.000Z',
                                  to => '2026-11-20T10:02:59.300Z' },
                                { from => '2026-11-20T10:05:00.000Z',
                                  to => '2026-11-20T10:06:00.000Z' } ] },
        'clips that run on merge; a gap stays a gap';

    $r = $cov->('from=2026-11-20T19:00:30%2B09:00&to=2026-11-20T10:05:30Z');
    $j = $r->{json};
    is_deeply $j->{ranges},
        [ { from => '2026-11-20T10:00:30.000Z',
            to => '2026-11-20T10:02:59.300Z' },
          { from => '2026-11-20T10:05:00.000Z',
            to => '2026-11-20T10:05:30.000Z' } ],
        'clipped to the window, which may have an offset';

    $r = $cov->('from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z');
    is_deeply $r->{json}->{ranges},
        [], 'nothing held: no ranges';
    $r = $cov->('');
    is $r->{status}, 200, 'no window: the last 30 days';

    for my $q ('from=yesterday', 'from=2026-11-20T10:00:00',
               'from=2026-02-30T00:00:00Z',
               'from=2026-11-20T11:00:00Z&to=2026-11-20T10:00:00Z',
               'from=2026-09-01T00:00:00Z&to=2026-11-20T00:00:00Z',
               'to=2026-11-20T10:00:00Z%00') {
        $r = $cov->($q);
        is $r->{status}, 400, "$q: 400";
    }
    is $s->request('GET', '/ingest/v1/devices/cam-01/coverage')->{status},
        401, 'no key: 401';
    is $s->request('GET', '/ingest/v1/devices/cam-02/coverage', %auth)
        ->{status}, 401, "another device's coverage with this key: 401";
    $s->psql(q{DELETE FROM clips WHERE recorded_at >= '2026-11-20 00:00+00'
                                    AND recorded_at < '2026-11-21 00:00+00'});
};

subtest 'deleting a clip' => sub {
    my @clips = @{ get('/api/v1/devices/cam-01/folders/2026-11-25/clips')
                   ->{json}{clips} };
    my $c = $clips[0];
    my $file = file_of($c->{recorded_at});
    ok -f $file, 'the file is there';
    is $s->call('DELETE', "/api/v1/clips/$c->{clip_id}", undef, $bob)
        ->{status}, 404, 'bob: 404';
    ok -f $file, 'and the file stays';

    my $r = $s->call('DELETE', "/api/v1/clips/$c->{clip_id}", undef, $alice);
    is $r->{status}, 204, 'alice: 204';
    ok !-e $file, 'the file is gone';
    ok -d $s->var . '/storage/cam-01/2026-11-25',
        'its day folder stays while it holds clips';
    is get("/api/v1/clips/$c->{clip_id}")->{status}, 404, 'the clip: 404';
    is scalar @{ get('/api/v1/devices/cam-01/folders/2026-11-25/clips')
                 ->{json}{clips} }, @clips - 1, 'one clip fewer in the day';
    is $s->call('DELETE', "/api/v1/clips/$c->{clip_id}", undef, $alice)
        ->{status}, 404, 'deleting it again: 404';
    is $s->request('GET', "/api/v1/clips/$c->{clip_id}/download",
                   headers => { Authorization => "Bearer $alice" })
        ->{status}, 404, 'its download: 404';
};

subtest 'deleting a day' => sub {
    # In Seoul, the 24th holds one clip: 2026-11-24T10:00:00Z.
    my $file = file_of('2026-11-24T10:00:00Z');
    ok -f $file, 'the file is there';
    is $s->call('DELETE', '/api/v1/devices/cam-01/folders/2026-11-24', undef,
                $bob)->{status}, 404, 'bob: 404';
    ok -f $file, 'and the file stays';

    my $r = $s->call('DELETE', '/api/v1/devices/cam-01/folders/2026-11-24',
                     undef, $alice);
    is $r->{status}, 204, 'alice: 204';
    ok !-e $file, 'the file is gone';
    ok !-e $s->var . '/storage/cam-01/2026-11-24',
        'with its emptied day folder';
    is_deeply [ map { $_->{date} } @{ get('/api/v1/devices/cam-01/folders')
                                      ->{json}{folders} } ],
        [ '2026-11-26', '2026-11-25' ], 'the day is gone from the folders';
    is $s->call('DELETE', '/api/v1/devices/cam-01/folders/2026-11-24', undef,
                $alice)->{status}, 404, 'deleting it again: 404';
    is $s->call('DELETE', '/api/v1/devices/cam-01/folders/2026-13-01', undef,
                $alice)->{status}, 404, 'a malformed day: 404';
    my $d = get('/api/v1/devices/cam-01')->{json};
    is $d->{clip_count}, 3, "the device's totals follow";
};

$s->stop;
done_testing;
