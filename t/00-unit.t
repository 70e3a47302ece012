# The core's C unit tests (t/unit/test_*.c, built into $BB_BUILD/t/), each a
# TAP producer, reported here as one subtest per program.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use Test::More;

my $dir = Blackbox::Stack::build_dir() . '/t';
my @programs = sort glob("$dir/test_*");
ok @programs, "unit test programs are built in $dir";

for my $program (@programs) {
    (my $name = $program) =~ s{.*/}{};
    subtest $name => sub {
        my @out = `$program 2>&1`;
        my $rc = $? >> 8;
        my $seen = 0;
        for (@out) {
            if (/^(not )?ok \d+(?: - (.*))?$/) {
                $seen++;
                ok !$1, "$name: " . ($2 // "");
            } elsif (/^#/ || /runtime error|Sanitizer/) {
                diag $_;
            }
        }
        ok $seen, 'it ran tests';
        is $rc, 0, 'it exited 0';
    };
}

done_testing;
