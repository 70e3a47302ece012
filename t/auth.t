# Accounts: sign-up with an e-mailed code, login with a second factor,
# tokens that can be revoked, and every bad input we could think of.

use strict;
use warnings;
use utf8;

use lib 't/lib';
use Blackbox::Stack;
use Digest::SHA qw(hmac_sha256 hmac_sha384 hmac_sha512);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

my $s = Blackbox::Stack->start;
my $PASSWORD = 'correct horse battery';

sub call { $s->call(@_) }

sub signup_verified {
    my ($name, %opt) = @_;
    my $email = "$name\@example.com";
    my $r = call('POST', '/api/v1/auth/signup',
                 { email => $email, username => $name,
                   password => $opt{password} // $PASSWORD });
    is $r->{status}, 202, "sign-up of $name accepted" or diag $r->{content};
    my $code = $s->code_for($email, 1);
    ok defined $code, 'a code was mailed';
    $r = call('POST', '/api/v1/auth/verify-email',
              { username => $name, code => $code });
    is $r->{status}, 200, 'e-mail verified' or diag $r->{content};
    return $email;
}

# Logs in with the password and the mailed code; returns the token.
sub login {
    my ($name, $email, $password, $nth) = @_;
    my $r = call('POST', '/api/v1/auth/login',
                 { username => $name, password => $password // $PASSWORD });
    is $r->{status}, 200, 'password accepted' or diag $r->{content};
    my $code = $s->code_for($email, $nth);
    $r = call('POST', '/api/v1/auth/login/verify',
              { challenge_id => $r->{json}{challenge_id}, code => $code });
    is $r->{status}, 200, 'second factor accepted' or diag $r->{content};
    return $r->{json}{access_token};
}

subtest 'the whole story' => sub {
    my $email = 'alice@example.com';
    my $r = call('POST', '/api/v1/auth/signup',
                 { email => $email, username => 'alice',
                   password => $PASSWORD });
    is $r->{status}, 202, 'sign-up: 202';

    my $code = $s->code_for($email, 1);
    like $code, qr/^\d{6}$/, 'a 6-digit code is mailed';
    my ($mail) = $s->mails($email);
    like $mail->{subject}, qr/verification/i, 'an English verification mail';
    like $mail->{body}, qr/alice/, 'greeting the user';

    $r = call('POST', '/api/v1/auth/login',
              { username => 'alice', password => $PASSWORD });
    is $r->{status}, 403, 'no login before verification';
    is $r->{json}{error}, 'email_not_verified', 'saying why';

    my $wrong = $code eq '000000' ? '000001' : '000000';
    $r = call('POST', '/api/v1/auth/verify-email',
              { username => 'alice', code => $wrong });
    is $r->{status}, 400, 'a wrong code: 400';
    is $r->{json}{error}, 'wrong_code', 'wrong_code';

    $r = call('POST', '/api/v1/auth/verify-email',
              { username => 'ALICE', code => $code });
    is $r->{status}, 200, 'the right code verifies (any case of the name)';

    $r = call('POST', '/api/v1/auth/verify-email',
              { username => 'alice', code => $code });
    is $r->{status}, 400, 'a used code is gone';

    $r = call('POST', '/api/v1/auth/login',
              { username => 'alice', password => 'wrong password!!' });
    is $r->{status}, 401, 'wrong password: 401';
    my $wrong_pw = $r->{content};
    $r = call('POST', '/api/v1/auth/login',
              { username => 'nobody', password => 'wrong password!!' });
    is $r->{status}, 401, 'unknown user: 401';
    is $r->{content}, $wrong_pw, 'answered exactly like a wrong password';
    is $r->{json}{error}, 'invalid_credentials', 'invalid_credentials';

    $r = call('POST', '/api/v1/auth/login',
              { username => 'alice', password => $PASSWORD });
    is $r->{status}, 200, 'login: 200';
    like $r->{json}{challenge_id}, qr/^[0-9a-f]{32}$/, 'a challenge id';
    is $r->{json}{expires_in}, 600, 'valid 10 minutes';
    my $challenge = $r->{json}{challenge_id};
    my $login_code = $s->code_for($email, 2);
    like $login_code, qr/^\d{6}$/, 'a second code is mailed';

    $r = call('POST', '/api/v1/auth/login/verify',
              { challenge_id => $challenge,
                code => $login_code eq '999999' ? '999998' : '999999' });
    is $r->{status}, 401, 'wrong second factor: 401';

    $r = call('POST', '/api/v1/auth/login/verify',
              { challenge_id => $challenge, code => $login_code });
    is $r->{status}, 200, 'right second factor: 200';
    is $r->{json}{token_type}, 'Bearer', 'a bearer token';
    is $r->{json}{expires_in}, 900, 'for 15 minutes';
    my $token = $r->{json}{access_token};

    $r = call('POST', '/api/v1/auth/login/verify',
              { challenge_id => $challenge, code => $login_code });
    is $r->{status}, 401, 'a challenge is used once';

    $r = call('GET', '/api/v1/me', undef, $token);
    is $r->{status}, 200, 'me: 200';
    is $r->{json}{username}, 'alice', 'username';
    is $r->{json}{email}, $email, 'email';
    like $r->{json}{created_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
        'created_at in RFC 3339 UTC';

    is call('GET', '/api/v1/me')->{status}, 401, 'me without a token: 401';
    $r = call('DELETE', '/api/v1/me', undef, $token);
    is $r->{status}, 405, 'accounts are never deleted';
    is $r->{json}{error}, 'account_deletion_not_supported', 'saying so';
    is $r->{headers}{allow}, 'GET, HEAD', 'with what is allowed';

    is call('POST', '/api/v1/auth/logout', undef, $token)->{status}, 204,
        'logout: 204';
    $r = call('GET', '/api/v1/me', undef, $token);
    is $r->{status}, 401, 'the logged-out token is refused';
    is $r->{json}{error}, 'unauthorized', 'unauthorized';
    is call('POST', '/api/v1/auth/logout', undef, $token)->{status}, 401,
        'and cannot log out twice';
};

subtest 'password change refuses every older token' => sub {
    my $email = signup_verified('bob');
    my $t1 = login('bob', $email, undef, 2);
    my $t2 = login('bob', $email, undef, 3);

    my $r = call('PUT', '/api/v1/me/password',
                 { current_password => 'not my password', 
                   new_password => 'a brand new secret' }, $t1);
    is $r->{status}, 403, 'a wrong current password: 403';
    is $r->{json}{error}, 'wrong_password', 'wrong_password';

    $r = call('PUT', '/api/v1/me/password',
              { current_password => $PASSWORD,
                new_password => 'password123' }, $t1);
    is $r->{status}, 400, 'a common new password: 400';
    like $r->{json}{fields}{new_password}, qr/common/, 'saying why';

    sleep 1;    # tokens are refused up to the second of the change
    $r = call('PUT', '/api/v1/me/password',
              { current_password => $PASSWORD,
                new_password => 'a brand new secret' }, $t1);
    is $r->{status}, 204, 'changed: 204';
    is call('GET', '/api/v1/me', undef, $t1)->{status}, 401,
        'the token that changed it is refused';
    is call('GET', '/api/v1/me', undef, $t2)->{status}, 401,
        'and every other older token';

    $r = call('POST', '/api/v1/auth/login',
              { username => 'bob', password => $PASSWORD });
    is $r->{status}, 401, 'the old password is refused';
    sleep 1;
    my $t3 = login('bob', $email, 'a brand new secret', 4);
    is call('GET', '/api/v1/me', undef, $t3)->{status}, 200,
        'a token from the new password works';
};

# Logs in and returns the second factor's whole answer (for its cookie).
sub login_answer {
    my ($name, $email, $nth, $password) = @_;
    my $r = call('POST', '/api/v1/auth/login',
                 { username => $name, password => $password // $PASSWORD });
    return call('POST', '/api/v1/auth/login/verify',
                { challenge_id => $r->{json}{challenge_id},
                  code => $s->code_for($email, $nth) });
}

# The Set-Cookie header named $name of answer $r (HTTP::Tiny gives an
# array when there are several).
sub set_cookie {
    my ($r, $name) = @_;
    my $h = $r->{headers}{'set-cookie'} // [];
    my ($c) = grep { /^\Q$name\E=/ } ref $h ? @$h : ($h);
    return $c // '';
}

sub refresh {
    my ($cookie) = @_;
    return call('POST', '/api/v1/auth/refresh', undef, undef,
                defined $cookie ? (Cookie => $cookie) : ());
}

subtest 'the web session: an HttpOnly cookie that can only refresh' => sub {
    my $email = signup_verified('dora');
    my $r = login_answer('dora', $email, 2);
    is $r->{status}, 200, 'logged in';
    my $set = set_cookie($r, 'bb_session');
    like $set, qr{^bb_session=[\w.-]+; Path=/api/v1/auth; Max-Age=43200; (?x)
                  HttpOnly;\ SameSite=Strict$},
        'login sets an HttpOnly, SameSite=Strict cookie for /api/v1/auth, '
        . 'for 12 h';
    is set_cookie($r, 'bb_signed_in'),
        'bb_signed_in=1; Path=/; Max-Age=43200; SameSite=Strict',
        'and a marker the page can read, holding nothing';
    my ($session) = $set =~ /^bb_session=([^;]+)/;
    my $access = $r->{json}{access_token};

    $r = refresh("theme=dark; bb_session=$session");
    is $r->{status}, 200, 'the cookie buys a fresh access token';
    my $fresh = $r->{json}{access_token};
    isnt $fresh, $access, '  a new one';
    is $r->{json}{expires_in}, 900, '  as short-lived as a login\'s';
    is call('GET', '/api/v1/me', undef, $fresh)->{json}{username}, 'dora',
        '  and it works';
    ok !exists $r->{headers}{'set-cookie'}, '  the cookie is left as it is';

    is call('GET', '/api/v1/me', undef, $session)->{status}, 401,
        'the session token is no bearer token';
    $r = refresh("bb_session=$access");
    is $r->{status}, 401, 'an access token is no session';
    is $r->{json}{error}, 'session_expired', '  session_expired';
    like set_cookie($r, 'bb_session'), qr/^bb_session=; .*Max-Age=0/,
        '  and the bad cookie is cleared';
    like set_cookie($r, 'bb_signed_in'), qr/^bb_signed_in=; .*Max-Age=0/,
        '  with its marker';
    $r = refresh();
    is $r->{status}, 401, 'no cookie: 401';
    is $r->{json}{error}, 'session_expired', '  session_expired';
    (my $forged = $session) =~ s/.$/$& eq 'A' ? 'B' : 'A'/e;
    is refresh("bb_session=$forged")->{status}, 401, 'a forged cookie: 401';
    is refresh('bb_session=' . ('a' x 2000))->{status}, 401,
        'an overlong cookie: 401';

    $r = call('POST', '/api/v1/auth/logout', undef, $fresh,
              Cookie => "bb_session=$session");
    is $r->{status}, 204, 'logout';
    like set_cookie($r, 'bb_session'), qr/^bb_session=; .*Max-Age=0/,
        '  clears the cookie';
    like set_cookie($r, 'bb_signed_in'), qr/^bb_signed_in=; .*Max-Age=0/,
        '  and its marker';
    is refresh("bb_session=$session")->{status}, 401,
        '  and the session is over, for whoever kept the cookie';
    is call('GET', '/api/v1/me', undef, $access)->{status}, 200,
        'another access token of the login lives its short life';

    $r = login_answer('dora', $email, 3);
    ($session) = set_cookie($r, 'bb_session') =~ /^bb_session=([^;]+)/;
    is refresh("bb_session=$session")->{status}, 200, 'a new login, a new session';
    sleep 1;    # sessions are refused up to the second of the change
    is call('PUT', '/api/v1/me/password',
            { current_password => $PASSWORD,
              new_password => 'a brand new secret' },
            $r->{json}{access_token})->{status}, 204, 'password changed';
    is refresh("bb_session=$session")->{status}, 401,
        'a password change ends every session';
    $r = login_answer('dora', $email, 4, 'a brand new secret');
    is call('GET', '/api/v1/me', undef, $r->{json}{access_token})->{status},
        200, 'a login in the same second as the change is good';
    ($session) = set_cookie($r, 'bb_session') =~ /^bb_session=([^;]+)/;
    is refresh("bb_session=$session")->{status}, 200, '  and so is its session';
};

subtest 'malformed bodies' => sub {
    my @cases = (
        [ 'not JSON', '{"email":', 400, 'invalid_json' ],
        [ 'an array', '[]', 400, 'invalid_json' ],
        [ 'a string', '"hello"', 400, 'invalid_json' ],
        [ 'duplicate keys',
          '{"username":"a1b","username":"x2y","password":"p","email":"e"}',
          400, 'invalid_json' ],
        [ 'NUL in a string',
          '{"email":"a\u0000@b.co","username":"nul","password":"0123456789x"}',
          400, 'invalid_json' ],
        [ 'invalid UTF-8', qq({"email":"\xff\xfe","username":"u","password":"p"}),
          400, 'invalid_json' ],
    );
    for my $c (@cases) {
        my ($name, $body, $status, $error) = @$c;
        my $r = call('POST', '/api/v1/auth/signup', $body);
        is $r->{status}, $status, "$name: $status";
        is $r->{json}{error}, $error, "$name: $error";
        ok length $r->{json}{message}, "$name: with a message";
    }

    my $r = call('POST', '/api/v1/auth/signup', {}, undef,
                 'Content-Type' => 'text/plain');
    is $r->{status}, 415, 'text/plain: 415';
    is $r->{json}{error}, 'unsupported_media_type', 'unsupported_media_type';

    $r = call('POST', '/api/v1/auth/signup',
              { email => 'x' x 70000, username => 'big', password => 'p' });
    is $r->{status}, 413, 'a body over 64 KiB: 413';
    is $r->{json}{error}, 'body_too_large', 'body_too_large';
};

subtest 'bad fields' => sub {
    my %good = (email => 'carol@example.com', username => 'carol',
                password => $PASSWORD);
    my @cases = (
        [ 'missing password', { %good, password => undef },
          { password => qr/required/ } ],
        [ 'extra field', { %good, admin => JSON::PP::true },
          { admin => qr/unknown/ } ],
        [ 'number for a string', { %good, username => 12345 },
          { username => qr/string/ } ],
        [ 'object for a string', { %good, email => {} },
          { email => qr/string/ } ],
        [ 'short username', { %good, username => 'ab' },
          { username => qr/3 to 32/ } ],
        [ 'long username', { %good, username => 'a' x 33 },
          { username => qr/./ } ],
        [ 'long email', { %good, email => ('a' x 250) . '@b.co' },
          { email => qr/long/ } ],
        [ 'Cyrillic homoglyph', { %good, username => "\x{430}lice" },
          { username => qr/./ } ],
        [ 'SQL in the username', { %good, username => "a'; drop table users;--" },
          { username => qr/./ } ],
        [ 'no @ in the email', { %good, email => 'carol.example.com' },
          { email => qr/./ } ],
        [ 'short password', { %good, password => 'short' },
          { password => qr/10/ } ],
        [ 'common password', { %good, password => '1234567890' },
          { password => qr/common/ } ],
        [ 'long password', { %good, password => 'x' x 257 },
          { password => qr/256/ } ],
        [ 'everything wrong', { email => 1, username => 2, password => 3 },
          { email => qr/./, username => qr/./, password => qr/./ } ],
    );
    for my $c (@cases) {
        my ($name, $body, $want) = @$c;
        delete $body->{$_} for grep { !defined $body->{$_} } keys %$body;
        my $r = call('POST', '/api/v1/auth/signup', $body);
        is $r->{status}, 400, "$name: 400";
        is $r->{json}{error}, 'invalid_fields', "$name: invalid_fields";
        for my $f (sort keys %$want) {
            like $r->{json}{fields}{$f} // '', $want->{$f}, "$name: names $f";
        }
    }
    is scalar($s->mails('carol@example.com')), 0, 'no mail for any of them';
};

subtest 'SQL metacharacters are only data' => sub {
    my $email = "o'hara--\@example.com";
    my $r = call('POST', '/api/v1/auth/signup',
                 { email => $email, username => 'ohara',
                   password => $PASSWORD });
    is $r->{status}, 202, 'an address with a quote is a valid address';
    $r = call('POST', '/api/v1/auth/signup',
              { email => $email, username => 'ohara2',
                password => $PASSWORD });
    is $r->{status}, 409, 'stored exactly as given: the same one is taken';
    is $r->{json}{error}, 'email_taken', 'email_taken';

    my $evil = q{x'); DROP TABLE users; --};
    my $email2 = signup_verified('tables', password => $evil);
    ok login('tables', $email2, $evil, 2), 'a password of SQL logs in';
};

subtest 'an expired code' => sub {
    my $email = 'kim@example.com';
    call('POST', '/api/v1/auth/signup',
         { email => $email, username => 'kim', password => $PASSWORD });
    my $code = $s->code_for($email, 1);
    $s->psql("UPDATE auth_codes SET expires_at = now() - interval '1 second'"
           . " WHERE user_id = (SELECT id FROM users WHERE username = 'kim')");
    my $r = call('POST', '/api/v1/auth/verify-email',
                 { username => 'kim', code => $code });
    is $r->{status}, 410, 'an expired code: 410';
    is $r->{json}{error}, 'code_expired', 'code_expired';
};

subtest 'taken names and addresses' => sub {
    signup_verified('dave');
    my $r = call('POST', '/api/v1/auth/signup',
                 { email => 'other@example.com', username => 'DAVE',
                   password => $PASSWORD });
    is $r->{status}, 409, 'the same name in capitals: 409';
    is $r->{json}{error}, 'username_taken', 'username_taken';
    $r = call('POST', '/api/v1/auth/signup',
              { email => 'dave@EXAMPLE.com', username => 'dave2',
                password => $PASSWORD });
    is $r->{status}, 409, 'the same address: 409';
    is $r->{json}{error}, 'email_taken', 'email_taken';
};

subtest 'Korean mail from Accept-Language' => sub {
    my $r = call('POST', '/api/v1/auth/signup',
                 { email => 'minji@example.com', username => 'minji',
                   password => $PASSWORD }, undef,
                 'Accept-Language' => 'ko-KR,ko;q=0.9,en;q=0.8');
    is $r->{status}, 202, 'sign-up: 202';
    ok defined $s->code_for('minji@example.com', 1), 'a code is mailed';
    my ($mail) = $s->mails('minji@example.com');
    like $mail->{subject}, qr/[\x{AC00}-\x{D7A3}]/, 'a Korean subject';
    like $mail->{body}, qr/[\x{AC00}-\x{D7A3}]/, 'a Korean body';
};

subtest 'a code allows five tries' => sub {
    my $email = 'erin@example.com';
    call('POST', '/api/v1/auth/signup',
         { email => $email, username => 'erin', password => $PASSWORD });
    my $code = $s->code_for($email, 1);
    my $wrong = $code eq '123456' ? '654321' : '123456';
    my @status = map {
        call('POST', '/api/v1/auth/verify-email',
             { username => 'erin', code => $wrong })->{status}
    } 1 .. 5;
    is "@status", '400 400 400 400 400', 'five wrong tries: 400 each';
    my $r = call('POST', '/api/v1/auth/verify-email',
                 { username => 'erin', code => $code });
    is $r->{status}, 429, 'then even the right code is refused';
    is $r->{json}{error}, 'too_many_tries', 'too_many_tries';

    is call('POST', '/api/v1/auth/verify-email/resend',
            { username => 'erin' })->{status}, 202, 'a new code is sent';
    my $fresh = $s->code_for($email, 2);
    isnt $fresh, undef, 'mailed';
    is call('POST', '/api/v1/auth/verify-email',
            { username => 'erin', code => $fresh })->{status}, 200,
        'and it works';
};

# --- tokens --------------------------------------------------------------

my $KEY = do { local (@ARGV, $/) = $s->var . '/secrets/jwt.key'; <> };

sub jwt {
    my ($header, $claims, %opt) = @_;
    my $h = encode_base64url(encode_json($header));
    my $p = encode_base64url(encode_json($claims));
    my $key = $opt{key} // $KEY;
    my %sign = (HS256 => \&hmac_sha256, HS384 => \&hmac_sha384,
                HS512 => \&hmac_sha512);
    my $alg = $opt{sign_as} // $header->{alg};
    my $sig = $sign{$alg} ? encode_base64url($sign{$alg}->("$h.$p", $key))
            : $alg eq 'none' ? '' : encode_base64url('x' x 256);
    return "$h.$p.$sig";
}

subtest 'forged and broken tokens' => sub {
    my $email = signup_verified('frank');
    my $good = login('frank', $email, undef, 2);
    my (undef, $payload) = split /\./, $good;
    $payload =~ tr/-_/+\//;
    my $claims = decode_json(MIME::Base64::decode_base64($payload));
    is call('GET', '/api/v1/me', undef, $good)->{status}, 200,
        'the real token works';
    is call('GET', '/api/v1/me', undef, jwt({ alg => 'HS256', typ => 'JWT' },
                                             $claims))->{status}, 200,
        'a token we sign the same way works (the test signs right)';

    my $now = time;
    my %base = (%$claims);
    my @cases = (
        [ 'alg none', jwt({ alg => 'none' }, \%base) ],
        [ 'HS384', jwt({ alg => 'HS384', typ => 'JWT' }, \%base) ],
        [ 'HS512', jwt({ alg => 'HS512', typ => 'JWT' }, \%base) ],
        [ 'RS256 header', jwt({ alg => 'RS256', typ => 'JWT' }, \%base) ],
        [ 'HS256 header, HS384 signature',
          jwt({ alg => 'HS256' }, \%base, sign_as => 'HS384') ],
        [ 'another key', jwt({ alg => 'HS256' }, \%base, key => 'k' x 32) ],
        [ 'expired', jwt({ alg => 'HS256' }, { %base, exp => $now - 1 }) ],
        [ 'not yet valid (nbf)',
          jwt({ alg => 'HS256' }, { %base, nbf => $now + 3600 }) ],
        [ 'issued in the future',
          jwt({ alg => 'HS256' }, { %base, iat => $now + 3600 }) ],
        [ 'no jti', jwt({ alg => 'HS256' },
                        { map { $_ => $base{$_} } grep { $_ ne 'jti' }
                          keys %base }) ],
        [ 'no exp', jwt({ alg => 'HS256' },
                        { map { $_ => $base{$_} } grep { $_ ne 'exp' }
                          keys %base }) ],
        [ 'numeric sub', jwt({ alg => 'HS256' }, { %base, sub => 1 }) ],
        [ 'someone else\'s sub', jwt({ alg => 'HS256' }, { %base, sub => 'x' }) ],
        [ 'garbage', 'not.a.token' ],
        [ 'two parts', 'abc.def' ],
        [ 'empty', '' ],
        [ 'huge', 'a' x 5000 ],
    );
    my $tampered = $good;
    $tampered =~ s/^([^.]+)\.([^.]+)/$1 . '.' . encode_base64url(
        encode_json({ %base, sub => '999' }))/e;
    push @cases, [ 'tampered payload', $tampered ];

    for my $c (@cases) {
        my ($name, $token) = @$c;
        my $r = call('GET', '/api/v1/me', undef, $token);
        is $r->{status}, 401, "$name: 401";
        is $r->{json}{error}, 'unauthorized', "$name: unauthorized";
    }

    my $r = $s->request('GET', '/api/v1/me',
                        headers => { Authorization => "Basic $good" });
    is $r->{status}, 401, 'another scheme: 401';
    like $r->{headers}{'www-authenticate'}, qr/^Bearer/, 'naming Bearer';
};

subtest 'every worker honours a logout' => sub {
    my $email = signup_verified('gina');
    my $token = login('gina', $email, undef, 2);
    is call('POST', '/api/v1/auth/logout', undef, $token)->{status}, 204,
        'logged out';
    # New connections are spread over both nginx workers.
    my @status = map {
        $s->{http}{keep_alive} = 0;
        call('GET', '/api/v1/me', undef, $token)->{status}
    } 1 .. 20;
    is_deeply [ grep { $_ != 401 } @status ], [], 'refused 20 times out of 20';
};

subtest 'a second server honours a logout' => sub {
    my $email = signup_verified('gail');
    my $token = login('gail', $email, undef, 2);
    my $port = $s->start_second_nginx;
    my $other = "http://127.0.0.1:$port/api/v1/me";
    my %auth = (headers => { Authorization => "Bearer $token" });
    is $s->{http}->get($other, \%auth)->{status}, 200,
        'the token works on the second server';
    is call('POST', '/api/v1/auth/logout', undef, $token)->{status}, 204,
        'logged out on the first';
    is $s->{http}->get($other, \%auth)->{status}, 401,
        'refused at once by the second';
    $s->stop_second_nginx;
};

subtest 'a mail server outage loses no mail' => sub {
    $s->stop_service('mailsink');
    my $email = 'jane@example.com';
    is call('POST', '/api/v1/auth/signup',
            { email => $email, username => 'jane',
              password => $PASSWORD })->{status}, 202,
        'sign-up does not wait for mail';
    sleep 3;    # the worker tries, fails and backs off meanwhile
    is scalar($s->mails($email)), 0, 'no mail while the sink is down';
    is $s->start_service('mailsink'), 0, 'the sink is back';
    ok defined $s->code_for($email, 1, 30), 'the mail arrives after all';
    sleep 2;
    is scalar($s->mails($email)), 1, 'exactly once';
};

subtest 'Redis down: protected calls fail closed' => sub {
    my $email = signup_verified('hank');
    my $token = login('hank', $email, undef, 2);
    $s->stop_service('redis');
    my $r = call('GET', '/api/v1/me', undef, $token);
    is $r->{status}, 503, 'a valid token gets 503, not access';
    is $r->{json}{error}, 'service_unavailable', 'service_unavailable';
    $r = call('POST', '/api/v1/auth/login',
              { username => 'hank', password => $PASSWORD });
    is $r->{status}, 503, 'login cannot count tries: 503';
    is $s->start_service('redis'), 0, 'redis back';
    is call('GET', '/api/v1/me', undef, $token)->{status}, 200,
        'the token works again';
};

subtest 'no password, code or token in any log' => sub {
    my $logs = join '', map { local (@ARGV, $/) = $_; <> }
                        glob($s->var . '/log/*');
    unlike $logs, qr/\Q$PASSWORD\E/, 'no password';
    # The mail sink names its files by the time (20261126T051753.554423Z):
    # six digits there are a clock, which a code may happen to equal.
    (my $unstamped = $logs) =~ s/\b\d{8}T\d{6}\.\d+Z//g;
    unlike $unstamped, qr/(?<!\d)\Q$_\E(?!\d)/, 'no mailed code' for
        grep { defined } map { $_->{body} =~ /^\s*(\d{6})\s*$/m; $1 }
        map { $s->mails("$_\@example.com") } qw(alice bob frank);
    unlike $logs, qr/eyJ[\w-]+\.eyJ/, 'no token';
};

$s->stop;

subtest 'brute force meets 429 first' => sub {
    my $t = Blackbox::Stack->start(auth_rate => 10);
    my $email = 'ivan@example.com';
    $t->call('POST', '/api/v1/auth/signup',
             { email => $email, username => 'ivan', password => $PASSWORD });
    my @status = map {
        $t->call('POST', '/api/v1/auth/login',
                 { username => 'ivan', password => "guess number $_" })
          ->{status}
    } 1 .. 12;
    is "@status[0 .. 9]", join(' ', (401) x 10), 'ten wrong passwords: 401';
    my $r = $t->call('POST', '/api/v1/auth/login',
                     { username => 'ivan', password => $PASSWORD });
    is $r->{status}, 429, 'then 429, even with the right password';
    is $r->{json}{error}, 'rate_limited', 'rate_limited';
    like $r->{headers}{'retry-after'}, qr/^\d+$/, 'with Retry-After';
    cmp_ok $r->{headers}{'retry-after'}, '<=', 60, 'within a minute';
    $t->stop;
};

done_testing;
