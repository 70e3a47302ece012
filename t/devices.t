# Devices: registration with a key shown once, the owner's view with
# heartbeat status, nickname and time zone, deletion, and the device's own
# heartbeat call; everyone else's devices answer 404.

use strict;
use warnings;
use utf8;

use lib 't/lib';
use Blackbox::Stack;
use Test::More;
use Time::HiRes qw(sleep);

binmode Test::More->builder->$_, ':utf8'
    for qw(output failure_output todo_output);

my $s = Blackbox::Stack->start(online_window => '3s');
my $alice = $s->user_token('alice');
my $bob = $s->user_token('bob');

sub call { $s->call(@_) }

sub beat {
    my ($id, $key) = @_;
    return call('POST', "/ingest/v1/devices/$id/heartbeat", undef, $key);
}

my $key;

subtest 'register' => sub {
    my $r = call('POST', '/api/v1/devices',
                 { device_id => 'cam-01', nickname => 'Front 앞' }, $alice);
    is $r->{status}, 201, 'registered: 201';
    $key = $r->{json}{device_key};
    like $key, qr/^[0-9a-f]{32}$/, 'a device key, shown this once';
    is $r->{json}{srt_url},
        "srt://127.0.0.1:$s->{srt_port}?streamid=#!::u=cam-01,m=publish"
        . "&passphrase=$key", 'and the SRT URL the dashcam calls with it';
    is $r->{json}{device_id}, 'cam-01', 'device_id';
    is $r->{json}{nickname}, 'Front 앞', 'nickname, UTF-8 kept';
    is $r->{json}{status}, 'never_seen', 'never seen';
    is $r->{json}{last_seen_at}, undef, 'no last_seen_at';
    ok !$r->{json}{live}, 'not live';
    is $r->{json}{clip_count}, 0, 'no clips';
    is $r->{json}{time_zone}, 'UTC', 'UTC by default';

    $r = call('GET', '/api/v1/devices/cam-01', undef, $alice);
    is $r->{status}, 200, 'detail: 200';
    ok !exists $r->{json}{device_key}, 'the key is never shown again';
    unlike $r->{content}, qr/\Q$key\E/, 'anywhere';
    is scalar(() = $s->psql("SELECT * FROM devices") =~ /\Q$key\E/g), 0,
        'nor stored in the database';

    $r = call('POST', '/api/v1/devices',
              { device_id => 'cam-01', nickname => 'Mine now' }, $bob);
    is $r->{status}, 409, 'another account cannot take it: 409';
    is $r->{json}{error}, 'device_taken', 'device_taken';
    is call('POST', '/api/v1/devices',
            { device_id => 'cam-01', nickname => 'Again' }, $alice)->{status},
        409, 'nor can its owner register it twice';

    is call('POST', '/api/v1/devices',
            { device_id => 'cam-02', nickname => 'Rear' }, $alice)->{status},
        201, 'a second device';
    $r = call('GET', '/api/v1/devices', undef, $alice);
    is_deeply [ map { $_->{device_id} } @{ $r->{json}{devices} } ],
        [ 'cam-01', 'cam-02' ], 'listed in the order they were added';
    is_deeply call('GET', '/api/v1/devices', undef, $bob)->{json},
        { devices => [] }, 'bob sees none of them';
};

subtest 'bad registrations' => sub {
    for my $id ('ab', 'x' x 65, '../etc', 'a b', 'cam/01', "cam\x{430}", '') {
        my $r = call('POST', '/api/v1/devices',
                     { device_id => $id, nickname => 'n' }, $alice);
        is $r->{status}, 400, "device_id '$id': 400";
        ok $r->{json}{fields}{device_id}, 'names the field';
    }
    my $r = call('POST', '/api/v1/devices',
                 { device_id => 'cam-09', nickname => 'x' x 65 }, $alice);
    is $r->{status}, 400, 'a 65-character nickname: 400';
    $r = call('POST', '/api/v1/devices',
              { device_id => 'cam-09', nickname => "tab\there" }, $alice);
    is $r->{status}, 400, 'a control character: 400';
    $r = call('POST', '/api/v1/devices', { device_id => 'cam-09' }, $alice);
    is $r->{status}, 400, 'no nickname: 400';
    is call('POST', '/api/v1/devices',
            { device_id => 'cam-09', nickname => 'n' })->{status}, 401,
        'no token: 401';
};

