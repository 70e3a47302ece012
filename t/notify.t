# What owners are told about their dashcams (issue 8): one mail when a
# dashcam seen before goes silent for the alert window, one when it is
# back, and one for an impact (at most every 5 minutes a device), in the
# owner's language, sent once with two workers running and across worker
# restarts.  The alert window is 3 s here instead of 10 h.

use strict;
use warnings;
use utf8;

use lib 't/lib';
use Blackbox::Stack;
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(sleep time);

my $s = Blackbox::Stack->start(offline_alert => '3s');
$s->start_extra_worker;

my $alice = $s->user_token('alice');
my %key;
for (['cam-n', 'Front 앞'], ['cam-quiet', 'Never seen']) {
    $key{$_->[0]} = $s->call('POST', '/api/v1/devices',
        { device_id => $_->[0], nickname => $_->[1] }, $alice)
        ->{json}{device_key};
}

sub beat {
    my ($device) = @_;
    return $s->call('POST', "/ingest/v1/devices/$device/heartbeat", undef,
                    $key{$device})->{status};
}

# The subjects of the notices mailed to $email, oldest first.
sub notices {
    my ($email) = @_;
    return map { $_->{subject} }
           grep { $_->{subject} !~ /code/ } $s->mails($email);
}

# Waits until $n notices reached $email (or 30 s); returns them.
sub wait_notices {
    my ($email, $n) = @_;
    my $deadline = time + 30;
    my @n;
    sleep 0.3 while (@n = notices($email)) < $n && time < $deadline;
    return @n;
}

my $SILENT = 'Your dashcam "Front 앞" has gone silent';
my $BACK = 'Your dashcam "Front 앞" is back online';

subtest 'a silent dashcam: one mail, even with two workers' => sub {
    is beat('cam-n'), 204, 'the dashcam beats once';
    my @n = wait_notices('alice@example.com', 1);
    is_deeply \@n, [ $SILENT ], 'then falls silent: one mail naming it';
    my ($mail) = grep { $_->{subject} eq $SILENT }
                 $s->mails('alice@example.com');
    like $mail->{body},
        qr/not been heard from since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\)/,
        'saying since when, in its time zone';
    sleep 6;    # three passes of both workers
    is_deeply [ notices('alice@example.com') ], [ $SILENT ],
        'no second mail for the same stretch';
    is $s->psql("SELECT count(*) FROM outbox WHERE subject LIKE '%silent%'")
        =~ s/\s+//gr, 1, 'one row in the outbox';
};

subtest 'back online ends the stretch; the next one mails again' => sub {
    is beat('cam-n'), 204, 'heard from again';
    my @n = wait_notices('alice@example.com', 2);
    is $n[1], $BACK, 'a short "back online" mail';
    @n = wait_notices('alice@example.com', 3);
    is_deeply \@n, [ $SILENT, $BACK, $SILENT ],
        'silent again: a new stretch, a new mail';
    is_deeply [ grep { /Never seen/ } @n ], [],
        'a dashcam never seen is never reported silent';
};

subtest 'across worker restarts: no repeat, no miss' => sub {
    $s->stop_service('worker');
    $s->stop_extra_workers;
    is beat('cam-n'), 204, 'back while no worker runs';
    sleep 4;    # and silent again, still without workers
    is scalar(notices('alice@example.com')), 3, 'nothing sent meanwhile';
    is $s->start_service('worker'), 0, 'a worker starts again';
    my @n = wait_notices('alice@example.com', 5);
    is_deeply [ @n[3, 4] ], [ $BACK, $SILENT ],
        'it tells both: back, then silent again';
    $s->stop_service('worker');
    is $s->start_service('worker'), 0, 'restarted once more';
    $s->start_extra_worker;
    sleep 5;
    is scalar(notices('alice@example.com')), 5, 'and repeats nothing';
};

subtest 'impacts: one mail per 5 minutes a device, in Korean for a Korean owner' => sub {
    my $r = $s->call('POST', '/api/v1/auth/signup',
        { email => 'minji@example.com', username => 'minji',
          password => 'a long enough password' }, undef,
        'Accept-Language' => 'ko-KR,ko;q=0.9');
    is $r->{status}, 202, 'a Korean owner signs up';
    $s->call('POST', '/api/v1/auth/verify-email',
        { username => 'minji', code => $s->code_for('minji@example.com', 1) });
    $r = $s->call('POST', '/api/v1/auth/login',
        { username => 'minji', password => 'a long enough password' });
    my $token = $s->call('POST', '/api/v1/auth/login/verify',
        { challenge_id => $r->{json}{challenge_id},
          code => $s->code_for('minji@example.com', 2) })->{json}{access_token};
    my $key = $s->call('POST', '/api/v1/devices',
        { device_id => 'cam-k', nickname => '뒷유리' }, $token)
        ->{json}{device_key};
    $s->call('PATCH', '/api/v1/devices/cam-k', { time_zone => 'Asia/Seoul' },
             $token);

    my $at = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time - 60));
    for my $n (1 .. 3) {
        is $s->call('POST', '/ingest/v1/devices/cam-k/events',
                    { type => 'impact', at => $at, g => 4 }, $key)->{status},
            202, "impact $n reported";
    }
    my @mails;
    my $deadline = time + 30;
    sleep 0.3 while !(@mails = grep { $_->{subject} =~ /충격/ }
                                    $s->mails('minji@example.com'))
                    && time < $deadline;
    is scalar(@mails), 1, 'one mail';
    is $mails[0]{subject}, '블랙박스 "뒷유리" 충격 감지', 'in Korean, naming the dashcam';
    like $mails[0]{body}, qr/\(Asia\/Seoul\)/, 'the time in the dashcam\'s zone';
    sleep 5;
    is scalar(grep { $_->{subject} =~ /충격/ } $s->mails('minji@example.com')),
        1, 'the other two impacts of those minutes are not mailed';
    is $s->psql('SELECT count(*) FROM device_events WHERE notified_at IS NULL')
        =~ s/\s+//gr, 0, 'but all are seen';
};

$s->stop;
done_testing;
