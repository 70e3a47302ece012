package Blackbox::Stack;

# The test harness: a whole blackbox stack of its own for one test file.
#
# Each stack lives in a fresh temporary folder on free loopback ports, so
# tests never touch a running `make run` nor each other.  It is started and
# stopped by the same scripts/stack a person uses, and when it stops, the
# logs of every process are checked for [alert], [emerg] and sanitizer
# reports: a test file passes only if its servers stayed healthy too.
#
#   my $s = Blackbox::Stack->start;
#   my $r = $s->get('/api/v1/health');
#   is $r->{status}, 200;
#   $s->stop;

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 ();
use Scalar::Util ();
use Test::More;
use Time::HiRes qw(sleep time);

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');

# Stacks a test left running (it died, say) are stopped before File::Temp
# removes their folders: the END below runs before File::Temp's own.
my @STARTED;

my @LOG_ALARMS = (
    qr/\[alert\]/, qr/\[emerg\]/, qr/AddressSanitizer/, qr/LeakSanitizer/,
    qr/runtime error:/,
);

# A port nobody listens on now.  The kernel picks it; the small window until
# the stack binds it is accepted.
# libfaketime (Debian's faketime package), for a worker with its own clock.
our $FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

sub free_port {
    my ($proto) = @_;
    my $sock = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => $proto || 'tcp',
        ($proto || 'tcp') eq 'tcp' ? (Listen => 1) : (),
    ) or die "cannot find a free port: $!";
    my $port = $sock->sockport;
    close $sock;
    return $port;
}

sub build_dir {
    return $ENV{BB_BUILD} || "$ROOT/build";
}

# Environment for scripts/stack: this stack's folder and ports.
sub env {
    my ($self) = @_;
    my %env = (
        BB_VAR          => $self->{var},
        BB_BUILD        => build_dir(),
        BB_HTTP_PORT    => $self->{http_port},
        BB_SRT_PORT     => $self->{srt_port},
        BB_PG_PORT      => $self->{pg_port},
        BB_REDIS_PORT   => $self->{redis_port},
        BB_SMTP_PORT    => $self->{smtp_port},
        BB_NODE_TIMEOUT => $self->{node_timeout},
        BB_AUTH_RATE    => $self->{auth_rate},
        BB_ONLINE_WINDOW => $self->{online_window},
        BB_OFFLINE_ALERT => $self->{offline_alert},
        BB_RETENTION    => $self->{retention},
        build_dir() =~ m{/asan/?$} ? (BB_ASAN => 1) : (),
    );
    return %env;
}

# Options: any of the env() names in lower case without BB_, to override.
sub new {
    my ($class, %opt) = @_;
    my $self = bless {
        var          => tempdir('blackbox-test-XXXXXX', TMPDIR => 1,
                                CLEANUP => !$ENV{BB_KEEP}),
        http_port    => free_port('tcp'),
        srt_port     => free_port('udp'),
        pg_port      => free_port('tcp'),
        redis_port   => free_port('tcp'),
        smtp_port    => free_port('tcp'),
        node_timeout => '10s',
        auth_rate    => 1000,
        online_window => '90s',
        offline_alert => '10h',
        retention    => '30d',
        %opt,
        running      => 0,
    }, $class;
    $self->{http} = HTTP::Tiny->new(timeout => 30, max_redirect => 0);
    return $self;
}

# Runs scripts/stack with this stack's environment; returns (exit code,
# output with stderr).
sub stack {
    my ($self, @args) = @_;
    my %env = $self->env;
    local @ENV{keys %env} = values %env;
    my $cmd = join ' ', map { "'$_'" } "$ROOT/scripts/stack", @args;
    my $out = `$cmd 2>&1`;
    return ($? >> 8, $out);
}

sub start {
    my ($class, %opt) = @_;
    my $self = ref $class ? $class : $class->new(%opt);
    my ($rc, $out) = $self->stack('up');
    if ($rc != 0) {
        diag $out;
        BAIL_OUT("the test stack did not start in $self->{var}");
    }
    $self->{running} = 1;
    push @STARTED, $self;
    Scalar::Util::weaken($STARTED[-1]);
    return $self;
}

sub var  { $_[0]{var} }
sub url  { "http://127.0.0.1:$_[0]{http_port}$_[1]" }

# One HTTP request; returns HTTP::Tiny's answer with a decoded {json}
# when the body is JSON.
sub request {
    my ($self, $method, $path, %opt) = @_;
    my $r = $self->{http}->request($method, $self->url($path), \%opt);
    my $type = $r->{headers}{'content-type'} || '';
    if ($type =~ m{^application/json} && length $r->{content}) {
        $r->{json} = eval { decode_json($r->{content}) };
    }
    return $r;
}

sub get { my ($self, $path, %opt) = @_; $self->request('GET', $path, %opt) }