subtest 'heartbeats' => sub {
    is beat('cam-01', $key)->{status}, 204, 'a heartbeat: 204';
    my $r = call('GET', '/api/v1/devices/cam-01', undef, $alice);
    is $r->{json}{status}, 'online', 'online';
    like $r->{json}{last_seen_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
        'last_seen_at';
    like $s->psql("SELECT last_seen_at IS NOT NULL FROM devices"
                . " WHERE device_id = 'cam-01'"), qr/^t/,
        'saved to PostgreSQL too';

    my $bad = beat('cam-01', 'f' x 32);
    is $bad->{status}, 401, 'a wrong key: 401';
    is $bad->{json}{error}, 'invalid_device_key', 'invalid_device_key';
    is beat('cam-01', $key . 'x')->{status}, 401, 'a longer key: 401';
    is beat('cam-01', undef)->{json}{error}, 'invalid_device_key',
        'no key: a device error, not an owner\'s';
    is beat('nope-99', $key)->{status}, 404, 'an unknown device: 404';
    is beat('ab', $key)->{status}, 404, 'a malformed id: 404';
    is call('POST', '/ingest/v1/devices/cam-01/heartbeat', undef,
            $alice)->{status}, 401, 'an owner token is no device key';

    sleep 4;
    $r = call('GET', '/api/v1/devices/cam-01', undef, $alice);
    is $r->{json}{status}, 'offline', 'offline once the window passed';
    is call('GET', '/api/v1/devices/cam-02', undef, $alice)->{json}{status},
        'never_seen', 'the other was never seen';
};

subtest 'nickname and time zone' => sub {
    my $r = call('PATCH', '/api/v1/devices/cam-01',
                 { nickname => 'Windscreen' }, $alice);
    is $r->{status}, 200, 'rename: 200';
    is $r->{json}{nickname}, 'Windscreen', 'renamed';
    $r = call('PATCH', '/api/v1/devices/cam-01',
              { time_zone => 'Asia/Seoul' }, $alice);
    is $r->{json}{time_zone}, 'Asia/Seoul', 'a time zone';
    is $r->{json}{nickname}, 'Windscreen', 'the name kept';
    for my $c ([ { time_zone => 'Mars/Olympus' }, 'unknown zone' ],
               [ { time_zone => "Asia/Seoul'; --" }, 'SQL in the zone' ],
               [ { device_id => 'x' }, 'another field' ],
               [ {}, 'nothing to change' ]) {
        my ($body, $name) = @$c;
        $r = call('PATCH', '/api/v1/devices/cam-01', $body, $alice);
        is $r->{status}, 400, "$name: 400";
        is $r->{json}{error}, 'invalid_fields', "$name: invalid_fields";
    }
};

subtest "someone else's device is not found" => sub {
    for my $c ([ 'GET', '/api/v1/devices/cam-01', undef ],
               [ 'PATCH', '/api/v1/devices/cam-01', { nickname => 'x' } ],
               [ 'DELETE', '/api/v1/devices/cam-01', undef ],
               [ 'GET', '/api/v1/devices/no-such', undef ]) {
        my ($method, $path, $body) = @$c;
        my $r = call($method, $path, $body, $bob);
        is $r->{status}, 404, "bob: $method $path: 404";
        is $r->{json}{error}, 'not_found', 'not_found';
    }
    is call('GET', '/api/v1/devices/cam-01', undef, $alice)->{json}{nickname},
        'Windscreen', 'untouched';
};

subtest 'delete and register again' => sub {
    is call('DELETE', '/api/v1/devices/cam-01', undef, $alice)->{status},
        204, 'delete: 204';
    is call('GET', '/api/v1/devices/cam-01', undef, $alice)->{status}, 404,
        'gone';
    is call('DELETE', '/api/v1/devices/cam-01', undef, $alice)->{status},
        404, 'deleting twice: 404';
    is beat('cam-01', $key)->{status}, 404, 'its key no longer works';
    my $r = call('POST', '/api/v1/devices',
                 { device_id => 'cam-01', nickname => 'Reborn' }, $bob);
    is $r->{status}, 201, 'another account may register it now';
    isnt $r->{json}{device_key}, $key, 'with a new key';
    is $r->{json}{status}, 'never_seen', 'and no past';
    is beat('cam-01', $key)->{status}, 401, 'the old key is refused';
    is beat('cam-01', $r->{json}{device_key})->{status}, 204, 'the new works';
};

subtest 'Redis down: device calls fail closed' => sub {
    $s->stop_service('redis');
    my $r = call('POST', '/api/v1/devices',
                 { device_id => 'cam-07', nickname => 'Side' }, $alice);
    # Tokens are checked against Redis: no owner call passes without it.
    is $r->{status}, 503, 'owner calls fail closed';
    is $s->start_service('redis'), 0, 'Redis back';
    $r = call('GET', '/api/v1/devices/cam-01', undef, $bob);
    is $r->{status}, 200, 'and they answer again';
};

$s->stop;
done_testing;
