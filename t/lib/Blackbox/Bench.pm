package Blackbox::Bench;

# What the benchmarks share: wrk with its figures read back, medians, the
# CPU time of processes, and the playback benchmark's clips: ten 1080p
# minutes back-filled for a device, and wrk cycling over their segments.

use strict;
use warnings;

use Exporter 'import';
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);
use Time::Local qw(timegm);
our @EXPORT_OK = qw(wrk median cpu_ticks bench_media bench_clips
                    playback_base cycle_args);

sub ms {
    my ($v, $unit) = @_;
    return $v / 1000 if $unit eq 'us';
    return $v if $unit eq 'ms';
    return $v * 1000 if $unit eq 's';
    return $v * 60000 if $unit eq 'm';
    die "bench: unknown unit $unit\n";
}

# Runs wrk for $opt{seconds} on $opt{conns} connections with @{$opt{args}}
# (headers, -s script, the URL); dies on any error answer or socket error,
# unless $opt{allow_errors}: then counts them in {errors}.
# Returns { rps, p50, p99 (ms), requests, mbps (MB/s received), errors }.
sub wrk {
    my (%opt) = @_;
    my $threads = $opt{conns} < 2 ? 1 : 2;
    my $out = `wrk -t$threads -c$opt{conns} -d$opt{seconds}s --latency @{ $opt{args} } 2>&1`;
    my %r;
    ($r{rps}) = $out =~ /Requests\/sec:\s+([\d.]+)/
        or die "bench: wrk said:\n$out";
    ($r{requests}) = $out =~ /(\d+) requests in/;
    my ($v, $unit) = $out =~ /Transfer\/sec:\s+([\d.]+)(\w+)/;
    $r{mbps} = $v * { B => 1e-6, KB => 1024 / 1e6, MB => 1024**2 / 1e6,
                      GB => 1024**3 / 1e6 }->{$unit};
    for my $q (50, 99) {
        $out =~ /^\s+$q%\s+([\d.]+)(us|ms|s|m)\s*$/m
            or die "bench: no $q% in:\n$out";
        $r{"p$q"} = ms($1, $2);
    }
    my ($non2xx) = $out =~ /Non-2xx or 3xx responses:\s+(\d+)/;
    my ($errors) = $out =~ /Socket errors:\s+(.*)/;
    if ($opt{allow_errors}) {
        $r{errors} = ($non2xx // 0);
        $r{errors} += $_ for ($errors // '') =~ /(\d+)/g;
        $r{error_text} = join '; ', grep { defined }
            $non2xx ? "$non2xx non-2xx answers" : undef,
            $errors ? "socket errors: $errors" : undef;
        return \%r;
    }
    die "bench: $non2xx answers were errors:\n$out" if $non2xx;
    die "bench: socket errors ($errors):\n$out" if $errors;
    $r{errors} = 0;
    return \%r;
}

sub median { my @v = sort { $a <=> $b } @_; $v[$#v / 2] }

# user + sys of the processes, in clock ticks.
sub cpu_ticks {
    my $t = 0;
    for my $pid (@_) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my @f = split ' ', (<$fh> =~ s/^.*\) //r);
        $t += $f[11] + $f[12];
    }
    return $t;
}

# The playback benchmark's media: ten one-minute 1080p30 H.264 + AAC clips
# at about 6 Mbit/s with 2 s GOPs, made once with ffmpeg and kept in
# build/bench-media/.  Returns their files, in order.
my $MEDIA = 'build/bench-media';
my $CLIPS = 10;

sub bench_media {
    make_path("$MEDIA/new");
    unless (-f "$MEDIA/clip" . ($CLIPS - 1) . '.mp4') {
        print "making ten 1080p30 minutes with ffmpeg"
            . " (once, some 3 minutes)\n";
        system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y',
               '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30',
               '-f', 'lavfi', '-i', 'sine=frequency=440',
               '-t', 60 * $CLIPS, '-vf', 'noise=alls=12:allf=t',
               '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '6M',
               '-maxrate', '6M', '-bufsize', '6M', '-g', '60',
               '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt',
               'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-f', 'segment',
               '-segment_time', '60', '-reset_timestamps', '1',
               '-segment_format_options', 'movflags=+faststart',
               "$MEDIA/new/clip%d.mp4") == 0 or die "bench: ffmpeg failed\n";
        rename "$MEDIA/new/clip$_.mp4", "$MEDIA/clip$_.mp4"
            for 0 .. $CLIPS - 1;
    }
    return map { "$MEDIA/clip$_.mp4" } 0 .. $CLIPS - 1;
}

# The path of the playback URLs of a device's range (the query of
# GET /api/v1/devices/{id}/playback), less index.m3u8.
sub playback_base {
    my ($s, $token, $device, $query) = @_;
    my $r = $s->call('GET', "/api/v1/devices/$device/playback?$query",
                     undef, $token);
    $r->{status} == 200 or die "bench: playback: $r->{content}\n";
    my ($base) = $r->{json}{hls_url} =~ m{^http://[^/]+(/.*)/index\.m3u8$};
    return $base;
}

# Registers $device for $token and back-fills the bench media as ten
# minutes of it from $start ("YYYY-MM-DDTHH:MM:00Z"), waits until the
# worker has indexed them, and returns the paths of the HLS fMP4 segments
# of the ten minutes, in order (".../seg/<clip_id>/...").
sub bench_clips {
    my ($s, $token, $device, $start) = @_;
    my @files = bench_media();
    my $r = $s->call('POST', '/api/v1/devices',
                     { device_id => $device, nickname => 'bench' }, $token);
    my $key = $r->{json}{device_key}
        or die "bench: cannot register $device: $r->{status}\n";
    my ($y, $mo, $d, $h, $mi) =
        $start =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):00Z$/
        or die "bench: bad start $start\n";
    my $t0 = timegm(0, $mi, $h, $d, $mo - 1, $y);
    my $iso = sub { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) };
    for my $i (0 .. $#files) {
        open my $fh, '<:raw', $files[$i] or die "bench: $!\n";
        my $body = do { local $/; <$fh> };
        $r = $s->request('PUT', "/ingest/v1/devices/$device/clips/"
                                . $iso->($t0 + 60 * $i) . '.mp4',
                         headers => { Authorization => "Bearer $key",
                                      'Content-Type' => 'video/mp4' },
                         content => $body);
        $r->{status} == 201 or die "bench: back-fill: $r->{status}"
                                 . " $r->{content}\n";
    }
    my $deadline = time + 60;
    sleep 0.2 while time < $deadline && $s->psql(
        "SELECT count(*) FROM clips WHERE device_id = '$device'"
      . ' AND segment_ticks IS NOT NULL') < @files;
    my $base = playback_base($s, $token, $device,
                             'from=' . $iso->($t0) . '&to='
                             . $iso->($t0 + 60 * @files));
    my @segs = grep { /^seg\// } split /\n/,
        $s->get("$base/media.m3u8")->{content};
    @segs >= @files or die "bench: only " . @segs . " segments\n";
    return map { "$base/$_" } @segs;
}

# wrk arguments (a Lua script) that make each request the next line of
# @list, "path|range" (range optional: a Range header), from a random
# line on.  The files live in a temporary folder until the process ends.
my ($CYCLE_DIR, $CYCLES);

sub cycle_args {
    my (@list) = @_;
    $CYCLE_DIR //= tempdir(CLEANUP => 1);
    my $n = ++$CYCLES;
    open my $fh, '>', "$CYCLE_DIR/list$n" or die "bench: $CYCLE_DIR: $!\n";
    print $fh map { /\|/ ? "$_\n" : "$_|\n" } @list;
    close $fh;
    open my $lua, '>', "$CYCLE_DIR/cycle$n.lua" or die;
    print $lua <<"LUA";
-- Every request the next line of the list: "path|range" (range optional).
local list = {}
for line in io.lines("$CYCLE_DIR/list$n") do
    local path, range = line:match("^([^|]*)|(.*)\$")
    list[#list + 1] = { path, range }
end
local i = math.random(#list) - 1
request = function()
    i = i % #list + 1
    local h = {}
    if list[i][2] ~= "" then h["Range"] = list[i][2] end
    return wrk.format("GET", list[i][1], h)
end
LUA
    close $lua;
    return ('-s', "$CYCLE_DIR/cycle$n.lua");
}

1;
