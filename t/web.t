# The web app (issue 7) in a real browser, the way a new owner uses it:
# sign up, verify, log in with the second code, add a device, stream 150 s
# to it over SRT, watch the day fill in, play across a clip boundary,
# download and delete a clip, change the password, log out and find the
# old session refused; and beside that Korean, a 360 px phone, and a
# console without errors.  t/browser/journey.js walks it in headless
# Chromium; here each of its steps becomes one test, named after the step.
# Screenshots of every main page (both languages, desktop and phone) are
# left in t/screenshots/web/ for a person to look at.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Browser;
use Blackbox::Stack;
use Test::More;

Blackbox::Browser::require_or_skip();
# The steps and their details quote the pages, in Korean too.
binmode Test::More->builder->$_, ':encoding(UTF-8)'
    for qw(output failure_output todo_output);

my $s = Blackbox::Stack->start;
my $j = Blackbox::Browser::journey(
    base  => $s->url(''),
    mail  => $s->var . '/mail',
    shots => "$Blackbox::Browser::SHOTS/web",
);

for my $step (@{ $j->{steps} }) {
    SKIP: {
        skip "$step->{name}: $step->{skipped}", 1 if $step->{skipped};
        ok $step->{ok}, $step->{name} or diag $step->{error};
        note $step->{detail} if $step->{ok} && $step->{detail};
    }
}
ok $j->{ok} || grep({ !$_->{ok} } @{ $j->{steps} }),
    'journey.js ended cleanly' or diag "it exited $j->{exit}";

# What journey.js saw fail on purpose, by reason.
my %expected;
push @{ $expected{$_->{reason}} }, "$_->{message} (x$_->{count})"
    for @{ $j->{ignored} || [] };
note join "\n  ", "expected, so not counted: $_", @{ $expected{$_} }
    for sort keys %expected;
note "screenshots in $Blackbox::Browser::SHOTS/web";
note sprintf 'the journey took %.0f s', ($j->{elapsed_ms} // 0) / 1000;
unless ($j->{ok}) {
    diag join "\n", "the end of $_->[0]:",
        Blackbox::Browser::tail($_->[1], 40)
        for ['its log', $j->{stderr}],
            ['the ingest log', do {
                local (@ARGV, $/) = ($s->var . '/log/ingest.log'); <> }];
}

$s->stop;
done_testing;
