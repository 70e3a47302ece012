package Blackbox::Routes;

# The module's route table, read from its source, so that tests can walk
# every call the server has: the OpenAPI check and the ownership matrix.

use strict;
use warnings;

use Exporter 'import';
use Blackbox::Stack;

our @EXPORT_OK = qw(routes);

my $API_C = "$Blackbox::Stack::ROOT/ngx_blackbox_module/ngx_http_blackbox_api.c";

# The route table: { "/api/v1/devices/*", NGX_HTTP_GET, U, 0, handler },
# i.e. full path, method, who may call (P anyone, U an owner's access
# token, D the key of the device named by the path's first "*"), its body
# (0 none, 1 a JSON object, 2 a file as it is).  An entry may span lines.
# A "*" is one path segment, named as a parameter after the segment
# before it.
my %PARAM = (devices => 'device_id', folders => 'date',
             clips => 'recorded_at', '/api/v1/clips' => 'clip_id');

# The route's path as OpenAPI writes it, and its parameters' names.
sub openapi_path {
    my ($path) = @_;
    my (@segs, @params);
    for my $seg (split m{/}, $path, -1) {
        if ($seg eq '*') {
            my $name = $PARAM{ join '/', @segs } // $PARAM{ $segs[-1] // '' }
                or die "$API_C: name the \"*\" of $path in %PARAM";
            push @params, $name;
            $seg = "{$name}";
        }
        push @segs, $seg;
    }
    return (join('/', @segs), @params);
}

# Every route: { route, path, params, method (lower case), auth, body }.
sub routes {
    my $src = do { local (@ARGV, $/) = $API_C; <> };
    my ($table) = $src =~ /ngx_http_blackbox_routes\[\]\s*=\s*\{(.*?)\{\s*NULL/s
        or die "no route table in $API_C";
    my @routes;
    while ($table =~ /\{\s*"([^"]+)"\s*,\s*NGX_HTTP_(\w+)\s*,\s*([PUD])\s*,
                      \s*([012])\s*,\s*\w+\s*\}/gx)
    {
        my ($route, $method, $auth, $body) = ($1, lc $2, $3, $4);
        my ($path, @params) = openapi_path($route);
        push @routes, { route => $route, path => $path, params => \@params,
                        method => $method, auth => $auth, body => $body };
    }
    return @routes;
}

1;
