# Playback (issue 6): signed HLS and DASH URLs of a day, a window or a
# clip; playlists from the clip rows; segments packaged on request from
# the stored clips.  Checked with ffmpeg and ffprobe as real players and
# tools, and against every kind of bad request and broken file.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Clips qw(make_minutes backfill wait_indexed);
use Blackbox::Stack;
use Digest::SHA qw(hmac_sha256_hex);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_LINGER);
use Test::More;
use Time::HiRes qw(sleep time);

my $s = Blackbox::Stack->start;
my $storage = $s->var . '/storage';
my $dir = tempdir(CLEANUP => 1);
my $alice = $s->user_token('alice');
my $bob = $s->user_token('bob');

my %key;
for (['cam-p', $alice], ['cam-b', $bob]) {
    my $r = $s->call('POST', '/api/v1/devices',
                     { device_id => $_->[0], nickname => 'Cam' }, $_->[1]);
    $key{$_->[0]} = $r->{json}{device_key};
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "$f: $!";
    local $/;
    return <$fh>;
}

sub run_quiet {
    my $out = `@_ 2>&1`;
    return ($? >> 8, $out);
}

# Three minutes of one recording cut into one-minute clips, and a later
# clip without audio.
make_minutes($dir, 3);
system(qw(ffmpeg -nostdin -loglevel error -y), '-f', 'lavfi',
       '-i', 'testsrc=size=320x240:rate=30:d=20',
       '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
       '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
       "$dir/later.mp4") == 0 or die 'ffmpeg failed';

sub put { my ($device, $at, $file) = @_;
          backfill($s, $device, $key{$device}, $at, $file) }

# 10:00, 10:01, 10:02 run on; 10:05 comes after a gap, without audio.
my @at = map { "2026-11-24T10:0${_}:00Z" } 0, 1, 2;
is put('cam-p', $at[$_], "$dir/clip$_.mp4")->{status}, 201, "clip $_ stored"
    for 0 .. 2;
is put('cam-p', '2026-11-24T10:05:00Z', "$dir/later.mp4")->{status}, 201,
    'a clip after a gap stored';
is put('cam-b', $at[0], "$dir/clip0.mp4")->{status}, 201, "bob's clip stored";

ok wait_indexed($s, 5), 'indexed';
my @ids = split /\n/, $s->psql(
    "SELECT clip_id FROM clips WHERE device_id = 'cam-p'"
  . ' ORDER BY recorded_at');
is scalar(@ids), 4, 'indexed with their segments';