# A JSON call: $body (a reference) is encoded; $token, when given, is sent
# as the bearer token.
sub call {
    my ($self, $method, $path, $body, $token, %headers) = @_;
    my %h = %headers;
    $h{'Content-Type'} //= 'application/json' if defined $body;
    $h{Authorization} = "Bearer $token" if defined $token;
    return $self->request($method, $path, headers => \%h,
        defined $body ? (content => ref $body ? encode_json($body) : $body)
                      : ());
}

# The mails the sink received for $to, oldest first, each decoded as
# { subject, body, headers }.
sub mails {
    my ($self, $to) = @_;
    my @mails;
    for my $file (sort glob("$self->{var}/mail/*.eml")) {
        next unless $file =~ /-\Q$to\E\.eml$/;
        my $raw = do { local (@ARGV, $/) = $file; <> };
        my ($head, $body) = split /\r?\n\r?\n/, $raw, 2;
        $head =~ s/\r?\n[ \t]+/ /g;
        my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1, $2) : () }
                split /\r?\n/, $head;
        $body = MIME::Base64::decode_base64($body)
            if ($h{'content-transfer-encoding'} || '') =~ /base64/i;
        utf8::decode($body);
        my $subject = $h{subject} // '';
        # RFC 2047: blanks between encoded words are not part of the text.
        $subject =~ s/\?=\s+(?==\?UTF-8\?B\?)/?=/gi;
        $subject =~ s/=\?UTF-8\?B\?([^?]*)\?=/MIME::Base64::decode_base64($1)/gie;
        utf8::decode($subject);
        push @mails, { subject => $subject, body => $body, headers => \%h };
    }
    return @mails;
}

# Waits for mail number $n (from 1) to $to and returns the 6-digit code in
# it, or undef after $seconds.
sub code_for {
    my ($self, $to, $n, $seconds) = @_;
    my $deadline = time + ($seconds || 15);
    while (time < $deadline) {
        my @mails = $self->mails($to);
        if (@mails >= $n) {
            return $mails[$n - 1]{body} =~ /^\s*(\d{6})\s*$/m ? $1 : undef;
        }
        sleep 0.1;
    }
    return undef;
}

# Polls GET $path until $want->($answer) holds or $seconds pass; returns
# the last answer.  For state that settles by itself (a daemon's beat).
sub get_until {
    my ($self, $path, $want, $seconds) = @_;
    my $deadline = time + ($seconds || 20);
    my $r;
    while (1) {
        $r = $self->get($path);
        return $r if $want->($r) || time > $deadline;
        sleep 0.2;
    }
}

sub pid {
    my ($self, $service) = @_;
    my $file = $service eq 'postgres' ? "$self->{var}/pg/postmaster.pid"
                                      : "$self->{var}/run/$service.pid";
    open my $fh, '<', $file or return undef;
    my $pid = <$fh>;
    chomp $pid if defined $pid;
    return $pid;
}

sub stop_service  { my ($s, $name) = @_; $s->stack('stop', $name) }

sub start_service {
    my ($self, $name) = @_;
    my ($rc, $out) = $self->stack('start', $name);
    diag $out if $rc != 0;
    return $rc;
}

sub signal_service {
    my ($self, $name, $signal) = @_;
    my $pid = $self->pid($name) or die "no pid for $name";
    kill $signal, $pid or die "cannot signal $name ($pid): $!";
}

# Starts a second nginx on this stack's configuration, as another server
# of the same deployment would be (same PostgreSQL, Redis and key), on a
# port of its own.  Returns that port; stop_second_nginx ends it.
sub start_second_nginx {
    my ($self) = @_;
    my $var = $self->{var};
    my $port = free_port('tcp');
    my $conf = do { local (@ARGV, $/) = "$var/conf/nginx.conf"; <> };
    $conf =~ s/listen 127\.0\.0\.1:\d+;/listen 127.0.0.1:$port;/ or die;
    $conf =~ s{pid \S+;}{pid $var/run/nginx2.pid;} or die;
    $conf =~ s{error_log \S+}{error_log $var/log/nginx2-error.log} or die;
    $conf =~ s{access_log \S+;}{access_log $var/log/nginx2-access.log;};
    open my $fh, '>', "$var/conf/nginx2.conf" or die;
    print $fh $conf;
    close $fh;
    my @as = $> == 0 ? qw(setpriv --reuid=blackbox --regid=blackbox
                          --clear-groups) : ();
    # As scripts/stack does for the sanitizer build of the module.
    local $ENV{LD_PRELOAD} = `gcc -print-file-name=libasan.so` =~ s/\s+//r
        if build_dir() =~ m{/asan/?$};
    local $ENV{ASAN_OPTIONS} = "detect_leaks=0:log_path=$var/log/asan";
    system(@as, '/usr/sbin/nginx', '-p', "$var/nginx", '-c',
           "$var/conf/nginx2.conf", '-e', "$var/log/nginx2-error.log") == 0
        or die 'the second nginx did not start';
    $self->{second_nginx} = "$var/run/nginx2.pid";
    return $port;
}

