# scripts/stack, behind `make run` and `make stop`: starting, refusing a
# second start, ports in use, secrets, migrations, and stopping everything,
# also when interrupted half-way.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(sleep time);

my @SERVICES = qw(postgres redis mailsink ingest worker nginx);

sub nothing_running {
    my ($s) = @_;
    my @alive = grep {
        my $pid = $s->pid($_);
        $pid && kill(0, $pid) && !zombie($pid)
    } @SERVICES;
    return !@alive ? 1 : do { diag "still running: @alive"; 0 };
}

sub zombie {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return 1;
    return <$fh> =~ /^\d+ \(.*\) Z/;
}

sub processes_of {
    my ($s) = @_;
    my $var = $s->var;
    return grep { /\Q$var\E/ } `ps -eo pid,args`;
}

subtest 'start, a second start, stop' => sub {
    my $s = Blackbox::Stack->start;
    is $s->get('/api/v1/health')->{status}, 200, 'healthy after start';

    my ($rc, $out) = $s->stack('up');
    isnt $rc, 0, 'a second start fails';
    like $out, qr/already running/, 'and says so';
    is $s->get('/api/v1/health')->{status}, 200, 'the first one runs on';

    my $key = $s->var . '/secrets/jwt.key';
    is -s $key, 32, 'a 256-bit JWT key was made';
    is +((stat $key)[2] & 07777), 0600, 'readable by its owner only';
    my $pg = $s->var . '/secrets/postgres.password';
    is +((stat $pg)[2] & 07777), 0600, 'so is the database password';
    unlike join('', map { `cat $_` } glob($s->var . '/log/*.log')),
        qr/\Q@{[`cat $pg`]}\E/, 'no log holds the database password';

    my $key_bytes = do { local (@ARGV, $/) = $key; <> };
    $s->stop;
    ok nothing_running($s), 'every process stopped';
    is scalar(processes_of($s)), 0, 'no process of this stack is left';

    $s->start;
    is $s->get('/api/v1/health')->{status}, 200, 'starts again on its data';
    is do { local (@ARGV, $/) = $key; <> }, $key_bytes, 'same JWT key';
    $s->stop;
};

subtest 'migrations run twice change nothing' => sub {
    my $s = Blackbox::Stack->start;
    my %env = (
        BB_HOST => '127.0.0.1', BB_PG_PORT => $s->{pg_port},
        PGPASSWORD => scalar `cat ${\ $s->var}/secrets/postgres.password`,
    );
    local @ENV{keys %env} = values %env;
    my $psql = "psql -X -tA -h 127.0.0.1 -p $s->{pg_port} -U blackbox blackbox";
    my $before = `$psql -c 'SELECT version, applied_at FROM schema_migrations ORDER BY 1'`;
    like $before, qr/^001_users\|/m, 'the first migration is recorded';

    my $out = `$Blackbox::Stack::ROOT/scripts/migrate 2>&1`;
    is $?, 0, 'migrate runs again without error' or diag $out;
    is $out, '', 'and applies nothing';
    is `$psql -c 'SELECT version, applied_at FROM schema_migrations ORDER BY 1'`,
        $before, 'the record is unchanged';
    $s->stop;
};

subtest 'ports in use' => sub {
    my $busy = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1,
    ) or die $!;
    my $s = Blackbox::Stack->new(http_port => $busy->sockport);
    my ($rc, $out) = $s->stack('up');
    isnt $rc, 0, 'the HTTP port in use: start fails';
    like $out, qr/port ${\ $busy->sockport} \(tcp\), wanted by nginx/,
        'naming the port and the process';
    ok nothing_running($s), 'nothing started is left running';
    is scalar(processes_of($s)), 0, 'no process of this stack is left';

    my $udp = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'udp',
    ) or die $!;
    $s = Blackbox::Stack->new(srt_port => $udp->sockport);
    ($rc, $out) = $s->stack('up');
    isnt $rc, 0, 'the SRT port in use: start fails';
    like $out, qr/port ${\ $udp->sockport} \(udp\), wanted by the SRT ingest/,
        'naming the port and the process';
    ok nothing_running($s), 'nothing started is left running';

    $s = Blackbox::Stack->new(pg_port => $busy->sockport);
    ($rc, $out) = $s->stack('up');
    isnt $rc, 0, 'the PostgreSQL port in use: start fails';
    like $out, qr/wanted by PostgreSQL.*BB_PG_PORT/s, 'names it and the knob';
};

