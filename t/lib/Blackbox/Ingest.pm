package Blackbox::Ingest;

# What the SRT ingest tests share: devices registered for an owner, the
# SRT URL a dashcam calls, the clips indexed for a device, the ingest's
# log, and waiting for a condition with a deadline.

use strict;
use warnings;

use Exporter 'import';
use Test::More;
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(wait_until);

# For the stack $s and the owner's access token.
sub new {
    my ($class, $s, $token) = @_;
    return bless { s => $s, token => $token }, $class;
}

# The ingest's log, all of it, as it is now.
sub log {
    my ($self) = @_;
    local (@ARGV, $/) = ($self->{s}->var . '/log/ingest.log');
    return <> // '';
}

# Registers device $id for the owner; returns its key.
sub register {
    my ($self, $id) = @_;
    my $r = $self->{s}->call('POST', '/api/v1/devices',
                             { device_id => $id, nickname => $id },
                             $self->{token});
    return $r->{json}{device_key} // die "cannot register $id";
}

# The SRT URL a caller uses, with the passphrase when a key is given.
sub url {
    my ($self, $streamid, $key) = @_;
    return "srt://127.0.0.1:$self->{s}{srt_port}?streamid=$streamid"
         . (defined $key ? "&passphrase=$key" : '') . '&connect_timeout=3000';
}

# The device's clips, oldest first: [recorded_at ms, duration_ms, path,
# video_codec, audio_codec].
sub rows {
    my ($self, $device) = @_;
    return map { [ split /\|/ ] } split /\n/, $self->{s}->psql(
        "SELECT (extract(epoch FROM recorded_at) * 1000)::bigint,"
      . " duration_ms, path, video_codec, coalesce(audio_codec, '')"
      . " FROM clips WHERE device_id = '$device' ORDER BY recorded_at");
}

# True once $cond is, within $seconds (20 by default); else a diag.
sub wait_until {
    my ($what, $cond, $seconds) = @_;
    my $deadline = time + ($seconds // 20);
    while (time < $deadline) { return 1 if $cond->(); sleep 0.2 }
    diag "timed out waiting for $what";
    return 0;
}

1;
