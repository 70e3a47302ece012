# The OpenAPI document at /openapi.json: served as JSON, and describing
# exactly the module's route table, so that neither can drift from the
# other.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Routes qw(routes);
use Blackbox::Stack;
use JSON::PP;
use Test::More;

my @METHODS = qw(get put post delete options head patch trace);

# The error codes the module can send: its string literals.
sub module_strings {
    my %s;
    for my $file (glob("$Blackbox::Stack::ROOT/ngx_blackbox_module/*.c"),
                  "$Blackbox::Stack::ROOT/ngx_blackbox_module/core/bb_health.c")
    {
        my $src = do { local (@ARGV, $/) = $file; <> };
        $s{$1} = 1 while $src =~ /"([a-z][a-z0-9_]*)"/g;
    }
    return \%s;
}

my @routes = routes();
cmp_ok scalar @routes, '>=', 15, 'the route table parses';
ok((grep { $_->{path} eq '/api/v1/auth/signup' && $_->{method} eq 'post'
           && $_->{auth} eq 'P' && $_->{body} } @routes),
   'and reads { "/api/v1/auth/signup", NGX_HTTP_POST, P, 1, ... } right');
ok((grep { $_->{path} eq '/api/v1/devices/{device_id}'
           && $_->{method} eq 'patch' && $_->{auth} eq 'U' && $_->{body}
           && "@{ $_->{params} }" eq 'device_id' } @routes),
   'and { "/api/v1/devices/*", NGX_HTTP_PATCH, U, 1, ... }');
ok((grep { $_->{path} eq '/ingest/v1/devices/{device_id}/heartbeat'
           && $_->{method} eq 'post' && $_->{auth} eq 'D' && !$_->{body} }
        @routes),
   'and { "/ingest/v1/devices/*/heartbeat", NGX_HTTP_POST, D, 0, ... }');

my $s = Blackbox::Stack->start;

my $r = $s->get('/openapi.json');
is $r->{status}, 200, 'GET /openapi.json: 200';
like $r->{headers}{'content-type'}, qr{^application/json}, 'as JSON';

my $doc = eval { JSON::PP->new->utf8->decode($r->{content}) };
ok ref $doc eq 'HASH', 'it decodes to an object' or diag $@;
$doc ||= {};