# `make run`: in the foreground until Ctrl-C or `make stop`.
sub run_in_background {
    my ($s) = @_;
    my %env = $s->env;
    my $log = $s->var . '/run.out';
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        # As in a terminal: a shell cannot trap a signal ignored on entry,
        # and a test runner may well have started us ignoring SIGINT.
        $SIG{INT} = 'DEFAULT';
        @ENV{keys %env} = values %env;
        open STDOUT, '>', $log or die;
        open STDERR, '>&', \*STDOUT or die;
        exec "$Blackbox::Stack::ROOT/scripts/stack", 'run' or die;
    }
    return ($pid, $log);
}

sub wait_for_file_text {
    my ($file, $re, $seconds) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        my $text = -e $file ? do { local (@ARGV, $/) = $file; <> } : '';
        return 1 if $text =~ $re;
        sleep 0.05;
    }
    return 0;
}

sub reaped_within {
    my ($pid, $seconds) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        return $? >> 8 if waitpid($pid, 1) == $pid;    # WNOHANG
        sleep 0.1;
    }
    return undef;
}

subtest 'run in the foreground, stopped by make stop' => sub {
    my $s = Blackbox::Stack->new;
    my ($pid, $log) = run_in_background($s);
    ok wait_for_file_text($log, qr/blackbox is running/, 60),
        'prints that it runs';
    my $text = do { local (@ARGV, $/) = $log; <> };
    like $text, qr{http://127\.0\.0\.1:$s->{http_port}/}, 'and where to go';
    is $s->get('/api/v1/health')->{status}, 200, 'healthy';

    my ($rc, $out) = $s->stack('down');
    is $rc, 0, 'make stop succeeds' or diag $out;
    is reaped_within($pid, 30), 0, 'the foreground run ends cleanly';
    ok nothing_running($s), 'every process stopped';
    is scalar(processes_of($s)), 0, 'no process of this stack is left';
};

subtest 'Ctrl-C in the foreground, and during start-up' => sub {
    my $s = Blackbox::Stack->new;
    my ($pid, $log) = run_in_background($s);
    ok wait_for_file_text($log, qr/blackbox is running/, 60), 'runs';
    kill 'INT', $pid;
    is reaped_within($pid, 30), 0, 'Ctrl-C ends it cleanly';
    ok nothing_running($s), 'every process stopped';

    $s = Blackbox::Stack->new;
    ($pid, $log) = run_in_background($s);
    # Interrupt once PostgreSQL is up and the rest is still starting.
    ok wait_for_file_text($s->var . '/log/postgres.log',
                          qr/ready to accept connections/, 60),
        'start-up under way';
    kill 'INT', $pid;
    ok defined reaped_within($pid, 30), 'Ctrl-C ends the start-up';
    like do { local (@ARGV, $/) = $log; <> }, qr/stopping.*stopped/s,
        'saying that it stops what it started';
    ok nothing_running($s), 'nothing started is left running';
    is scalar(processes_of($s)), 0, 'no process of this stack is left';
};

subtest 'nginx refuses a weak JWT key' => sub {
    my $s = Blackbox::Stack->start;
    my $key = $s->var . '/secrets/jwt.key';
    $s->stop;
    open my $fh, '>', $key or die;
    print $fh 'short';
    close $fh;
    my ($rc, $out) = $s->stack('up');
    isnt $rc, 0, 'start fails';
    like $out, qr/nginx did not start/, 'nginx did not start';
    like do { local (@ARGV, $/) = $s->var . '/log/nginx-error.log'; <> },
        qr/blackbox_jwt_key_file ".*" must hold at least 32 random bytes/,
        'the log says why';
    ok nothing_running($s), 'nothing started is left running';
};

done_testing;
