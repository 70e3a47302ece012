// The app's entry: the header, the routes and the sign-in rules.
//
// On load it first asks the server whether a session can be resumed (the
// refresh cookie), and only then renders a page, so a signed-in user never
// sees the login form flash by.

import { restoreSession, signedIn, logout } from './api.js';
import { t, addMessages, lang, langs, setLang } from './i18n.js';
import { route, go, current, startRouter } from './router.js';
import { h, spinner, toast, errorText } from './ui.js';
import { renderLogin, renderSignup, renderVerify, renderLoginCode,
         noticeOnLogin } from './views/auth.js';
import { renderDevices } from './views/devices.js';
import { renderAccount } from './views/account.js';
import { renderDays } from './views/footage.js';
import { renderDay } from './views/day.js';

addMessages({
    en: {
        'app.skip': 'Skip to content',
        'app.home': 'blackbox: your devices',
        'nav.label': 'Main',
        'nav.devices': 'Devices',
        'nav.account': 'Account',
        'nav.logout': 'Log out',
        'nav.language': 'Language',
        'nav.logged_out': 'You are logged out.',
    },
    ko: {
        'app.skip': '본문으로 건너뛰기',
        'app.home': 'blackbox: 내 기기',
        'nav.label': '주 메뉴',
        'nav.devices': '기기',
        'nav.account': '계정',
        'nav.logout': '로그아웃',
        'nav.language': '언어',
        'nav.logged_out': '로그아웃되었습니다.',
    },
});

const LANG_NAMES = { en: 'English', ko: '한국어' };

// Pages for people who are not signed in; every other page needs a session.
const PUBLIC_PATHS = ['/login', '/signup', '/verify', '/login/code'];


route('#/login', renderLogin);
route('#/signup', renderSignup);
route('#/verify', renderVerify);
route('#/login/code', renderLoginCode);
route('#/devices', renderDevices);
route('#/devices/:id', renderDays);
route('#/devices/:id/:date', renderDay);
route('#/account', renderAccount);


function redirect(path, matched) {
    const isPublic = PUBLIC_PATHS.includes(path);
    if (signedIn()) {
        return isPublic || !matched ? '#/devices' : null;
    }
    return isPublic ? null : '#/login';
}


// The header's parts are made once and updated on every page and language
// change, so the language <select> keeps the focus while it is used.
const header = {};

function buildHeader() {
    header.devices = h('a', { class: 'nav-link', href: '#/devices',
                              'data-testid': 'nav-devices' });
    header.account = h('a', { class: 'nav-link', href: '#/account',
                              'data-testid': 'nav-account' });
    header.nav = h('nav', { class: 'nav' }, header.devices, header.account);
    header.langLabel = h('label', { class: 'visually-hidden', for: 'lang-switch' });
    header.lang = h('select', {
        id: 'lang-switch', class: 'lang-switch', 'data-testid': 'lang-switch',
        on: { change: (ev) => setLang(ev.target.value) },
    }, langs().map((l) => h('option', { value: l, lang: l, text: LANG_NAMES[l] })));
    header.logoutLabel = h('span', { class: 'btn-label' });
    header.logout = h('button', { type: 'button', class: 'btn btn-header btn-icon icon-logout',
                                  'data-testid': 'logout', on: { click: onLogout } },
                      header.logoutLabel);
    document.querySelector('.app-header-inner').append(
        header.nav,
        h('div', { class: 'header-tools' }, header.langLabel, header.lang, header.logout));
}


function updateHeader() {
    const path = current().path;
    const section = path.startsWith('/account') ? header.account
        : path.startsWith('/devices') ? header.devices : null;
    const on = signedIn();

    document.getElementById('brand').setAttribute('aria-label', t('app.home'));
    document.getElementById('brand').href = on ? '#/devices' : '#/login';
    document.getElementById('skip-link').textContent = t('app.skip');
    header.nav.hidden = !on;
    header.nav.setAttribute('aria-label', t('nav.label'));
    for (const link of [header.devices, header.account]) {
        if (link === section) {
            link.setAttribute('aria-current', 'page');
        } else {
            link.removeAttribute('aria-current');
        }
    }
    header.devices.textContent = t('nav.devices');
    header.account.textContent = t('nav.account');
    header.langLabel.textContent = t('nav.language');
    header.lang.value = lang();
    header.logout.hidden = !on;
    header.logout.disabled = false;
    header.logoutLabel.textContent = t('nav.logout');
}


async function onLogout(ev) {
    ev.currentTarget.disabled = true;
    try {
        await logout();
    } catch (err) {
        // The token is forgotten here even if the server could not hear it.
        toast(errorText(err), 'error');
    }
    noticeOnLogin(t('nav.logged_out'));
    go('#/login');
}


// Only a page of the app makes the calls that end in 'bb:signed-out', so
// the user was inside and is owed a word about why they are out.
function onSignedOut() {
    noticeOnLogin(t('err.session'));
    go('#/login');
}


async function boot() {
    document.getElementById('skip-link').addEventListener('click', (ev) => {
        ev.preventDefault();
        document.getElementById('main').focus();
    });
    window.addEventListener('bb:route', updateHeader);
    window.addEventListener('bb:signed-out', onSignedOut);

    buildHeader();
    updateHeader();
    document.getElementById('main').append(
        h('div', { class: 'page-loading' }, spinner()));
    await restoreSession();
    startRouter(redirect);
}


boot();
