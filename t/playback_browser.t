# Playback in a real browser (issue 6): hls.js and dash.js in headless
# Chromium open a three-clip day from the playback URLs, seek to 55 s and
# play past the 60 s clip boundary without a stall, a jump or an error,
# and the wall clock of the frame (PROGRAM-DATE-TIME, the MPD's anchor)
# runs on from 10:00:55 into 10:01.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Browser;
use Blackbox::Clips qw(make_minutes backfill wait_indexed);
use Blackbox::Stack;
use File::Temp qw(tempdir);
use Test::More;

Blackbox::Browser::require_or_skip();

my $s = Blackbox::Stack->start;
my $dir = tempdir(CLEANUP => 1);
my $alice = $s->user_token('alice');
my $key = $s->call('POST', '/api/v1/devices',
                   { device_id => 'cam-web', nickname => 'Web' },
                   $alice)->{json}{device_key};

my @clips = make_minutes($dir, 3);
is backfill($s, 'cam-web', $key, "2026-11-24T10:0${_}:00Z", $clips[$_])
       ->{status}, 201, "clip $_ stored" for 0 .. 2;
ok wait_indexed($s, 3), 'indexed';

my $r = $s->call('GET', '/api/v1/devices/cam-web/playback?date=2026-11-24',
                 undef, $alice);
is $r->{status}, 200, 'the playback URLs';

# ISO 8601 to Unix seconds (UTC, fraction kept).
sub epoch {
    my ($iso) = @_;
    my ($y, $mo, $d, $h, $mi, $sec) =
        ($iso // '') =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):([\d.]+)Z$/ or return;
    require Time::Local;
    return Time::Local::timegm(0, $mi, $h, $d, $mo - 1, $y) + $sec;
}

my $boundary = epoch('2026-11-24T10:01:00Z');
for my $kind (qw(hls dash)) {
    subtest "$kind: seek to 55 s, play past the clip boundary" => sub {
        my $p = Blackbox::Browser::play(
            page => $s->url('/'), kind => $kind,
            src => $r->{json}{$kind eq 'hls' ? 'hls_url' : 'dash_url'},
            seek => 55, until => 63,
            shots => $s->var . '/../screenshots');
        ok $p->{ok}, 'played to 63 s without a stall, jump or error'
            or diag explain $p->{errors}, $p->{stderr};
        my $at = epoch($p->{wallclock_at_until});
        ok defined $at && abs($at - ($boundary + 3)) < 1.5,
            "the frame's wall clock at 63 s is 10:01:03"
            or diag "got " . ($p->{wallclock_at_until} // 'none');
        my $first = epoch($p->{wallclock_first});
        ok defined $first && $first < $boundary && $at > $boundary,
            'and it ran on from before 10:01 to after'
            or diag "first " . ($p->{wallclock_first} // 'none');
    };
}

$s->stop;
done_testing;
