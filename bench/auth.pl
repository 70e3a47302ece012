# make bench: the cost of an authenticated API call.
#
# GET /api/v1/me with a valid token (HS256 check on the event loop, the
# Redis revocation look-up and the PostgreSQL read in the thread pool)
# against nginx's own `return 204` in the same nginx, same run, same load
# generator.  Reported as a ratio, since absolute figures only describe
# this machine.  Rounds alternate, and each figure is the median of its
# rounds, so that drift on the machine touches both sides alike.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Bench qw(median);
use Blackbox::Stack;

my $ROUNDS   = $ENV{BENCH_ROUNDS}   || 3;
my $SECONDS  = $ENV{BENCH_SECONDS}  || 8;
my $CONNS    = $ENV{BENCH_CONNS}    || 32;

system('command -v wrk >/dev/null') == 0
    or die "bench: wrk is missing: run scripts/install-deps.sh\n";

my $s;
{
    local $ENV{BB_BENCH} = 1;
    $s = Blackbox::Stack->start;
}

my $email = 'bench@example.com';
my $password = 'a bench password';
$s->call('POST', '/api/v1/auth/signup',
         { email => $email, username => 'bench', password => $password });
$s->call('POST', '/api/v1/auth/verify-email',
         { username => 'bench', code => $s->code_for($email, 1) });
my $r = $s->call('POST', '/api/v1/auth/login',
                 { username => 'bench', password => $password });
$r = $s->call('POST', '/api/v1/auth/login/verify',
              { challenge_id => $r->{json}{challenge_id},
                code => $s->code_for($email, 2) });
my $token = $r->{json}{access_token} or die "bench: no token: $r->{content}\n";

sub wrk {
    my $r = Blackbox::Bench::wrk(conns => $CONNS, seconds => $SECONDS,
                                 args => \@_);
    return ($r->{rps}, sprintf '%.2fms', $r->{p99});
}

my (%rps, %p99);
my %url = (
    empty => [ $s->url('/bench/empty') ],
    me    => [ '-H', "'Authorization: Bearer $token'", $s->url('/api/v1/me') ],
);

for my $round (1 .. $ROUNDS) {
    for my $what (qw(empty me)) {
        my ($rps, $p99) = wrk(@{ $url{$what} });
        push @{ $rps{$what} }, $rps;
        push @{ $p99{$what} }, $p99;
        printf "round %d %-5s %10.0f req/s  p99 %s\n", $round, $what, $rps,
            $p99;
    }
}

my $me = median(@{ $rps{me} });
my $empty = median(@{ $rps{empty} });
printf "\nauth: GET /api/v1/me %.0f req/s, return 204 %.0f req/s, "
     . "ratio %.3f (%d connections, %d x %ds rounds)\n",
       $me, $empty, $me / $empty, $CONNS, $ROUNDS, $SECONDS;

my @alarms = $s->log_alarms;
$s->stop(quiet => 1);
die "bench: the logs hold alarms:\n@alarms" if @alarms;
