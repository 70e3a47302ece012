package Blackbox::Browser;

# A real browser for the tests: runs the node scripts of t/browser/ in
# Debian's headless Chromium and hands back their verdicts.  play.js plays
# an HLS or DASH stream with the players the web app serves (html/vendor/);
# journey.js walks the web app as a new owner would.
#
# The browser pieces (node, /usr/bin/chromium, node_modules from npm ci) are
# installed by scripts/install-deps.sh.  A developer without them gets a
# skipped test file and the reason; CI, which always runs install-deps.sh,
# fails instead, so a broken install step cannot pass as green.
#
#   Blackbox::Browser::require_or_skip();
#   my $r = Blackbox::Browser::play(
#       page => $s->url('/'), kind => 'hls', src => $s->url($playlist),
#       seek => 55, until => 63);
#   ok $r->{ok}, 'plays across the clip boundary'
#       or diag explain $r->{errors}, $r->{stderr};
#   my $j = Blackbox::Browser::journey(base => $s->url(''),
#                                      mail => $s->var . '/mail');

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempfile);
use IPC::Open3 qw(open3);
use JSON::PP;
use Test::More ();

our $ROOT     = abs_path(dirname(__FILE__) . '/../../..');
our $CHROMIUM = '/usr/bin/chromium';
our $SHOTS    = "$ROOT/t/screenshots";

sub _in_path {
    my ($cmd) = @_;
    return grep { -x "$_/$cmd" } split /:/, $ENV{PATH} // '';
}

# What is missing for the scripts to run here, one phrase each; empty when
# nothing is.
sub missing {
    my @why;
    push @why, 'node is not installed' unless _in_path('node');
    push @why, "$CHROMIUM is not installed" unless -x $CHROMIUM;
    push @why, 'node_modules/playwright-core is missing (npm ci)'
        unless -f "$ROOT/node_modules/playwright-core/package.json";
    for my $file (qw(hls.min.js dash.all.min.js)) {
        push @why, "html/vendor/$file is missing (make)"
            unless -f "$ROOT/html/vendor/$file";
    }
    return @why;
}

# True when browser tests can run here.  In list context also the reason
# they cannot.
sub available {
    my @why = missing();
    my $reason = @why ? 'no headless browser: ' . join('; ', @why)
                        . ' (scripts/install-deps.sh and make install them)'
                      : '';
    return wantarray ? (!@why, $reason) : !@why;
}

# For the top of a browser test file: returns when the browser pieces are
# here; otherwise skips the whole file, or, under CI (which installs them),
# fails it.
sub require_or_skip {
    my ($ok, $reason) = available();
    return 1 if $ok;
    if ($ENV{CI}) {
        Test::More::plan(tests => 1);
        Test::More::fail("browser tests run in CI: $reason");
        exit 1;
    }
    Test::More::plan(skip_all => $reason);
}

# Runs a script of t/browser/ with node: (its JSON summary on stdout
# decoded, or undef when it printed none; its exit status; its stderr).
sub run_script {
    my ($script, @args) = @_;
    # stderr into a file, so neither pipe can fill up and stall the other.
    my ($errfh, $errfile) = tempfile('bb-browser-XXXXXX', TMPDIR => 1,
                                     UNLINK => 1);
    my $pid = open3(my $in, my $out, '>&' . fileno($errfh),
                    'node', "$ROOT/t/browser/$script", @args);
    close $in;
    my $json = do { local $/; <$out> } // '';
    waitpid $pid, 0;
    my $exit = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    my $stderr = do { local (@ARGV, $/) = $errfile; <> } // '';
    close $errfh;
    utf8::decode($stderr);
    my $r = eval { decode_json($json) };
    return (ref $r eq 'HASH' ? $r : undef, $exit, $stderr);
}

# The last $n lines of $text.
sub tail {
    my ($text, $n) = @_;
    my @lines = split /\n/, $text // '';
    return @lines > $n ? @lines[-$n .. -1] : @lines;
}

# What a script that printed no summary said last, or how it ended.
sub _last_words {
    my ($stderr, $exit) = @_;
    my @tail = tail($stderr, 5);
    return @tail ? @tail : "exited $exit";
}

# Plays one stream; takes play.js's options by name:
#   page    URL of any page on the server's origin (the players load from
#           its /vendor/)
#   kind    hls or dash
#   src     the playlist or MPD URL
#   seek    where to seek once loaded, in seconds of media time
#   until   playing past this (currentTime) is success
#   shots   folder for the screenshot (t/screenshots by default)
#   timeout, stall, jump   optional, play.js's defaults 60, 5, 1.5 s
# Returns play.js's JSON summary (ok, kind, start_time, end_time,
# wallclock_first, wallclock_last, wallclock_at_until, samples, errors,
# events, screenshot, elapsed_ms) plus exit (play.js's exit status: 0
# played, 1 did not, 2 could not test) and stderr (its log).  When play.js
# printed no summary, ok is false and errors holds its log's last lines.
sub play {
    my (%opt) = @_;
    $opt{shots} //= $SHOTS;
    for my $name (qw(page kind src seek until)) {
        die "Blackbox::Browser::play: $name is missing\n"
            unless defined $opt{$name};
    }
    my @args;
    for my $name (qw(page kind src seek until shots timeout stall jump)) {
        push @args, "--$name", $opt{$name} if defined $opt{$name};
    }

    my ($r, $exit, $stderr) = run_script('play.js', @args);
    $r //= { ok => JSON::PP::false, kind => $opt{kind},
             errors => [ _last_words($stderr, $exit) ], events => [],
             samples => [] };
    $r->{exit} = $exit;
    $r->{stderr} = $stderr;
    $r->{ok} = $r->{ok} && $exit == 0 ? 1 : 0;
    return $r;
}

# Walks the web app's whole journey (journey.js); takes its options by
# name: base (the server's URL), mail (the stack's var/mail), shots (the
# screenshots' folder), timeout and seconds (optional).  Returns its JSON
# report (ok, steps [{name, ok, skipped, error, detail, ms}], ignored,
# problems, warnings, screenshots, elapsed_ms, ...) plus exit and stderr;
# when it printed none, one failed step carrying its log's last lines.
sub journey {
    my (%opt) = @_;
    my @args;
    for my $name (qw(base mail shots timeout seconds)) {
        push @args, "--$name", $opt{$name} if defined $opt{$name};
    }
    my ($r, $exit, $stderr) = run_script('journey.js', @args);
    $r //= { ok => JSON::PP::false,
             steps => [ { name => 'journey.js reports', ok => 0,
                          error => join("\n", _last_words($stderr, $exit)) } ] };
    $r->{exit} = $exit;
    $r->{stderr} = $stderr;
    $r->{ok} = $r->{ok} && $exit == 0 ? 1 : 0;
    return $r;
}

1;
