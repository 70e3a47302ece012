# Impact events (issue 8): a dashcam reports a crash; the clip covering it
# and the one after are marked, whichever arrives first, the event or the
# clips; day folders count them; bad times, bad keys and floods are refused.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Test::More;

my $s = Blackbox::Stack->start;
my $alice = $s->user_token('alice');
my $bob = $s->user_token('bob');
my %key;
for (['cam-e', $alice], ['cam-f', $alice], ['cam-bob', $bob]) {
    $key{$_->[0]} = $s->call('POST', '/api/v1/devices',
        { device_id => $_->[0], nickname => 'Cam' }, $_->[1])
        ->{json}{device_key};
}

my $dir = tempdir(CLEANUP => 1);
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc=size=320x240:rate=30:d=2', '-c:v', 'libx264',
       '-movflags', '+faststart', "$dir/c.mp4") == 0 or die;
my $clip = do { local (@ARGV, $/) = "$dir/c.mp4"; binmode ARGV; <> };

# Yesterday, UTC: well inside the footage kept.
my $day = strftime('%Y-%m-%d', gmtime(time - 86400));
sub at { "${day}T$_[0]Z" }

sub store {
    my ($device, $time) = @_;
    my $r = $s->request('PUT',
        "/ingest/v1/devices/$device/clips/" . at($time) . '.mp4',
        headers => { Authorization => "Bearer $key{$device}" },
        content => $clip);
    return $r->{status};
}