like $doc->{openapi} // '', qr/^3\.1/, 'OpenAPI 3.1';
is $doc->{info}{title}, 'blackbox', 'info.title';
ok length($doc->{info}{version} // ''), 'info.version';

my $paths = $doc->{paths} || {};
my $schemes = $doc->{components}{securitySchemes} || {};

# Owners send a JWT; devices send their key: both HTTP bearer schemes.
sub bearer_schemes {
    my ($jwt) = @_;
    return grep { my $s = $schemes->{$_};
                  ($s->{type} // '') eq 'http'
                  && lc($s->{scheme} // '') eq 'bearer'
                  && (uc($s->{bearerFormat} // '') eq 'JWT') == $jwt }
           sort keys %$schemes;
}
my @user_schemes = bearer_schemes(1);
my @device_schemes = bearer_schemes(0);
ok @user_schemes, 'an HTTP bearer security scheme for access tokens (JWT)';
ok @device_schemes, 'an HTTP bearer security scheme for device keys';
ok !$doc->{security} || !@{ $doc->{security} },
    'no global security: each operation says its own';

# The security requirements in force for an operation.
sub security_of {
    my ($op) = @_;
    return $op->{security} // $doc->{security} // [];
}

# Whether every alternative of op's security uses one of the schemes only.
sub wants {
    my ($op, @want) = @_;
    my %ok = map { $_ => 1 } @want;
    my @req = @{ security_of($op) };
    return @req && !grep { my @k = keys %$_; !@k || grep { !$ok{$_} } @k }
                         @req;
}

# The parameters of an operation and its path, references followed.
sub parameters_of {
    my ($path, $op) = @_;
    my @params;
    for my $p (@{ $paths->{$path}{parameters} || [] },
               @{ $op->{parameters} || [] })
    {
        my $q = $p;
        if (ref $q eq 'HASH' && defined $q->{'$ref'}
            && $q->{'$ref'} =~ m{^#/components/parameters/(.+)$})
        {
            $q = $doc->{components}{parameters}{$1};
        }
        push @params, $q if ref $q eq 'HASH';
    }
    return @params;
}

subtest 'every route is documented' => sub {
    for my $route (@routes) {
        my $name = uc($route->{method}) . " $route->{path}";
        my $op = $paths->{ $route->{path} }{ $route->{method} };
        ok $op, "$name is documented ($route->{route})" or next;

        if ($route->{auth} eq 'U') {
            ok wants($op, @user_schemes),
                "$name declares access token (JWT) security";
            ok $op->{responses}{401}, "$name documents 401";
        } elsif ($route->{auth} eq 'D') {
            is $route->{params}[0], 'device_id',
                "$name names its device first in the path";
            ok wants($op, @device_schemes),
                "$name declares device key security";
            ok $op->{responses}{$_}, "$name documents $_" for 401, 404;
        } else {
            is_deeply security_of($op), [], "$name declares no security";
        }

        my %in_path = map { $_->{name} => $_ }
                      grep { ($_->{in} // '') eq 'path' }
                      parameters_of($route->{path}, $op);
        for my $param (@{ $route->{params} }) {
            ok $in_path{$param} && $in_path{$param}{required},
                "$name declares the path parameter $param";
        }
        is_deeply [ sort keys %in_path ], [ sort @{ $route->{params} } ],
            "$name declares no other path parameter";

        if ($route->{body} == 1) {
            my $content = $op->{requestBody}{content} || {};
            ok $content->{'application/json'}, "$name takes a JSON body";
            ok $op->{responses}{$_}, "$name documents $_" for 400, 413, 415;
        } elsif ($route->{body} == 2) {
            my $content = $op->{requestBody}{content} || {};
            ok $content->{'video/mp4'}, "$name takes an MP4 body";
            ok $op->{responses}{$_}, "$name documents $_" for 400, 413, 507;
        } else {
            ok !$op->{requestBody}, "$name takes no body";
        }
    }
};

subtest 'every documented operation exists' => sub {
    my %route = map { ("$_->{path} $_->{method}" => $_) } @routes;
    for my $path (sort keys %$paths) {
        for my $method (grep { $paths->{$path}{$_} } @METHODS) {
            my $name = uc($method) . " $path";
            my $exists = $route{"$path $method"}
                || $path eq '/api/v1/health'
                   && ($method eq 'get' || $method eq 'head')
                || $method eq 'head' && $route{"$path get"};  # HEAD is GET
            ok $exists, "$name is in the route table";
        }
    }
};

subtest 'health' => sub {
    for my $method (qw(get head)) {
        my $op = $paths->{'/api/v1/health'}{$method};
        ok $op, uc($method) . ' /api/v1/health is documented' or next;
        is_deeply security_of($op), [], '  needing no token';
        ok $op->{responses}{$_}, "  with $_" for 200, 503;
    }
};

subtest 'references and error codes' => sub {
    my $strings = module_strings();
    my (@refs, @codes);
    my $walk;
    $walk = sub {
        my ($node) = @_;
        if (ref $node eq 'HASH') {
            push @refs, $node->{'$ref'} if defined $node->{'$ref'};
            if (ref $node->{properties} eq 'HASH'
                && ref $node->{properties}{error} eq 'HASH'
                && ref $node->{properties}{error}{enum} eq 'ARRAY')
            {
                push @codes, @{ $node->{properties}{error}{enum} };
            }
            $walk->($_) for values %$node;
        } elsif (ref $node eq 'ARRAY') {
            $walk->($_) for @$node;
        }
    };
    $walk->($doc);

    ok @refs, 'the document uses references';
    for my $ref (sort { $a cmp $b } keys %{{ map { $_ => 1 } @refs }}) {
        my $target = $doc;
        if ($ref =~ m{^#/(.*)$}) {
            for my $part (split m{/}, $1) {
                $part =~ s/~1/\//g;
                $part =~ s/~0/~/g;
                $target = ref $target eq 'HASH' ? $target->{$part} : undef;
            }
        } else {
            $target = undef;
        }
        (my $shown = $ref) =~ s{^#/}{};
        ok defined $target, "$shown resolves";
    }

    ok @codes, 'error codes are listed';
    for my $code (sort { $a cmp $b } keys %{{ map { $_ => 1 } @codes }}) {
        ok $strings->{$code}, "error code $code is one the module sends";
    }
};

$s->stop;
done_testing;
