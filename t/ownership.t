# Nothing of anyone else's: every call of the route table that names a
# device, folder or clip is made by bob against alice's, and each answers
# 404 (an owner's call) or 401 (a device call with another device's key),
# and leaves alice's rows and files as they were.  A route added to the
# table is in this matrix without anyone remembering to add it.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Routes qw(routes);
use Blackbox::Stack;
use Digest::SHA;
use File::Find;
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(sleep time);

my $s = Blackbox::Stack->start;
my $alice = $s->user_token('alice');
my $bob = $s->user_token('bob');
my $alice_key = $s->call('POST', '/api/v1/devices',
                         { device_id => 'cam-a', nickname => 'Alice' },
                         $alice)->{json}{device_key};
my $bob_key = $s->call('POST', '/api/v1/devices',
                       { device_id => 'cam-b', nickname => 'Bob' },
                       $bob)->{json}{device_key};

my $dir = tempdir(CLEANUP => 1);
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc=size=320x240:rate=30:d=2', '-c:v', 'libx264',
       '-movflags', '+faststart', "$dir/c.mp4") == 0 or die;
my $clip = do { local (@ARGV, $/) = "$dir/c.mp4"; binmode ARGV; <> };

for my $t ('2026-11-25T04:03:00Z', '2026-11-25T04:04:00Z') {
    my $r = $s->request('PUT', "/ingest/v1/devices/cam-a/clips/$t.mp4",
        headers => { Authorization => "Bearer $alice_key",
                     'Content-Type' => 'video/mp4' }, content => $clip);
    $r->{status} == 201 or die "back-fill of $t: $r->{status}";
}
my $deadline = time + 20;
sleep 0.2 while time < $deadline
    && $s->psql('SELECT count(*) FROM clips') !~ /^2$/m;
my ($clip_id) = $s->psql('SELECT min(clip_id) FROM clips') =~ /(\d+)/;

# What alice has, rows and files, to see that none of it changes.
sub alice_state {
    my $rows = $s->psql(q{SELECT d.device_id, d.nickname, d.time_zone,
                                 c.clip_id, c.recorded_at, c.size_bytes
                          FROM devices d LEFT JOIN clips c USING (device_id)
                          WHERE d.device_id = 'cam-a' ORDER BY c.clip_id});
    my @files;
    find(sub {
             return unless -f;
             open my $fh, '<:raw', $_ or die "$File::Find::name: $!";
             push @files, "$File::Find::name "
                          . Digest::SHA->new(256)->addfile($fh)->hexdigest;
         }, $s->var . '/storage/cam-a');
    return join "\n", $rows, sort @files;
}
my $before = alice_state();
like $before, qr/cam-a.*cam-a.*040300\.mp4.*040400\.mp4/s,
    'alice has a device, two clips and their files';

# alice's values for each path parameter.
my %value = (device_id => 'cam-a', date => '2026-11-25', clip_id => $clip_id,
             recorded_at => '2026-11-25T04:05:00Z.mp4');

# A query each call that needs one would accept from alice.
my %query = ('/api/v1/devices/*/playback' => '?date=2026-11-25');

# A body each kind of call would accept from alice.
my %body = (1 => { content => '{"nickname":"mine now"}',
                   type => 'application/json' },
            2 => { content => $clip, type => 'video/mp4' });

my $calls = 0;
for my $route (routes()) {
    next unless @{ $route->{params} };
    my $path = $route->{route};
    for my $name (@{ $route->{params} }) {
        defined $value{$name} or die "no value for {$name} in the matrix";
        $path =~ s/\*/$value{$name}/;
    }
    $path .= $query{ $route->{route} } // '';
    my $device = $route->{auth} eq 'D';
    my $method = uc $route->{method};
    my %headers = (Authorization => 'Bearer ' . ($device ? $bob_key : $bob));
    my %content;
    if (my $b = $body{ $route->{body} }) {
        $headers{'Content-Type'} = $b->{type};
        %content = (content => $b->{content});
    }
    my $r = $s->request($method, $path, headers => \%headers, %content);
    my $want = $device ? 401 : 404;
    is $r->{status}, $want, "bob: $method $path: $want";
    is $r->{json}{error}, $device ? 'invalid_device_key' : 'not_found',
        '  with its error code';
    unlike $r->{content}, qr/cam-a|mine now|040300/,
        '  and nothing of alice in it' if $r->{status} != 401;
    $calls++;
    if ($method eq 'GET') {
        $r = $s->request('HEAD', $path, headers => \%headers);
        is $r->{status}, $want, "bob: HEAD $path: $want";
        $calls++;
    }
}
cmp_ok $calls, '>=', 14, "the matrix covers every call that names a thing ($calls)";

# Give the clip queue a moment, in case anything was wrongly queued.
sleep 1;
is alice_state(), $before, "alice's rows and files are untouched";
is $s->psql(q{SELECT count(*) FROM clips WHERE device_id = 'cam-b'}), "0\n",
    "and nothing of bob's was made from alice's paths";

$s->stop;
done_testing;
