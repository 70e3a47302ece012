# The OpenAPI document at /openapi.json: served as JSON, and describing
# exactly the module's route table, so that neither can drift from the
# other.

use strict;
use warnings;

use lib 't/lib';
use Blackbox::Stack;
use JSON::PP;
use Test::More;

my $API_C = "$Blackbox::Stack::ROOT/ngx_blackbox_module/ngx_http_blackbox_api.c";
my @METHODS = qw(get put post delete options head patch trace);

# The route table: { "auth/signup", NGX_HTTP_POST, 0, 1, handler }, i.e.
# path, method, needs a token, takes a body.  An entry may span lines.
sub routes {
    my $src = do { local (@ARGV, $/) = $API_C; <> };
    my ($table) = $src =~ /ngx_http_blackbox_routes\[\]\s*=\s*\{(.*?)\{\s*NULL/s
        or die "no route table in $API_C";
    my @routes;
    while ($table =~ /\{\s*"([^"]+)"\s*,\s*NGX_HTTP_(\w+)\s*,\s*([01])\s*,
                      \s*([01])\s*,\s*\w+\s*\}/gx)
    {
        push @routes, { path => "/api/v1/$1", method => lc $2,
                        auth => $3, body => $4 };
    }
    return @routes;
}

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
cmp_ok scalar @routes, '>=', 9, 'the route table parses';
ok((grep { $_->{path} eq '/api/v1/auth/signup' && $_->{method} eq 'post'
           && !$_->{auth} && $_->{body} } @routes),
   'and reads { "auth/signup", NGX_HTTP_POST, 0, 1, ... } right');

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
my @bearer = grep { ($schemes->{$_}{type} // '') eq 'http'
                    && lc($schemes->{$_}{scheme} // '') eq 'bearer' }
             keys %$schemes;
ok @bearer, 'an HTTP bearer security scheme';
ok !$doc->{security} || !@{ $doc->{security} },
    'no global security: each operation says its own';

# The security requirements in force for an operation.
sub security_of {
    my ($op) = @_;
    return $op->{security} // $doc->{security} // [];
}

sub wants_bearer {
    my ($op) = @_;
    my %is_bearer = map { $_ => 1 } @bearer;
    my @req = @{ security_of($op) };
    return @req && !grep { !grep { $is_bearer{$_} } keys %$_ } @req;
}

subtest 'every route is documented' => sub {
    for my $route (@routes) {
        my $name = uc($route->{method}) . " $route->{path}";
        my $op = $paths->{ $route->{path} }{ $route->{method} };
        ok $op, "$name is documented" or next;

        if ($route->{auth}) {
            ok wants_bearer($op), "$name declares bearer security";
            ok $op->{responses}{401}, "$name documents 401";
        } else {
            is_deeply security_of($op), [], "$name declares no security";
        }

        if ($route->{body}) {
            my $content = $op->{requestBody}{content} || {};
            ok $content->{'application/json'}, "$name takes a JSON body";
            ok $op->{responses}{$_}, "$name documents $_" for 400, 413, 415;
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
