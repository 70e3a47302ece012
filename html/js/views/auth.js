// The signed-out pages: sign up, confirm the e-mail code, log in with the
// password, then with the mailed second code.
//
// Between the password and the code the login challenge is kept in this
// module's memory only: a reload on the code page starts the login again,
// which is what the server would ask for anyway once the page is gone.

import { apiPost, startSession } from '../api.js';
import { t, addMessages } from '../i18n.js';
import { go } from '../router.js';
import { h, field, formAlert, handleSubmit, showFormError, showFieldError,
         clearFormErrors, whileBusy, pageTitle, toast } from '../ui.js';

addMessages({
    en: {
        'auth.tagline': 'Your dashcams’ footage, kept safe and ready to watch anywhere.',
        'auth.email': 'E-mail address',
        'auth.username': 'Username',
        'auth.username_hint': '3 to 32 characters: a–z, 0–9, dot, dash or underscore. Others see it as your name.',
        'auth.password': 'Password',
        'auth.new_password_hint': 'At least 10 characters.',
        'auth.code': '6-digit code',
        'signup.title': 'Create your account',
        'signup.lede': 'Keep every drive, watch it anywhere.',
        'signup.submit': 'Create account',
        'signup.have_account': 'Already have an account?',
        'signup.go_login': 'Log in',
        'signup.sent': 'We sent a 6-digit code to {email}.',
        'verify.title': 'Confirm your e-mail',
        'verify.lede': 'Enter the 6-digit code we mailed you. It is valid for 10 minutes.',
        'verify.submit': 'Confirm',
        'verify.resend': 'Send a new code',
        'verify.resent': 'If that account is waiting for confirmation, a new code is on its way.',
        'verify.need_username': 'Enter your username first.',
        'verify.done': 'Your e-mail address is confirmed: log in.',
        'verify.go': 'Enter the code',
        'login.title': 'Log in',
        'login.lede': 'Welcome back.',
        'login.submit': 'Continue',
        'login.no_account': 'New to blackbox?',
        'login.go_signup': 'Create an account',
        'code.title': 'Check your mail',
        'code.lede': 'We mailed a 6-digit code to the address of {username}. It is valid for 10 minutes.',
        'code.submit': 'Log in',
        'code.again': 'Log in again',
        'code.no_mail': 'No mail? Look in the spam folder, or',
        'code.restart': 'start again',
    },
    ko: {
        'auth.tagline': '블랙박스 영상을 클라우드에 안전하게 보관하고 언제든 볼 수 있습니다.',
        'auth.email': '이메일 주소',
        'auth.username': '사용자 이름',
        'auth.username_hint': '영문 소문자, 숫자, 점(.), 하이픈(-), 밑줄(_)로 3~32자. 다른 사람에게 표시되는 이름입니다.',
        'auth.password': '비밀번호',
        'auth.new_password_hint': '10자 이상.',
        'auth.code': '6자리 코드',
        'signup.title': '계정 만들기',
        'signup.lede': '모든 주행 영상을 보관하고 어디서든 확인하세요.',
        'signup.submit': '계정 만들기',
        'signup.have_account': '이미 계정이 있으신가요?',
        'signup.go_login': '로그인',
        'signup.sent': '{email}(으)로 6자리 코드를 보냈습니다.',
        'verify.title': '이메일 인증',
        'verify.lede': '메일로 받은 6자리 코드를 입력해 주세요. 코드는 10분 동안 유효합니다.',
        'verify.submit': '인증하기',
        'verify.resend': '새 코드 받기',
        'verify.resent': '인증을 기다리는 계정이라면 새 코드가 곧 도착합니다.',
        'verify.need_username': '먼저 사용자 이름을 입력해 주세요.',
        'verify.done': '이메일 주소가 인증되었습니다. 로그인해 주세요.',
        'verify.go': '코드 입력하기',
        'login.title': '로그인',
        'login.lede': '다시 오신 것을 환영합니다.',
        'login.submit': '계속',
        'login.no_account': 'blackbox가 처음이신가요?',
        'login.go_signup': '계정 만들기',
        'code.title': '메일을 확인해 주세요',
        'code.lede': '{username} 계정의 이메일 주소로 6자리 코드를 보냈습니다. 코드는 10분 동안 유효합니다.',
        'code.submit': '로그인',
        'code.again': '다시 로그인',
        'code.no_mail': '메일이 오지 않았나요? 스팸함을 확인하거나',
        'code.restart': '다시 로그인하세요',
    },
});

// A sentence for the login page to show once, set by whoever sends the
// user there (logout, expired session, password change, confirmed e-mail).
let loginNotice = null;
// What the signup page tells the verify page.
let verifyNotice = null;
// The password step's answer, for the code step.
let challenge = null;


export function noticeOnLogin(text) {
    loginNotice = text;
}


export function renderSignup(root) {
    const form = h('form', { class: 'form', novalidate: true },
        formAlert(),
        field({ label: t('auth.email'), id: 'signup-email', testid: 'signup-email',
                name: 'email', type: 'email', autocomplete: 'email', required: true }),
        field({ label: t('auth.username'), id: 'signup-username',
                testid: 'signup-username', name: 'username', hint: t('auth.username_hint'),
                autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false',
                required: true }),
        field({ label: t('auth.password'), id: 'signup-password',
                testid: 'signup-password', name: 'password', type: 'password',
                hint: t('auth.new_password_hint'), autocomplete: 'new-password',
                required: true }),
        h('button', { type: 'submit', class: 'btn btn-primary btn-block',
                      'data-testid': 'signup-submit', text: t('signup.submit') }));

    handleSubmit(form, async (values) => {
        await apiPost('/api/v1/auth/signup', values);
        verifyNotice = t('signup.sent', { email: values.email });
        go('#/verify?username=' + encodeURIComponent(values.username));
    });

    authPage(root, t('signup.title'), t('signup.lede'), form,
             [t('signup.have_account'), ' ',
              h('a', { href: '#/login', 'data-testid': 'go-login',
                       text: t('signup.go_login') })]);
    form.querySelector('input').focus();
}


