# GET /api/v1/health: names each dependency that is down, and never holds up
# the rest of nginx while it waits for one.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use IO::Select;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(time sleep);

# One nginx worker: a health check blocking the event loop would then stall
# the static request below, and the test would see it.
my $s = Blackbox::Stack->new(node_timeout => '5s');
{
    local $ENV{BB_NGINX_WORKERS} = 1;
    $s->start;
}

sub health { $s->get('/api/v1/health') }

sub health_is {
    my ($want, $name) = @_;
    $s->get_until('/api/v1/health', sub { $_[0]{status} == $want }, 20);
}

sub down_checks {
    my ($r) = @_;
    my $checks = $r->{json}{checks} || {};
    return join ',', sort grep { $checks->{$_}{status} ne 'ok' } keys %$checks;
}

subtest 'all up' => sub {
    my $r = health();
    is $r->{status}, 200, '200 when everything is up';
    like $r->{headers}{'content-type'}, qr{^application/json}, 'JSON';
    is $r->{headers}{'cache-control'}, 'no-store', 'never cached';
    is $r->{json}{status}, 'ok', 'status ok';
    is down_checks($r), '', 'every check ok';
    is $r->{json}{checks}{ingest}{nodes}, 1, 'one live ingest';
    is $r->{json}{checks}{worker}{nodes}, 1, 'one live worker';
    cmp_ok $r->{json}{checks}{storage}{free_bytes}, '>', 0, 'free bytes';
    unlike $r->{content}, qr/password|host=/, 'no connection details';

    is $s->request('HEAD', '/api/v1/health')->{status}, 200, 'HEAD';
};

subtest 'methods and other paths' => sub {
    my $r = $s->request('POST', '/api/v1/health', content => '{}');
    is $r->{status}, 405, 'POST is 405';
    is $r->{headers}{allow}, 'GET, HEAD', 'with Allow';
    is $r->{json}{error}, 'method_not_allowed', 'and an error code';
    ok length $r->{json}{message}, 'and a message';

    $r = $s->get('/api/v1/no-such-thing');
    is $r->{status}, 404, 'unknown API path is 404';
    is $r->{json}{error}, 'not_found', 'in the error shape';

    $r = $s->get('/');
    is $r->{status}, 200, 'the web app is served';
    like $r->{content}, qr/blackbox/, 'its page';
    my $csp = $r->{headers}{'content-security-policy'} // '';
    like $csp, qr/(?:^|; )script-src 'self'(?:;|$)/,
        'a Content-Security-Policy: scripts of its own origin only';
    like $csp, qr/(?:^|; )default-src 'self'(?:;|$)/, '  nothing else by default';
    unlike $csp, qr/unsafe-inline|unsafe-eval|\*/, '  no inline or eval, no wildcard';
    like $csp, qr/frame-ancestors 'none'/, '  not framed by others';
    is $s->get('/devices/cam-1')->{headers}{'content-security-policy'}, $csp,
        '  the same on every page of the app';
};

subtest 'PostgreSQL stopped' => sub {
    $s->stop_service('postgres');
    my $t0 = time;
    my $r = health();
    my $took = time - $t0;
    is $r->{status}, 503, 'answers 503';
    is $r->{json}{error}, 'service_unavailable', 'error code';
    is down_checks($r), 'postgres', 'names postgres only';
    is $r->{json}{checks}{postgres}{reason}, 'unreachable', 'reason';
    like $r->{json}{message}, qr/postgres/, 'message names it';
    cmp_ok $took, '<', 10, 'answers within a bounded time';
    is $s->get('/')->{status}, 200, 'static files still served';

    is $s->start_service('postgres'), 0, 'postgres restarted';
    is health_is(200)->{status}, 200, 'healthy again';
};

subtest 'PostgreSQL stalled: the event loop goes on' => sub {
    # A stopped (SIGSTOP) server accepts TCP connections but never answers:
    # the worst case, where only our own deadline ends the wait.
    $s->signal_service('postgres', 'STOP');

    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $s->{http_port}, Timeout => 5,
    ) or die "connect: $!";
    my $t0 = time;
    print $sock "GET /api/v1/health HTTP/1.0\r\nHost: localhost\r\n\r\n";
    sleep 0.3;    # let nginx hand the check to its thread pool

    my $static = $s->get('/app.css');
    is $static->{status}, 200, 'a static file answers while health waits';
    ok(!IO::Select->new($sock)->can_read(0),
        'health was still waiting on the database meanwhile');

    ok(IO::Select->new($sock)->can_read(15), 'health answers in the end');
    my $answer = do { local $/; <$sock> };
    my $took = time - $t0;
    like $answer, qr{^HTTP/1\.1 503 }, 'answers 503';
    like $answer, qr/"postgres":\{"status":"down","reason":"timeout"\}/,
        'postgres timed out';
    cmp_ok $took, '<', 12, 'within a bounded time';

    $s->signal_service('postgres', 'CONT');
    is health_is(200)->{status}, 200, 'healthy again once it wakes';
};

subtest 'Redis stopped' => sub {
    $s->stop_service('redis');
    my $r = health();
    is $r->{status}, 503, 'answers 503';
    is down_checks($r), 'ingest,redis,worker',
        'names redis, and cannot vouch for the daemons';
    is $r->{json}{checks}{redis}{reason}, 'unreachable', 'reason';
    is $r->{json}{checks}{ingest}{reason}, 'unknown', 'daemons unknown';
    is $s->get('/app.css')->{status}, 200, 'static files still served';

    is $s->start_service('redis'), 0, 'redis restarted';
    is health_is(200)->{status}, 200, 'healthy again when daemons beat';
};

subtest 'Redis stalled' => sub {
    $s->signal_service('redis', 'STOP');
    my $t0 = time;
    my $r = health();
    cmp_ok time - $t0, '<', 10, 'answers within a bounded time';
    is $r->{status}, 503, 'answers 503';
    like down_checks($r), qr/redis/, 'names redis';
    $s->signal_service('redis', 'CONT');
    is health_is(200)->{status}, 200, 'healthy again';
};

subtest 'ingest stopped, worker crashed' => sub {
    $s->stop_service('ingest');
    my $r = health();
    is $r->{status}, 503, 'a cleanly stopped ingest is missed at once';
    is down_checks($r), 'ingest', 'names the ingest';
    is $r->{json}{checks}{ingest}{reason}, 'no_live_node', 'reason';
    is $s->start_service('ingest'), 0, 'ingest restarted';
    is health_is(200)->{status}, 200, 'healthy again';

    $s->signal_service('worker', 'KILL');
    $r = health_is(503);
    is $r->{status}, 503, 'a killed worker is missed after node_timeout';
    is down_checks($r), 'worker', 'names the worker';
    is $s->start_service('worker'), 0, 'worker restarted';
    is health_is(200)->{status}, 200, 'healthy again';
};

subtest 'storage gone' => sub {
    my $storage = $s->var . '/storage';
    rename $storage, "$storage.away" or die "rename: $!";
    my $r = health();
    is $r->{status}, 503, 'answers 503';
    is down_checks($r), 'storage', 'names storage';
    is $r->{json}{checks}{storage}{reason}, 'missing', 'reason';
    rename "$storage.away", $storage or die "rename: $!";
    is health()->{status}, 200, 'healthy again';
};

$s->stop;
done_testing;
