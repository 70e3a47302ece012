// #/account: who is signed in, and changing the password.
//
// A changed password ends every session, this one included, so success
// forgets the token and sends the user to the login page with a word why.

import { apiGet, apiPut, endSession } from '../api.js';
import { t, addMessages, lang } from '../i18n.js';
import { go } from '../router.js';
import { h, field, formAlert, handleSubmit, showFieldError, pageTitle,
         errorText } from '../ui.js';
import { noticeOnLogin } from './auth.js';

addMessages({
    en: {
        'account.title': 'Account',
        'account.profile': 'Profile',
        'account.username': 'Username',
        'account.email': 'E-mail',
        'account.since': 'Member since',
        'account.password': 'Change password',
        'account.password_lede': 'You will be logged out everywhere, here too, and log in again with the new password.',
        'account.current': 'Current password',
        'account.new': 'New password',
        'account.new_hint': 'At least 10 characters.',
        'account.submit': 'Change password',
        'account.changed': 'Password changed: log in again.',
    },
    ko: {
        'account.title': '계정',
        'account.profile': '프로필',
        'account.username': '사용자 이름',
        'account.email': '이메일',
        'account.since': '가입일',
        'account.password': '비밀번호 변경',
        'account.password_lede': '변경하면 이 기기를 포함한 모든 곳에서 로그아웃되며, 새 비밀번호로 다시 로그인해야 합니다.',
        'account.current': '현재 비밀번호',
        'account.new': '새 비밀번호',
        'account.new_hint': '10자 이상.',
        'account.submit': '비밀번호 변경',
        'account.changed': '비밀번호가 변경되었습니다. 다시 로그인해 주세요.',
    },
});


export function renderAccount(root) {
    const username = h('dd', { 'data-testid': 'account-username' },
                       h('span', { class: 'skeleton skeleton-line' }));
    const email = h('dd', { 'data-testid': 'account-email' },
                    h('span', { class: 'skeleton skeleton-line' }));
    const since = h('dd', null, h('span', { class: 'skeleton skeleton-line' }));
    const profileError = h('p', { class: 'form-error', role: 'alert', hidden: true });

    const form = h('form', { class: 'form', novalidate: true },
        formAlert(),
        // A hidden username lets password managers file the new password
        // under the right account.
        h('input', { type: 'text', name: 'username_hint', autocomplete: 'username',
                     class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' }),
        field({ label: t('account.current'), id: 'pw-current', testid: 'pw-current',
                name: 'current_password', type: 'password',
                autocomplete: 'current-password', required: true }),
        field({ label: t('account.new'), id: 'pw-new', testid: 'pw-new',
                name: 'new_password', type: 'password', hint: t('account.new_hint'),
                autocomplete: 'new-password', required: true }),
        h('div', { class: 'form-actions' },
          h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'pw-submit',
                        text: t('account.submit') })));

    handleSubmit(form, async (values) => {
        try {
            await apiPut('/api/v1/me/password', {
                current_password: values.current_password,
                new_password: values.new_password,
            });
        } catch (err) {
            if (err.code !== 'wrong_password') {
                throw err;
            }
            showFieldError(form, 'current_password', errorText(err));
            return;
        }
        endSession();
        noticeOnLogin(t('account.changed'));
        go('#/login');
    });

    root.append(
        h('div', { class: 'page-head' }, pageTitle(t('account.title'))),
        h('div', { class: 'account' },
          h('section', { class: 'card', 'aria-labelledby': 'account-profile' },
            h('h2', { class: 'section-title', id: 'account-profile',
                      text: t('account.profile') }),
            profileError,
            h('dl', { class: 'facts' },
              h('dt', { text: t('account.username') }), username,
              h('dt', { text: t('account.email') }), email,
              h('dt', { text: t('account.since') }), since)),
          h('section', { class: 'card', 'aria-labelledby': 'account-password' },
            h('h2', { class: 'section-title', id: 'account-password',
                      text: t('account.password') }),
            h('p', { class: 'muted small form-lede', text: t('account.password_lede') }),
            form)));

    loadProfile();

    async function loadProfile() {
        try {
            const me = await apiGet('/api/v1/me');
            username.textContent = me.username;
            email.textContent = me.email;
            since.textContent = new Intl.DateTimeFormat(lang(), { dateStyle: 'long' })
                .format(new Date(me.created_at));
            form.elements.username_hint.value = me.username;
        } catch (err) {
            profileError.textContent = errorText(err);
            profileError.hidden = false;
        }
    }
}

