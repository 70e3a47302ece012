package Blackbox::Bench;

# What the benchmarks share: wrk with its figures read back, medians, and
# the CPU time of processes.

use strict;
use warnings;

use Exporter 'import';
our @EXPORT_OK = qw(wrk median cpu_ticks);

sub ms {
    my ($v, $unit) = @_;
    return $v / 1000 if $unit eq 'us';
    return $v if $unit eq 'ms';
    return $v * 1000 if $unit eq 's';
    return $v * 60000 if $unit eq 'm';
    die "bench: unknown unit $unit\n";
}

# Runs wrk for $opt{seconds} on $opt{conns} connections with @{$opt{args}}
# (headers, -s script, the URL); dies on any error answer or socket error.
# Returns { rps, p50, p99 (ms), requests, mbps (MB/s received) }.
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
    die "bench: $non2xx answers were errors:\n$out" if $non2xx;
    my ($errors) = $out =~ /Socket errors:\s+(.*)/;
    die "bench: socket errors ($errors):\n$out" if $errors;
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

1;