sub event {
    my ($device, $body, $key) = @_;
    return $s->call('POST', "/ingest/v1/devices/$device/events", $body,
                    $key // $key{$device});
}

# The day's clips of a device as "HH:MM:SS=0|1", once all are indexed.
sub marks {
    my ($device, $n) = @_;
    my $r;
    for (1 .. 100) {
        $r = $s->call('GET', "/api/v1/devices/$device/folders/$day/clips",
                      undef, $alice);
        last if @{ $r->{json}{clips} || [] } >= $n;
        select undef, undef, undef, 0.2;
    }
    return join ' ', map { substr($_->{recorded_at}, 11, 8) . '='
                           . ($_->{event} ? 1 : 0) } @{ $r->{json}{clips} };
}

subtest 'an event marks the clip that covers it and the next one' => sub {
    is store('cam-e', $_), 201, "clip at $_ stored"
        for '10:00:00', '10:01:00', '10:02:00';
    is marks('cam-e', 3), '10:00:00=0 10:01:00=0 10:02:00=0',
        'no event yet';

    my $r = event('cam-e', { type => 'impact', at => at('10:00:01'),
                             g => 2.5 });
    is $r->{status}, 202, 'reported: 202' or diag $r->{content};
    is_deeply $r->{json}, { device_id => 'cam-e', type => 'impact',
                            at => at('10:00:01.000'), g => 2.5 },
        'echoing what was recorded';
    is marks('cam-e', 3), '10:00:00=1 10:01:00=1 10:02:00=0',
        'the clip covering it and the one after are events';

    my ($folder) = grep { $_->{date} eq $day } @{ $s->call('GET',
        '/api/v1/devices/cam-e/folders', undef, $alice)->{json}{folders} };
    is $folder->{event_count}, 2, 'the day counts 2 event clips';
    is $s->call('GET', '/api/v1/clips/' . $s->psql(
            "SELECT clip_id FROM clips WHERE device_id = 'cam-e'"
          . ' ORDER BY recorded_at LIMIT 1') =~ s/\s+//gr, undef, $alice)
        ->{json}{event}, JSON::PP::true(), 'one clip says so too';
};

subtest 'an event before its clips: they are marked as they arrive' => sub {
    is event('cam-e', { type => 'impact', at => at('11:00:01') })->{status},
        202, 'reported before any clip of that time';
    is store('cam-e', '11:01:00'), 201, 'the clip after it arrives first';
    is marks('cam-e', 4), '10:00:00=1 10:01:00=1 10:02:00=0 11:01:00=1',
        'the first clip after the event is marked (the one covering it '
        . 'is missing)';
    is store('cam-e', '11:00:00'), 201, 'then the clip covering it';
    is store('cam-e', '11:02:00'), 201, 'and one more';
    is marks('cam-e', 6), '10:00:00=1 10:01:00=1 10:02:00=0 '
        . '11:00:00=1 11:01:00=1 11:02:00=0',
        'the same marks as had the clips come first';
};

subtest 'an event in a gap marks the next clip within two minutes' => sub {
    is store('cam-f', $_), 201, "clip at $_ stored"
        for '12:00:00', '12:03:00', '12:10:00';
    is event('cam-f', { type => 'impact', at => at('12:01:30') })->{status},
        202, 'an event where nothing was recorded';
    is event('cam-f', { type => 'impact', at => at('12:05:00') })->{status},
        202, 'and one five minutes before the next clip';
    is marks('cam-f', 3), '12:00:00=0 12:03:00=1 12:10:00=0',
        'only the clip 90 s after is marked';
};

subtest 'bad events are refused' => sub {
    my $now = time;
    my $iso = sub { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) };
    my @cases = (
        [ 'an hour ahead', { type => 'impact', at => $iso->($now + 3600) },
          400, 'invalid_event_time' ],
        [ '40 days ago', { type => 'impact', at => $iso->($now - 40 * 86400) },
          400, 'invalid_event_time' ],
        [ 'another type', { type => 'crash', at => at('10:00:00') },
          400, 'invalid_fields' ],
        [ 'no time', { type => 'impact' }, 400, 'invalid_fields' ],
        [ 'a time that is no time', { type => 'impact', at => 'yesterday' },
          400, 'invalid_fields' ],
        [ 'g negative', { type => 'impact', at => at('10:00:00'), g => -1 },
          400, 'invalid_fields' ],
        [ 'g a string', { type => 'impact', at => at('10:00:00'), g => '3' },
          400, 'invalid_fields' ],
        [ 'g huge', { type => 'impact', at => at('10:00:00'), g => 1e9 },
          400, 'invalid_fields' ],
        [ 'an unknown field',
          { type => 'impact', at => at('10:00:00'), speed => 80 },
          400, 'invalid_fields' ],
    );
    for my $c (@cases) {
        my ($name, $body, $status, $error) = @$c;
        my $r = event('cam-f', $body);
        is "$r->{status} " . ($r->{json}{error} // ''), "$status $error",
            "$name: $status $error";
    }
    my $r = event('cam-f', '{"type":"impact",');
    is $r->{status}, 400, 'broken JSON: 400';
    is event('cam-f', { type => 'impact', at => at('10:00:00') }, 'f' x 32)
        ->{status}, 401, 'a wrong key: 401';
    is event('cam-bob', { type => 'impact', at => at('10:00:00') },
             $key{'cam-f'})->{status}, 401, "bob's device with alice's key: 401";
    is event('no-such-cam', { type => 'impact', at => at('10:00:00') },
             $key{'cam-f'})->{status}, 404, 'an unknown device: 404';
    is $s->psql("SELECT count(*) FROM device_events WHERE device_id <> 'cam-e'"
              . " AND device_id <> 'cam-f' OR at > now()") =~ s/\s+//gr, 0,
        'nothing recorded for any of them';
};

subtest 'a flood of events meets 429' => sub {
    my @status = map {
        event('cam-bob', { type => 'impact', at => at('09:00:00') })->{status}
    } 1 .. 12;
    is_deeply [ @status[0 .. 9] ], [ (202) x 10 ], 'ten a minute are taken';
    is $status[10], 429, 'the eleventh: 429';
    my $r = event('cam-bob', { type => 'impact', at => at('09:00:00') });
    ok $r->{headers}{'retry-after'} > 0, 'with Retry-After';
    is event('cam-f', { type => 'impact', at => at('09:00:00') })->{status},
        202, 'another device is not held back';
};

done_testing;