sub path_of { my ($url) = @_; $url =~ m{^http://[^/]+(/.*)$} ? $1 : $url }

sub playback {
    my ($query, $token) = @_;
    return $s->call('GET', "/api/v1/devices/cam-p/playback?$query", undef,
                    $token // $alice);
}

my ($hls, $dash, $base);

subtest 'the playback URLs of a window' => sub {
    my $r = playback('from=2026-11-24T10:00:00Z&to=2026-11-24T10:03:00Z');
    is $r->{status}, 200, 'answers 200' or diag $r->{content};
    ($hls, $dash) = @{ $r->{json} }{qw(hls_url dash_url)};
    like $hls, qr{^http://127\.0\.0\.1:\d+/play/cam-p/\d+\.\d+\.\d+\.\d+\.[0-9a-f]{32}/index\.m3u8$},
        'an absolute HLS URL with the grant in its path';
    like $dash, qr{/manifest\.mpd$}, 'and a DASH one';
    like $r->{json}{expires_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
        'with its expiry';
    is_deeply [ @{ $r->{json} }{qw(from to)} ],
        [ '2026-11-24T10:00:00.000Z', '2026-11-24T10:03:00.000Z' ],
        'and its range';
    ($base = path_of($hls)) =~ s{/index\.m3u8$}{};
};

subtest 'HLS: the playlists' => sub {
    my $r = $s->get("$base/index.m3u8");
    is $r->{status}, 200, 'multivariant: 200';
    is $r->{headers}{'content-type'}, 'application/vnd.apple.mpegurl',
        'as an HLS playlist';
    like $r->{content}, qr/CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/,
        'with the codecs';
    like $r->{content}, qr/^media\.m3u8$/m, 'naming the media playlist';
    $r = $s->get("$base/media.m3u8");
    my $m = $r->{content};
    like $m, qr/#EXT-X-VERSION:7/, 'version 7';
    is scalar(() = $m =~ /#EXT-X-PROGRAM-DATE-TIME:/g), 3,
        'a wall-clock time on each of the three clips';
    like $m, qr/#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:01:00\.000Z/,
        'the second at 10:01';
    unlike $m, qr/DISCONTINUITY/, 'one continuous run';
    is scalar(() = $m =~ /#EXT-X-MAP:/g), 1, 'one init segment';
    like $m, qr/#EXT-X-ENDLIST/, 'ended: the range is in the past';
    like $r->{headers}{'cache-control'}, qr/max-age=30/, 'cached briefly';
};

# The md5 of each decoded video frame, with its pts.
sub frames {
    my ($input) = @_;
    my @lines = grep { !/^#/ } split /\n/,
        `ffmpeg -nostdin -loglevel error -i '$input' -map 0:v -f framemd5 - 2>/dev/null`;
    return map { [ (split /,\s*/)[2, 5] ] } @lines;
}

my @stored = map { frames("$storage/$_") } split /\n/, $s->psql(
    "SELECT path FROM clips WHERE device_id = 'cam-p'"
  . " AND recorded_at < '2026-11-24T10:03:00Z' ORDER BY recorded_at");

sub same_frames {
    my ($what, $url) = @_;
    my @got = frames($url);
    is scalar(@got), scalar(@stored), "$what: every frame ("
        . scalar(@stored) . ')';
    is_deeply [ map { $_->[1] } @got ], [ map { $_->[1] } @stored ],
        "$what: the stored clips' frames, in order";
    my @jumps = grep { $got[$_][0] - $got[$_ - 1][0] != $got[1][0] - $got[0][0] }
        1 .. $#got;
    is_deeply \@jumps, [], "$what: timestamps rise without a jump";
}

subtest 'HLS through ffmpeg: the three clips as one stream' => sub {
    same_frames('HLS', $hls);
};

subtest 'DASH through ffmpeg: the same' => sub {
    my $r = $s->get(path_of($dash));
    is $r->{status}, 200, 'the MPD: 200';
    is $r->{headers}{'content-type'}, 'application/dash+xml', 'as DASH';
    like $r->{content}, qr/availabilityStartTime="2026-11-24T10:00:00(\.000)?Z"/,
        'anchored to the wall clock';
    is scalar(() = $r->{content} =~ /<Period/g), 1, 'one period';
    same_frames('DASH', $dash);
};

my @segs = grep { /^seg\// } split /\n/, $s->get("$base/media.m3u8")->{content};

subtest 'every init and media segment passes ffprobe' => sub {
    my $init = $s->get("$base/init/$ids[0].mp4");
    is $init->{status}, 200, 'the init segment';
    my $bad = 0;
    for my $seg (@segs) {
        my $r = $s->get("$base/$seg");
        open my $fh, '>:raw', "$dir/probe.mp4" or die;
        print $fh $init->{content}, $r->{content};
        close $fh;
        my ($rc, $out) = run_quiet("ffprobe -v error -show_entries "
            . "stream=codec_name -of csv=p=0 $dir/probe.mp4");
        $bad++, diag "$seg: $out" if $r->{status} != 200 || $rc != 0
            || $out ne "h264\naac\n";
    }
    is $bad, 0, scalar(@segs) . ' HLS segments, each with video and audio';
    # Every DASH segment of the timeline, both tracks, each on its init.
    my $mpd = $s->get(path_of($dash))->{content};
    my ($timeline) = $mpd =~ m{<SegmentTimeline>(.*?)</SegmentTimeline>}s;
    my @times;
    while ($timeline =~ /<S t="(\d+)" d="(\d+)"(?: r="(\d+)")?/g) {
        push @times, map { $1 + $_ * $2 } 0 .. ($3 // 0);
    }
    my %want = (v => "h264\n", a => "aac\n");
    for my $kind (qw(v a)) {
        my $init = $s->get("$base/init/$ids[0]-$kind.mp4")->{content};
        my $wrong = 0;
        for my $t (@times) {
            my $m = $s->get("$base/run/$ids[0]/$t-$kind.m4s");
            open my $fh, '>:raw', "$dir/probe.mp4" or die;
            print $fh $init, $m->{content};
            close $fh;
            my ($rc, $out) = run_quiet("ffprobe -v error -show_entries "
                . "stream=codec_name -of csv=p=0 $dir/probe.mp4");
            $wrong++, diag "$kind $t: $m->{status} $out"
                if $m->{status} != 200 || $rc != 0 || $out ne $want{$kind};
        }
        is $wrong, 0, scalar(@times) . " DASH $kind segments, each one"
            . " track of its own";
    }
};

subtest 'segments: cached index, ETag, ranges, HEAD' => sub {
    my $url = "$base/$segs[1]";
    my $full = $s->get($url);
    like $full->{headers}{'x-index-cache'}, qr/^hit, index \d+ bytes$/,
        'the index came from the cache';
    like $full->{headers}{'cache-control'}, qr/immutable/, 'immutable';
    ok my $etag = $full->{headers}{etag}, 'with an ETag';
    is $s->get($url, headers => { 'If-None-Match' => $etag })->{status}, 304,
        'If-None-Match: 304';
    my $part = $s->get($url, headers => { Range => 'bytes=100-1099' });
    is $part->{status}, 206, 'a range: 206';
    is $part->{content}, substr($full->{content}, 100, 1000), 'those bytes';
    my $head = $s->request('HEAD', $url);
    is $head->{status}, 200, 'HEAD: 200';
    is $head->{headers}{'content-length'}, length $full->{content},
        'with the length';
    is length($head->{content} // ''), 0, 'and no body';
};

subtest 'a day, with a gap' => sub {
    my $r = playback('date=2026-11-24');
    is $r->{status}, 200, 'date=: 200';
    is $r->{json}{from}, '2026-11-24T00:00:00.000Z', 'the day in UTC';
    my $b = path_of($r->{json}{hls_url});
    $b =~ s{/index\.m3u8$}{};
    my $m = $s->get("$b/media.m3u8")->{content};
    is scalar(() = $m =~ /#EXT-X-PROGRAM-DATE-TIME:/g), 4, 'four clips';
    like $m, qr/# gap of 120\.\d{3} s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init\/$ids[3]\.mp4"/,
        'the gap marked, with the new init (no audio now)';
    my $mpd = $s->get(path_of($r->{json}{dash_url}))->{content};
    is scalar(() = $mpd =~ /<Period/g), 2, 'DASH: a period a run';
};

subtest 'one clip plays on its own' => sub {
    my $r = $s->call('GET', "/api/v1/clips/$ids[1]/playback", undef, $alice);
    is $r->{status}, 200, 'answers 200';
    is $r->{json}{from}, '2026-11-24T10:01:00.000Z', 'from its start';
    my $b = path_of($r->{json}{hls_url});
    $b =~ s{/index\.m3u8$}{};
    my $m = $s->get("$b/media.m3u8")->{content};
    is scalar(() = $m =~ /#EXT-X-PROGRAM-DATE-TIME:/g), 1, 'that clip only';
    is $s->call('GET', "/api/v1/clips/$ids[1]/playback", undef, $bob)
        ->{status}, 404, "bob asks for alice's clip: 404";
};

subtest 'a range without clips, and one still growing' => sub {
    my $r = playback('date=2026-11-20');
    my $b = path_of($r->{json}{hls_url});
    $b =~ s{/index\.m3u8$}{};
    my $m = $s->get("$b/media.m3u8");
    is $m->{status}, 200, 'an empty day: 200';
    like $m->{content}, qr/^#EXTM3U\n.*#EXT-X-ENDLIST\n\z/s,
        'a valid playlist, ended';
    unlike $m->{content}, qr/EXTINF/, 'with no segment';
    is $s->get(path_of($r->{json}{dash_url}))->{status}, 200, 'DASH too';
    $r = playback('from=2026-11-24T10:00:00Z&to=2099-01-01T00:00:00Z');
    is $r->{status}, 400, 'a window over 31 days: 400';
    my @now = gmtime;
    my $today = sprintf '%04d-%02d-%02d', $now[5] + 1900, $now[4] + 1, $now[3];
    $r = playback("date=$today");
    $b = path_of($r->{json}{hls_url});
    $b =~ s{/index\.m3u8$}{};
    $m = $s->get("$b/media.m3u8");
    like $m->{content}, qr/#EXT-X-PLAYLIST-TYPE:EVENT/, 'today: an EVENT list';
    unlike $m->{content}, qr/ENDLIST/, 'not ended';
    like $m->{headers}{'cache-control'}, qr/max-age=2\b/, 'short-lived';
};

subtest 'bad queries and other owners' => sub {
    for my $q ('', 'date=2026-13-01', 'date=x', 'from=2026-11-24T10:00:00Z',
               'from=2026-11-24T10:03:00Z&to=2026-11-24T10:00:00Z',
               'date=2026-11-24&from=2026-11-24T10:00:00Z') {
        my $r = playback($q);
        is "$r->{status} " . ($r->{json}{error} // ''), '400 invalid_query',
            "\"$q\": 400";
    }
    is playback('date=2026-11-24', $bob)->{status}, 404,
        "bob asks for alice's device: 404";
    is $s->call('GET', '/api/v1/devices/cam-p/playback?date=2026-11-24')
        ->{status}, 401, 'no token: 401';
};

my $jwt_key = slurp($s->var . '/secrets/jwt.key');

sub grant {
    my ($device, $uid, $from, $to, $exp) = @_;
    my $mac = substr hmac_sha256_hex(
        "blackbox playback grant\n$device\n$uid\n$from\n$to\n$exp", $jwt_key),
        0, 32;
    return "$uid.$from.$to.$exp.$mac";
}

subtest 'forged, expired and other devices\' grants' => sub {
    my ($g) = $base =~ m{/play/cam-p/([^/]+)$};
    my ($uid, $from, $to, $exp) = split /\./, $g;
    is grant('cam-p', $uid, $from, $to, $exp), $g,
        'the test signs grants as the server does';
    (my $forged = $g) =~ s/(.)$/$1 eq '0' ? '1' : '0'/e;
    my $r = $s->get("/play/cam-p/$forged/media.m3u8");
    is "$r->{status} $r->{json}{error}", '403 playback_forbidden',
        'a forged mac: 403';
    $r = $s->get('/play/cam-p/' . grant('cam-p', $uid, $from, $to, int(time) - 1)
                 . '/media.m3u8');
    is "$r->{status} $r->{json}{error}", '403 playback_expired',
        'expired: 403';
    (my $wider = $g) =~ s/^(\d+)\.\d+\./$1.0./;
    is $s->get("/play/cam-p/$wider/media.m3u8")->{status}, 403,
        'a wider range under the old mac: 403';
    $r = $s->get("/play/cam-b/$g/media.m3u8");
    is $r->{status}, 403, "alice's grant on bob's device: 403";
    $r = $s->get("/play/cam-b/$g/seg/$ids[0]/0.0.m4s");
    is $r->{status}, 403, 'its segments too';
    # a grant signed for bob's device naming alice as the user
    my $bob_id = $s->psql("SELECT user_id FROM devices WHERE device_id = 'cam-b'");
    chomp $bob_id;
    $r = $s->get('/play/cam-b/' . grant('cam-b', $uid, $from, $to, $exp)
                 . '/media.m3u8');
    is $r->{status}, 404, 'a grant naming a device its user does not hold: 404';
    my $bad = $s->get("/play/cam-p/$g/seg/$ids[0]/0.0.m4s");
    is $bad->{status}, 200, 'a clip of the grant: 200';
    my $other = $s->psql("SELECT clip_id FROM clips WHERE device_id = 'cam-b'");
    chomp $other;
    is $s->get("/play/cam-p/$g/seg/$other/0.0.m4s")->{status}, 404,
        "bob's clip through alice's grant: 404";
    # The clip at 10:05 cached through a grant of the whole day first.
    my $day = path_of(playback('date=2026-11-24')->{json}{hls_url});
    $day =~ s{/index\.m3u8$}{};
    is $s->get("$day/seg/$ids[3]/0.0.m4s")->{status}, 200,
        'the clip at 10:05 through a grant of its day';
    is $s->get("/play/cam-p/$g/seg/$ids[3]/0.0.m4s")->{status}, 404,
        'and through the grant of 10:00-10:03, cached or not: 404';
    is $s->get("/play/cam-p/$g/init/$other.mp4")->{status}, 404,
        'an init segment likewise';
};

# 38400 is 2.5 s at the clips' 15360 ticks a second: between two segments.
subtest 'segment numbers and names that name nothing' => sub {
    for my $name ("seg/$ids[0]/999.0.m4s", "seg/$ids[0]/-1.0.m4s",
                  "seg/$ids[0]/99999999999999999999.0.m4s",
                  "seg/$ids[0]/0.m4s", "seg/x/0.0.m4s", "seg/$ids[0]/0.0.mp4",
                  "run/$ids[0]/38400-v.m4s", "run/$ids[0]/0-x.m4s",
                  "init/$ids[3]-a.mp4", 'nothing.m3u8', '', 'init/.mp4') {
        my $r = $s->get("$base/$name");
        is $r->{status}, 404, "\"$name\": 404";
    }
    is $s->get('/play/cam-p')->{status}, 404, 'no grant: 404';
    is $s->request('POST', "$base/media.m3u8")->{status}, 405, 'POST: 405';
};

subtest 'broken clip files on disk' => sub {
    my ($path) = split /\n/, $s->psql(
        "SELECT path FROM clips WHERE clip_id = $ids[2]");
    my $file = "$storage/$path";
    my $whole = slurp($file);
    my @cases = (['truncated', substr($whole, 0, length($whole) / 2)],
                 ['zero-length', ''], ['garbage', 'x' x 5000]);
    for my $c (@cases) {
        open my $fh, '>:raw', $file or die;
        print $fh $c->[1];
        close $fh;
        my $r = $s->get("$base/seg/$ids[2]/0.0.m4s");
        is $r->{status}, 500, "$c->[0]: 500";
        like slurp($s->var . '/log/nginx-error.log'),
            qr/clip $ids[2] "[^"]+" cannot be played: \w/, "$c->[0]: logged";
    }
    open my $fh, '>:raw', $file or die;
    print $fh $whole;
    close $fh;
    is $s->get("$base/seg/$ids[2]/0.0.m4s")->{status}, 200, 'mended: 200';
};

subtest 'a clip replaced by a longer one is packaged anew' => sub {
    system(qw(ffmpeg -nostdin -loglevel error -y), '-f', 'lavfi',
           '-i', 'testsrc=size=320x240:rate=30:d=40',
           '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
           '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
           "$dir/longer.mp4") == 0 or die 'ffmpeg failed';
    my $day = path_of(playback('date=2026-11-24')->{json}{hls_url});
    $day =~ s{/index\.m3u8$}{};
    like $s->get("$day/seg/$ids[3]/0.0.m4s")->{headers}{'x-index-cache'},
        qr/^hit/, 'the 20 s clip is cached';
    is put('cam-p', '2026-11-24T10:05:00Z', "$dir/longer.mp4")->{status}, 201,
        'the device sends the whole 40 s';
    my $deadline = time + 20;
    sleep 0.2 while time < $deadline && $s->psql(
        "SELECT duration_ms FROM clips WHERE clip_id = $ids[3]") < 39000;
    my $r = $s->get("$day/seg/$ids[3]/0.0.m4s");
    like $r->{headers}{'x-index-cache'}, qr/^miss/,
        'the new file is indexed again';
    my $m = $s->get("$day/media.m3u8")->{content};
    my ($after) = $m =~ m{# gap[^\n]*\n(.*)}s;
    is scalar(() = $after =~ m{^seg/$ids[3]/}mg), 10,
        'its playlist lists the 40 s (ten segments)';
    is $s->get("$day/seg/$ids[3]/9.0.m4s")->{status}, 200,
        'and its last segment plays';
};

subtest 'thumbnails' => sub {
    my $r = $s->call('GET', "/api/v1/clips/$ids[0]/thumbnail.jpg", undef,
                     $alice);
    is $r->{status}, 200, 'answers 200';
    is $r->{headers}{'content-type'}, 'image/jpeg', 'a JPEG';
    open my $fh, '>:raw', "$dir/t.jpg" or die;
    print $fh $r->{content};
    close $fh;
    is `ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 $dir/t.jpg`,
        "mjpeg,320,240\n", '320 wide';
    my ($path) = split /\n/, $s->psql(
        "SELECT path FROM clips WHERE clip_id = $ids[0]");
    ok -f "$storage/$path.jpg", 'kept beside the clip';
    is $s->call('GET', "/api/v1/clips/$ids[0]/thumbnail.jpg", undef, $bob)
        ->{status}, 404, "bob: 404";
};

subtest 'thumbnails and downloads under the grant, for web pages' => sub {
    my $r = playback('from=2026-11-24T10:00:00Z&to=2026-11-24T10:03:00Z');
    my ($thumb, $down) = map { path_of($_) }
        @{ $r->{json} }{qw(thumbnail_url download_url)};
    (my $grant_base = path_of($r->{json}{hls_url})) =~ s{/index\.m3u8$}{};
    is $thumb, "$grant_base/clips/{clip_id}.jpg", 'a thumbnail URL template';
    is $down, "$grant_base/clips/{clip_id}.mp4", 'a download URL template';

    my $url = sub { my ($t, $id) = @_; (my $u = $t) =~ s/\{clip_id\}/$id/; $u };
    $r = $s->get($url->($thumb, $ids[1]));
    is $r->{status}, 200, 'a thumbnail, no header needed';
    is $r->{headers}{'content-type'}, 'image/jpeg', '  a JPEG';
    is substr($r->{content}, 0, 2), "\xff\xd8", '  that starts as one';

    $r = $s->get($url->($down, $ids[1]));
    is $r->{status}, 200, 'a download, no header needed';
    is $r->{headers}{'content-type'}, 'video/mp4', '  an MP4';
    is $r->{headers}{'content-disposition'},
        'attachment; filename="cam-p_2026-11-24_100100.mp4"',
        '  saved under its device and time';
    is length $r->{content}, -s "$storage/" . (split /\n/, $s->psql(
        "SELECT path FROM clips WHERE clip_id = $ids[1]"))[0],
        '  the whole stored file';
    $r = $s->get($url->($down, $ids[1]), headers => { Range => 'bytes=0-7' });
    is $r->{status}, 206, '  with byte ranges';

    is $s->get($url->($down, $ids[3]))->{status}, 404,
        'a clip outside the grant\'s range: 404';
    my ($other) = split /\n/, $s->psql(
        "SELECT clip_id FROM clips WHERE device_id = 'cam-b'");
    is $s->get($url->($thumb, $other))->{status}, 404,
        "bob's clip through alice's grant: 404";
    (my $forged = $down) =~ s{\.([0-9a-f])([0-9a-f]{31})/}
                             {'.' . ($1 eq '0' ? '1' : '0') . "$2/"}e;
    is $s->get($url->($forged, $ids[1]))->{status}, 403, 'a forged grant: 403';
    for my $name ("clips/$ids[1].png", "clips/$ids[1]", "clips/x$ids[1].mp4",
                  "clips/$ids[1].mp4/x", 'clips/.mp4',
                  'clips/1234567890123456789.mp4')
    {
        is $s->get("$grant_base/$name")->{status}, 404, "$name: 404";
    }
};

subtest 'a clip deleted between playlist and segment' => sub {
    my ($path) = split /\n/, $s->psql(
        "SELECT path FROM clips WHERE clip_id = $ids[0]");
    is $s->call('DELETE', "/api/v1/clips/$ids[0]", undef, $alice)->{status},
        204, 'deleted';
    ok !-e "$storage/$path.jpg", 'its thumbnail with it';
    is $s->get("$base/$segs[0]")->{status}, 404, 'its segment: 404';
    is $s->get("$base/init/$ids[0].mp4")->{status}, 404, 'its init: 404';
    my $m = $s->get("$base/media.m3u8")->{content};
    is scalar(() = $m =~ /#EXT-X-PROGRAM-DATE-TIME:/g), 2,
        'gone from the playlist';
};

# A browser reloading its player drops requests whose answer is still
# being worked out in the thread pool.  The hang-up wakes the connection's
# write event: it must not run the request's handler a second time (a
# second job, an answer sent twice, a request freed under the first job:
# nginx crashed with signal 11 this way).
subtest 'clients that hang up while their call runs' => sub {
    my $port = $s->{http_port};
    my %paths = (
        'a playback answer' => '/api/v1/devices/cam-p/playback?date=2026-11-24',
        'an account call (access job, then content job)' => '/api/v1/me',
        'a playlist' => "$base/media.m3u8",
        'a segment' => "$base/" . (grep { m{^seg/$ids[1]/} } @segs)[0],
        'a thumbnail' => "$base/clips/$ids[1].jpg",
    );
    for my $what (sort keys %paths) {
        for (1 .. 60) {
            my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
                or die "connect: $!";
            print $sock "GET $paths{$what} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      . "Authorization: Bearer $alice\r\n\r\n";
            # As a browser drops a request: a reset, not a polite close,
            # at some moment of the few milliseconds the call takes.
            sleep 0.001 * ($_ % 8);
            setsockopt($sock, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
            close $sock;
        }
        sleep 0.3;
        is $s->call('GET', $paths{$what}, undef, $alice)->{status}, 200,
            "after 60 hang-ups on $what, it still answers";
    }

    my @alarms = grep { /signal|header already sent|alert/ } $s->log_alarms;
    is_deeply \@alarms, [], 'no worker crashed, nothing answered twice'
        or diag @alarms;
};

subtest 'no grant in the access log' => sub {
    my $log = slurp($s->var . '/log/nginx-access.log');
    like $log, qr{GET /play/cam-p/\d+\.\d+\.\d+\.\d+\.-/media\.m3u8}, 'logged, mac blanked';
    unlike $log, qr/[0-9a-f]{32}/, 'no mac anywhere';
};

$s->stop;
done_testing;
