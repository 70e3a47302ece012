# Retention (issue 8): clips older than the window are deleted for good by
# the worker (row, file, thumbnail, emptied folders), never a second early,
# once each with two workers, finishing what a killed worker left; orphan
# files are reported and removed.  Time is moved by configuration: the
# window is set so that its edge passes a midnight in Seoul during the test.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use POSIX qw(floor strftime);
use Test::More;
use Time::HiRes qw(sleep time);

# Seoul's last midnight at least two hours ago, and a window whose edge
# is 30 s before it now: a clip 60 s before that midnight is expired from
# the start, one 40 s after it expires 70 s into the test.
my $t0 = time;
my $midnight = floor(($t0 - 7200 + 9 * 3600) / 86400) * 86400 - 9 * 3600;
my $window = int($t0) - $midnight + 30;

my $s = Blackbox::Stack->start(retention => "${window}s");
my $storage = $s->var . '/storage';
my $alice = $s->user_token('alice');
my $key = $s->call('POST', '/api/v1/devices',
                   { device_id => 'cam-r', nickname => 'R' }, $alice)
          ->{json}{device_key};
$s->call('PATCH', '/api/v1/devices/cam-r', { time_zone => 'Asia/Seoul' },
         $alice);

my $dir = tempdir(CLEANUP => 1);
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc=size=320x240:rate=30:d=2', '-c:v', 'libx264',
       '-movflags', '+faststart', "$dir/c.mp4") == 0 or die;
my $clip = do { local (@ARGV, $/) = "$dir/c.mp4"; binmode ARGV; <> };