export function renderVerify(root, params, query) {
    const username = query.get('username') || '';
    const resend = h('button', { type: 'button', class: 'btn-link',
                                 'data-testid': 'verify-resend', text: t('verify.resend') });
    const form = h('form', { class: 'form', novalidate: true },
        verifyNotice ? h('p', { class: 'form-notice', text: verifyNotice }) : null,
        formAlert(),
        field({ label: t('auth.username'), id: 'verify-username',
                testid: 'verify-username', name: 'username', value: username,
                autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false',
                required: true }),
        codeField('verify-code', 'verify-code'),
        h('button', { type: 'submit', class: 'btn btn-primary btn-block',
                      'data-testid': 'verify-submit', text: t('verify.submit') }));

    handleSubmit(form, async (values) => {
        await apiPost('/api/v1/auth/verify-email', values);
        verifyNotice = null;
        noticeOnLogin(t('verify.done'));
        go('#/login?username=' + encodeURIComponent(values.username));
    });
    resend.addEventListener('click', () => onResend(form, resend));

    authPage(root, t('verify.title'), t('verify.lede'), form, resend);
    form.querySelector(username ? '[name="code"]' : 'input').focus();
}


async function onResend(form, button) {
    const username = form.elements.username.value.trim();
    if (!username) {
        showFieldError(form, 'username', t('verify.need_username'));
        return;
    }
    clearFormErrors(form);
    try {
        await whileBusy(button, () =>
            apiPost('/api/v1/auth/verify-email/resend', { username }));
        toast(t('verify.resent'), 'ok');
        form.elements.code.value = '';
        form.elements.code.focus();
    } catch (err) {
        showFormError(form, err);
    }
}


export function renderLogin(root, params, query) {
    verifyNotice = null;
    const username = query.get('username') || '';
    const form = h('form', { class: 'form', novalidate: true },
        loginNotice ? h('p', { class: 'form-notice', role: 'status',
                               'data-testid': 'notice', text: loginNotice }) : null,
        formAlert(),
        field({ label: t('auth.username'), id: 'login-username', testid: 'login-username',
                name: 'username', value: username, autocomplete: 'username',
                autocapitalize: 'none', spellcheck: 'false', required: true }),
        field({ label: t('auth.password'), id: 'login-password', testid: 'login-password',
                name: 'password', type: 'password', autocomplete: 'current-password',
                required: true }),
        h('button', { type: 'submit', class: 'btn btn-primary btn-block',
                      'data-testid': 'login-submit', text: t('login.submit') }));

    handleSubmit(form, async (values) => {
        const answer = await apiPost('/api/v1/auth/login', values);
        loginNotice = null;
        challenge = { id: answer.challenge_id, username: values.username };
        go('#/login/code');
    }, (err, values) => err.code === 'email_not_verified'
        ? h('a', { href: '#/verify?username=' + encodeURIComponent(values.username),
                   text: t('verify.go') })
        : null);

    authPage(root, t('login.title'), t('login.lede'), form,
             [t('login.no_account'), ' ',
              h('a', { href: '#/signup', 'data-testid': 'go-signup',
                       text: t('login.go_signup') })]);
    form.querySelector(username ? '[name="password"]' : 'input').focus();
}


export function renderLoginCode(root) {
    if (!challenge) {
        go('#/login');
        return;
    }
    const form = h('form', { class: 'form', novalidate: true },
        formAlert(),
        codeField('login-code', 'login-code'),
        h('button', { type: 'submit', class: 'btn btn-primary btn-block',
                      'data-testid': 'login-code-submit', text: t('code.submit') }));

    handleSubmit(form, async (values) => {
        const answer = await apiPost('/api/v1/auth/login/verify',
                                     { challenge_id: challenge.id, code: values.code });
        challenge = null;
        startSession(answer);
        go('#/devices');
    }, (err) => ['code_expired', 'too_many_tries'].includes(err.code)
        ? h('a', { href: '#/login', text: t('code.again') })
        : null);

    authPage(root, t('code.title'), t('code.lede', { username: challenge.username }), form,
             [t('code.no_mail'), ' ',
              h('a', { href: '#/login', text: t('code.restart') })]);
    form.elements.code.focus();
}


function codeField(id, testid) {
    const wrap = field({ label: t('auth.code'), id, testid, name: 'code',
                         inputmode: 'numeric', autocomplete: 'one-time-code',
                         maxlength: 6, pattern: '[0-9]*', required: true,
                         spellcheck: 'false' });
    wrap.querySelector('input').classList.add('input-code');
    return wrap;
}


// The shared frame: a centred card with a title, a line, the form and a
// footer line.
function authPage(root, title, lede, form, foot) {
    root.append(h('div', { class: 'auth' },
        h('div', { class: 'card auth-card' },
          pageTitle(title),
          h('p', { class: 'auth-lede', text: lede }),
          form,
          h('p', { class: 'auth-foot' }, foot)),
        h('p', { class: 'auth-tagline', text: t('auth.tagline') })));
    root.querySelector('.page-title').classList.add('auth-title');
}