sub stop_second_nginx {
    my ($self) = @_;
    my $file = delete $self->{second_nginx} or return;
    open my $fh, '<', $file or return;
    chomp(my $pid = <$fh> // '');
    kill 'QUIT', $pid if $pid;
    sleep 0.1 while $pid && kill 0, $pid and -e "/proc/$pid"
                    && `cat /proc/$pid/stat` !~ /^\d+ \(.*\) Z/;
}

# Starts one more bb-worker on this stack's configuration, as another node
# of the deployment would run one; stop_extra_workers ends them all.
# With faketime => '+40d', its clock (not the database's) is that far off,
# through libfaketime.
sub start_extra_worker {
    my ($self, %opt) = @_;
    my $var = $self->{var};
    my $bin = -x "$var/app/build/bb-worker" ? "$var/app/build/bb-worker"
                                            : build_dir() . '/bb-worker';
    my @as = $> == 0 ? qw(setpriv --reuid=blackbox --regid=blackbox
                          --clear-groups) : ();
    # libfaketime comes before the sanitizer's runtime: ASan must let it.
    local $ENV{ASAN_OPTIONS} = "detect_leaks=0:log_path=$var/log/asan"
                               . ':verify_asan_link_order=0';
    # Preloaded after setpriv, into the worker alone.
    my @clock = $opt{faketime} ? ('env', "LD_PRELOAD=$FAKETIME",
                                  "FAKETIME=$opt{faketime}") : ();
    my $n = 2 + @{ $self->{extra_workers} ||= [] };
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>>', "$var/log/worker$n.log" or die;
        exec @as, @clock, $bin, '-c', "$var/conf/blackbox.conf"
            or die "$bin: $!";
    }
    push @{ $self->{extra_workers} }, $pid;
    return $pid;
}

sub stop_extra_workers {
    my ($self) = @_;
    for my $pid (@{ delete $self->{extra_workers} || [] }) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

# Runs SQL on this stack's database (tests that must move time, say);
# returns psql's unaligned output.
sub psql {
    my ($self, $sql) = @_;
    local $ENV{PGPASSWORD} = do {
        local (@ARGV, $/) = "$self->{var}/secrets/postgres.password"; <>
    };
    open my $ph, '-|', 'psql', '-X', '-qtA', '-v', 'ON_ERROR_STOP=1',
        '-h', '127.0.0.1', '-p', $self->{pg_port}, '-U', 'blackbox',
        '-d', 'blackbox', '-c', $sql or die "psql: $!";
    my $out = do { local $/; <$ph> };
    close $ph or die "psql failed on: $sql";
    return $out;
}

# Signs up, verifies and logs in $name; returns the access token.
sub user_token {
    my ($self, $name, $password) = @_;
    $password //= 'a long enough password';
    my $email = "$name\@example.com";
    my $seen = () = $self->mails($email);
    $self->call('POST', '/api/v1/auth/signup',
                { email => $email, username => $name,
                  password => $password })->{status} == 202
        or die "sign-up of $name failed";
    $self->call('POST', '/api/v1/auth/verify-email',
                { username => $name,
                  code => $self->code_for($email, $seen + 1) });
    my $r = $self->call('POST', '/api/v1/auth/login',
                        { username => $name, password => $password });
    $r = $self->call('POST', '/api/v1/auth/login/verify',
                     { challenge_id => $r->{json}{challenge_id},
                       code => $self->code_for($email, $seen + 2) });
    return $r->{json}{access_token} // die "login of $name failed";
}

# Every log line that shows a server in trouble.
sub log_alarms {
    my ($self) = @_;
    my @found;
    for my $file (glob("$self->{var}/log/*")) {
        open my $fh, '<', $file or next;
        while (my $line = <$fh>) {
            push @found, "$file: $line" if grep { $line =~ $_ } @LOG_ALARMS;
        }
    }
    return @found;
}

# The sanitizers' own reports in full: the folder is gone after the test.
sub sanitizer_reports {
    my ($self) = @_;
    return map { local (@ARGV, $/) = $_; "$_:\n" . <> }
           grep { !/\.log$/ } glob("$self->{var}/log/*");
}

# Stops the stack and checks its logs (unless told which alarms to expect).
sub stop {
    my ($self, %opt) = @_;
    return unless $self->{running};
    $self->stop_second_nginx;
    $self->stop_extra_workers;
    my ($rc, $out) = $self->stack('down');
    $self->{running} = 0;
    return if $opt{quiet};
    is $rc, 0, 'the stack stopped cleanly' or diag $out;
    my @alarms = grep { !$opt{allow} || $_ !~ $opt{allow} } $self->log_alarms;
    ok !@alarms, 'no alert, emerg or sanitizer report in the logs'
        or diag @alarms, $self->sanitizer_reports;
}

END {
    my $rc = $?;
    for my $self (grep { defined && $_->{running} } @STARTED) {
        $self->stop_extra_workers;
        $self->stack('down');
        $self->{running} = 0;
    }
    $? = $rc;
}

1;