sub iso { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }
sub sql { my $v = $s->psql($_[0]); $v =~ s/\s+$//; $v }

sub store {
    my ($at) = @_;
    return $s->request('PUT', "/ingest/v1/devices/cam-r/clips/$at.mp4",
        headers => { Authorization => "Bearer $key" }, content => $clip)
        ->{status};
}

sub wait_for {
    my ($cond, $seconds) = @_;
    my $deadline = time + $seconds;
    sleep 0.2 until $cond->() || time > $deadline;
    return $cond->();
}

my ($old, $young) = (iso($midnight - 60), iso($midnight + 40));
my $old_day = strftime('%Y-%m-%d', gmtime($midnight - 60 + 9 * 3600));
my $young_day = strftime('%Y-%m-%d', gmtime($midnight + 40 + 9 * 3600));

subtest 'the edge of the window, to the second, across a day in Seoul' => sub {
    isnt $old_day, $young_day, "the two clips are on two days in Seoul "
        . "($old_day, $young_day)";
    is store($old), 201, "a clip 60 s before Seoul's midnight";
    is store($young), 201, 'and one 40 s after it';

    ok wait_for(sub { sql("SELECT count(*) FROM clips WHERE recorded_at = '$old'") == 0 }, 30),
        'the expired clip is deleted';
    my $seen_young = 0;
    my $early = 0;
    my $deadline = time + 120;
    # One statement: the database's clock and whether the clip is there.
    while (time < $deadline) {
        my ($is_young, $exists) = split /\|/, sql(
            "SELECT now() < '$young'::timestamptz + interval '$window seconds',"
          . " EXISTS (SELECT 1 FROM clips WHERE recorded_at = '$young')");
        $seen_young ||= $is_young eq 't' && $exists eq 't';
        $early ||= $is_young eq 't' && $exists eq 'f';
        last if $exists eq 'f';
        sleep 0.2;
    }
    ok $seen_young, 'the younger clip is kept while younger than the window';
    ok !$early, 'and never deleted a moment before it is as old';
    is sql("SELECT count(*) FROM clips WHERE recorded_at = '$young'"), 0,
        'then deleted too, within a pass of crossing the edge';
};

subtest 'a worker whose clock is 40 days ahead deletes nothing early' => sub {
    $s->stop_service('worker');
    my $when = iso(int(time) - 300);
    is store($when), 201, 'a clip of five minutes ago';
    $s->start_extra_worker(faketime => '+40d');
    ok wait_for(sub { sql("SELECT count(*) FROM clips WHERE recorded_at = '$when'") == 1 }, 20),
        'indexed by it';
    sleep 12;    # more than a pass, and the reconciliation at its start
    is sql("SELECT count(*) FROM clips WHERE recorded_at = '$when'"), 1,
        'still there: the window is measured by the database\'s clock';
    my $ahead = strftime('%Y-%m-%d', gmtime(time + 40 * 86400));
    my $log = join '', map { local (@ARGV, $/) = $_; <> }
              glob($s->var . '/log/worker[0-9]*.log');
    like $log, qr/^\Q$ahead\ET.* worker: started/m,
        'though that worker does live 40 days ahead';
    $s->stop_extra_workers;
    $s->start_service('worker');
};

subtest 'files, thumbnails and folders go with the rows' => sub {
    my $when = iso(int(time) - 600);
    is store($when), 201, 'a recent clip';
    ok wait_for(sub { sql("SELECT count(*) FROM clips WHERE recorded_at = '$when'") == 1 }, 20),
        'indexed';
    my ($id, $path) = split /\|/, sql(
        "SELECT clip_id, path FROM clips WHERE recorded_at = '$when'");
    is $s->call('GET', "/api/v1/clips/$id/thumbnail.jpg", undef, $alice)
        ->{status}, 200, 'with a thumbnail';
    ok -f "$storage/$path.jpg", '  kept beside it';
    ok !-d "$storage/cam-r/" . substr($old, 0, 10) . '/'
        || substr($old, 0, 10) eq substr($when, 0, 10),
        'the expired clips\' day folder is gone';
    my @days = map { $_->{date} } @{ $s->call('GET',
        '/api/v1/devices/cam-r/folders', undef, $alice)->{json}{folders} };
    ok !(grep { $_ eq $old_day } @days), 'the expired day is no folder';

    # Now a window of a minute: a restart of every daemon is a change of
    # configuration as a person would make it.
    $s->{retention} = '60s';
    $s->stack('down');
    $s->stack('up');
    ok wait_for(sub { !-e "$storage/$path" }, 30), 'the clip file goes';
    ok !-e "$storage/$path.jpg", 'its thumbnail too';
    ok !-d "$storage/cam-r", 'and the emptied day and device folders';
    is sql("SELECT count(*) FROM clip_slots WHERE device_id = 'cam-r'"), 0,
        'no totals left behind';
    is $s->call('GET', "/api/v1/clips/$id/download", undef, $alice)
        ->{status}, 404, 'no download';
    is $s->call('GET', '/api/v1/devices/cam-r', undef, $alice)
        ->{json}{clip_count}, 0, 'the device counts no clip';
};

# Rows and tiny files made directly, 70 days old: a backlog.
sub backlog {
    my ($device, $n) = @_;
    my $base = int(time) - 70 * 86400;
    for my $i (0 .. $n - 1) {
        my $t = $base + 60 * $i;
        my $rel = "$device/" . strftime('%Y-%m-%d/%H%M%S', gmtime($t))
                  . '.mp4';
        make_path("$storage/" . ($rel =~ s{/[^/]+$}{}r));
        open my $fh, '>', "$storage/$rel" or die "$rel: $!";
        print $fh 'x';
        close $fh;
    }
    chmod 0777, $storage;
    system('chmod', '-R', 'a+rwX', "$storage/$device");
    sql("INSERT INTO clips (device_id, recorded_at, duration_ms, size_bytes,"
      . " video_codec, width, height, path)"
      . " SELECT '$device', to_timestamp($base + 60 * i), 60000, 1,"
      . "        'h264', 320, 240,"
      . "        '$device/' || to_char(to_timestamp($base + 60 * i)"
      . "        AT TIME ZONE 'UTC', 'YYYY-MM-DD/HH24MISS') || '.mp4'"
      . " FROM generate_series(0, $n - 1) i");
}

sub deleted_in_logs {
    my $n = 0;
    for my $log (glob($s->var . '/log/worker*.log')) {
        open my $fh, '<', $log or next;
        /retention deleted (\d+) clips/ and $n += $1 while <$fh>;
    }
    return $n;
}

subtest 'a backlog, two workers: each clip deleted once' => sub {
    $s->call('POST', '/api/v1/devices', { device_id => 'cam-b', nickname => 'B' },
             $alice);
    my $before = deleted_in_logs();
    $s->stop_service('worker');
    backlog('cam-b', 1500);
    is sql("SELECT count(*) FROM clips WHERE device_id = 'cam-b'"), 1500,
        '1500 expired clips';
    $s->start_service('worker');
    $s->start_extra_worker;
    ok wait_for(sub { sql("SELECT count(*) FROM clips WHERE device_id = 'cam-b'") == 0
                      && sql('SELECT count(*) FROM doomed_files') == 0 }, 60),
        'all deleted, no file left listed';
    is deleted_in_logs() - $before, 1500, 'each once, between both workers';
    ok !-d "$storage/cam-b", 'every file and folder gone';
    $s->stop_extra_workers;
};

subtest 'a killed worker\'s leftovers are finished; a missing file is no error' => sub {
    $s->call('POST', '/api/v1/devices', { device_id => 'cam-k', nickname => 'K' },
             $alice);
    $s->stop_service('worker');
    backlog('cam-k', 3);
    # As if killed between the statement and the files: rows gone, files
    # listed; and one file already missing.
    sql("WITH gone AS (DELETE FROM clips WHERE device_id = 'cam-k'"
      . " RETURNING device_id, recorded_at, path)"
      . " INSERT INTO doomed_files (path, device_id, recorded_at)"
      . " SELECT path, device_id, recorded_at FROM gone");
    my @paths = split /\n/, sql('SELECT path FROM doomed_files ORDER BY path');
    is scalar(@paths), 3, 'three files listed';
    unlink "$storage/$paths[0]";
    $s->start_service('worker');
    ok wait_for(sub { sql('SELECT count(*) FROM doomed_files') == 0 }, 30),
        'the next worker removes the rest';
    ok !-e "$storage/$_", "$_ gone" for @paths;
};

subtest 'orphan files: old ones removed, young ones indexed, none lost' => sub {
    my $hours_ago = time - 2 * 3600;
    my $put = sub {
        my ($rel, $bytes) = @_;
        make_path("$storage/" . ($rel =~ s{/[^/]+$}{}r));
        open my $fh, '>:raw', "$storage/$rel" or die "$rel: $!";
        print $fh $bytes;
        close $fh;
        utime $hours_ago, $hours_ago, "$storage/$rel";
    };
    my $day = strftime('%Y-%m-%d', gmtime(time - 3 * 86400));
    my $now = int(time) - 20;
    my $young = 'cam-r/' . strftime('%Y-%m-%d/%H%M%S', gmtime($now)) . '.mp4';
    $put->("cam-r/$day/101010.mp4", 'x');
    $put->("cam-r/$day/101010.mp4.jpg", 'x');
    $put->("cam-r/$day/111111.mp4.jpg", 'x');
    $put->("cam-gone/$day/101010.mp4", 'x');
    $put->($young, $clip);
    $put->("cam-r/$day/121212.mp4", 'x');
    utime undef, undef, "$storage/cam-r/$day/121212.mp4";
    system('chmod', '-R', 'a+rwX', "$storage/cam-r", "$storage/cam-gone");

    $s->stop_service('worker');
    $s->start_service('worker');    # a pass at start
    ok wait_for(sub { !-e "$storage/cam-r/$day/101010.mp4" }, 30),
        'an orphan older than the window is removed';
    ok !-e "$storage/cam-r/$day/101010.mp4.jpg", '  with its thumbnail';
    ok !-e "$storage/cam-r/$day/111111.mp4.jpg", 'a thumbnail without clip too';
    ok !-d "$storage/cam-gone", 'a folder of no device goes';
    ok -e "$storage/cam-r/$day/121212.mp4",
        'a file of the last minutes may be a clip on its way: kept';
    ok wait_for(sub { sql("SELECT count(*) FROM clips WHERE path = '$young'") == 1 }, 30),
        'a young orphan (acknowledged, never indexed) is indexed, not lost';
    my $log = do { local (@ARGV, $/) = $s->var . '/log/worker.log'; <> };
    like $log, qr{orphan file "cam-r/$day/101010\.mp4" \(no clip row, older than the window\): removed},
        'each reported';
    like $log, qr{orphan file "\Q$young\E" \(no clip row\): announced},
        '  the young one as announced again';
};

$s->stop;
done_testing;
