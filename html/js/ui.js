// Building blocks for the views: DOM building, dialogs, notices, forms.
//
// All DOM is built with h(), which sets text as text: data from the API is
// never parsed as HTML, and nothing here needs inline script or style
// attributes, which the Content-Security-Policy refuses.

import { t, addMessages } from './i18n.js';
import { ApiError } from './api.js';

addMessages({
    en: {
        'ui.cancel': 'Cancel',
        'ui.ok': 'OK',
        'ui.close': 'Close',
        'ui.loading': 'Loading…',
        'ui.notifications': 'Notifications',
        'ui.check_fields': 'Check the fields marked below.',
        'err.network': 'The server cannot be reached: check your connection and try again.',
        'err.rate_limited': 'Too many tries: try again in {seconds} s.',
        'err.rate_limited_later': 'Too many tries: wait a little and try again.',
        'err.server': 'Something went wrong on the server ({status}). Try again in a moment.',
        'err.session': 'Your session ended: log in again.',
        'err.username_taken': 'That username is taken: choose another.',
        'err.email_taken': 'An account with that e-mail address exists already: log in.',
        'err.wrong_code': 'That code is not right: check the latest mail we sent.',
        'err.code_expired': 'That code has expired: ask for a new one.',
        'err.too_many_tries': 'Too many wrong codes: ask for a new one.',
        'err.invalid_credentials': 'The username or the password is wrong.',
        'err.email_not_verified': 'Confirm your e-mail address first with the code we mailed you.',
        'err.wrong_password': 'The current password is not right.',
        'err.device_taken': 'That device is registered to an account already.',
        'err.not_found': 'This is gone: it was deleted, or it never existed.',
        'field.required': 'Required.',
        'field.must not be empty': 'Required.',
        'field.too long': 'Too long.',
        'field.must be at least 10 characters': 'At least 10 characters.',
        'field.is one of the most common passwords: choose another':
            'This is one of the most common passwords: choose another.',
    },
    ko: {
        'ui.cancel': '취소',
        'ui.ok': '확인',
        'ui.close': '닫기',
        'ui.loading': '불러오는 중…',
        'ui.notifications': '알림',
        'ui.check_fields': '아래 표시된 항목을 확인해 주세요.',
        'err.network': '서버에 연결할 수 없습니다. 인터넷 연결을 확인하고 다시 시도해 주세요.',
        'err.rate_limited': '시도 횟수가 너무 많습니다. {seconds}초 후에 다시 시도해 주세요.',
        'err.rate_limited_later': '시도 횟수가 너무 많습니다. 잠시 후 다시 시도해 주세요.',
        'err.server': '서버에 문제가 생겼습니다({status}). 잠시 후 다시 시도해 주세요.',
        'err.session': '세션이 만료되었습니다. 다시 로그인해 주세요.',
        'err.username_taken': '이미 사용 중인 사용자 이름입니다. 다른 이름을 골라 주세요.',
        'err.email_taken': '이 이메일 주소로 가입된 계정이 이미 있습니다. 로그인해 주세요.',
        'err.wrong_code': '코드가 올바르지 않습니다. 가장 최근에 받은 메일을 확인해 주세요.',
        'err.code_expired': '코드가 만료되었습니다. 새 코드를 요청해 주세요.',
        'err.too_many_tries': '잘못된 코드를 너무 많이 입력했습니다. 새 코드를 요청해 주세요.',
        'err.invalid_credentials': '사용자 이름 또는 비밀번호가 올바르지 않습니다.',
        'err.email_not_verified': '먼저 메일로 받은 코드로 이메일 주소를 인증해 주세요.',
        'err.wrong_password': '현재 비밀번호가 올바르지 않습니다.',
        'err.device_taken': '이미 다른 계정에 등록된 기기입니다.',
        'err.not_found': '삭제되었거나 존재하지 않는 항목입니다.',
        'field.required': '필수 항목입니다.',
        'field.must not be empty': '필수 항목입니다.',
        'field.too long': '너무 깁니다.',
        'field.must be at least 10 characters': '10자 이상이어야 합니다.',
        'field.is one of the most common passwords: choose another':
            '너무 흔한 비밀번호입니다. 다른 비밀번호를 골라 주세요.',
        "field.must be 3 to 32 characters of a-z, 0-9, '.', '_' or '-'":
            "3~32자의 영문 소문자, 숫자, '.', '_', '-'만 쓸 수 있습니다.",
        "field.may contain only a-z, 0-9, '.', '_' or '-' (no spaces, accents or other alphabets)":
            "영문 소문자, 숫자, '.', '_', '-'만 쓸 수 있습니다(공백, 한글 등 불가).",
        "field.must contain exactly one '@'": "'@'가 정확히 하나 있어야 합니다.",
        "field.must have a domain such as example.com after the '@'":
            "'@' 뒤에 example.com 같은 도메인이 있어야 합니다.",
        "field.must have 1 to 64 characters before the '@'":
            "'@' 앞에 1~64자가 있어야 합니다.",
        'field.must be an address such as name@example.com':
            'name@example.com 같은 이메일 주소여야 합니다.',
        'field.must be at most 254 characters': '254자 이하여야 합니다.',
        'field.must be at most 256 characters': '256자 이하여야 합니다.',
        'field.must not contain control characters': '제어 문자는 쓸 수 없습니다.',
        "field.must be 3 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'":
            "3~64자의 영문자, 숫자, '.', '_', '-'만 쓸 수 있습니다.",
        'field.must be 1 to 64 characters, without control characters':
            '제어 문자 없이 1~64자여야 합니다.',
    },
});


// h('a', {class: 'btn', href, 'data-testid': 'x', on: {click: fn}}, ...kids)
// attrs: 'class', 'text' (textContent), 'on' (listeners), 'style' (an
// object of style properties), the form properties value/checked/selected/
// disabled/hidden, and any attribute (true = present, false/null = absent).
// Children: nodes, strings, numbers, arrays of them; null/false are skipped.
export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
        setAttr(el, name, value);
    }
    append(el, children);
    return el;
}


const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'hidden']);

function setAttr(el, name, value) {
    if (value === null || value === undefined || value === false) {
        return;
    }
    if (name === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name === 'text') {
        el.textContent = value;
    } else if (name === 'on') {
        for (const [type, fn] of Object.entries(value)) {
            el.addEventListener(type, fn);
        }
    } else if (name === 'style') {
        Object.assign(el.style, value);
    } else if (PROPERTIES.has(name)) {
        el[name] = value;
    } else {
        el.setAttribute(name, value === true ? '' : String(value));
    }
}


function append(el, children) {
    for (const child of children) {
        if (child === null || child === undefined || child === false) {
            continue;
        }
        if (Array.isArray(child)) {
            append(el, child);
        } else {
            el.append(child instanceof Node ? child : String(child));
        }
    }
}


// Opens a modal <dialog> holding content; resolves with what close(value)
// was given (Escape closes with `dismissValue`).  The dialog is removed
// from the page when it closes, and focus returns where it was (or to
// <main>, when that is gone: a deleted row's button).
export function modal({ title, content, className, testid, dismissValue,
                        onReady }) {
    const returnFocus = document.activeElement;
    const titleId = 'dialog-title-' + Math.random().toString(36).slice(2);
    const dialog = h('dialog', {
        class: ['dialog', className],
        'aria-labelledby': titleId,
        'data-testid': testid,
    }, h('h2', { class: 'dialog-title', id: titleId, text: title }));
    return new Promise((resolve) => {
        let result = dismissValue;
        const close = (value) => {
            result = value;
            dialog.close();
        };
        dialog.append(...[].concat(content(close)));
        dialog.addEventListener('cancel', (ev) => {
            ev.preventDefault();
            close(dismissValue);
        });
        dialog.addEventListener('close', () => {
            dialog.remove();
            const back = returnFocus && returnFocus.isConnected
                ? returnFocus : document.getElementById('main');
            back.focus();
            resolve(result);
        });
        document.body.append(dialog);
        dialog.showModal();
        if (onReady) {
            onReady(dialog);
        }
    });
}


// Asks a yes/no question.  Resolves true for ok, false for cancel or
// Escape.  With danger, ok is red and cancel takes the focus.
export function confirmDialog({ title, body, ok, danger }) {
    return modal({
        title,
        testid: 'confirm-dialog',
        dismissValue: false,
        content: (close) => [
            h('div', { class: 'dialog-body' },
              [].concat(body).map((p) => typeof p === 'string' ? h('p', { text: p }) : p)),
            h('div', { class: 'dialog-actions' },
              h('button', { type: 'button', class: 'btn', 'data-testid': 'confirm-cancel',
                            'data-autofocus': danger ? '' : null,
                            text: t('ui.cancel'), on: { click: () => close(false) } }),
              h('button', { type: 'button',
                            class: ['btn', danger ? 'btn-danger' : 'btn-primary'],
                            'data-testid': 'confirm-ok',
                            'data-autofocus': danger ? null : '',
                            text: ok || t('ui.ok'), on: { click: () => close(true) } })),
        ],
        onReady: (dialog) => dialog.querySelector('[data-autofocus]').focus(),
    });
}


// A short message at the bottom of the screen; kind 'ok' | 'error' | 'info'.
// While a modal dialog is open the message goes inside it, or the dialog's
// backdrop would hide it.
export function toast(message, kind = 'info') {
    const dialog = document.querySelector('dialog[open]');
    const item = h('div', { class: ['toast', 'toast-' + kind], role: 'status',
                            'data-testid': 'notice' },
                   h('span', { class: 'toast-text', text: message }),
                   h('button', { type: 'button', class: 'toast-close',
                                 'aria-label': t('ui.close'), text: '×',
                                 on: { click: () => holder.remove() } }));
    const holder = dialog ? h('div', { class: 'toasts' }, item) : item;
    (dialog || document.getElementById('toasts')).append(holder);
    setTimeout(() => holder.remove(), kind === 'error' ? 9000 : 5000);
    return item;
}


// "Nothing here yet" with what to do about it.
export function emptyState(title, body, action) {
    return h('div', { class: 'empty-state', 'data-testid': 'empty-state' },
             h('div', { class: 'empty-state-icon', 'aria-hidden': 'true' }),
             h('h2', { class: 'empty-state-title', text: title }),
             body ? h('p', { class: 'empty-state-body', text: body }) : null,
             action || null);
}


export function spinner(label) {
    return h('span', { class: 'spinner-wrap', role: 'status' },
             h('span', { class: 'spinner', 'aria-hidden': 'true' }),
             h('span', { class: 'spinner-label', text: label || t('ui.loading') }));
}


// Grey placeholder rows of the shape of the rows to come, so the page does
// not jump when they arrive.
export function skeletonRows(count, className) {
    const rows = [];
    for (let i = 0; i < count; i++) {
        rows.push(h('div', { class: ['skeleton-row', className], 'aria-hidden': 'true' },
                    h('span', { class: 'skeleton skeleton-dot' }),
                    h('span', { class: 'skeleton-lines' },
                      h('span', { class: 'skeleton skeleton-line' }),
                      h('span', { class: 'skeleton skeleton-line short' }))));
    }
    return rows;
}


// The page's heading; also names the browser tab.
export function pageTitle(text, ...extra) {
    document.title = text + ' · blackbox';
    return h('h1', { class: 'page-title', text }, ...extra);
}


// What to tell a person about an error: ours in their language when we know
// the code, else the server's sentence.
export function errorText(err) {
    if (!(err instanceof ApiError)) {
        return t('err.server', { status: '?' });
    }
    if (err.status === 0) {
        return t('err.network');
    }
    if (err.code === 'rate_limited' || (err.status === 429 && err.retryAfter)) {
        return err.retryAfter
            ? t('err.rate_limited', { seconds: err.retryAfter })
            : t('err.rate_limited_later');
    }
    const key = 'err.' + err.code;
    if (t(key) !== key) {
        return t(key);
    }
    if (err.status >= 500 && err.code.startsWith('http_')) {
        return t('err.server', { status: err.status });
    }
    return err.message;
}


// A field's problem as the API words it ("must not be empty") made into a
// sentence, or ours in the user's language when we have it.
function fieldText(problem) {
    const key = 'field.' + problem;
    if (t(key) !== key) {
        return t(key);
    }
    const sentence = problem.charAt(0).toUpperCase() + problem.slice(1);
    return /[.!?]$/.test(sentence) ? sentence : sentence + '.';
}


// A labelled input with room for its error below it.
// field({label, id, testid, hint, ...input attributes})
export function field({ label, id, hint, testid, ...attrs }) {
    const hintId = hint ? id + '-hint' : null;
    const input = h('input', {
        id, class: 'input', 'data-testid': testid,
        'aria-describedby': [hintId, id + '-error'].filter(Boolean).join(' '),
        ...attrs,
    });
    return h('div', { class: 'field' },
             h('label', { for: id, class: 'label', text: label }),
             input,
             hint ? h('p', { class: 'hint', id: hintId, text: hint }) : null,
             h('p', { class: 'field-error', id: id + '-error', hidden: true }));
}


// The form-wide alert (data-testid form-error); empty and hidden until an
// error is shown in it.
export function formAlert() {
    return h('div', { class: 'form-error', role: 'alert', 'data-testid': 'form-error',
                      hidden: true });
}


// Shows err on form: each problem in err.fields under its input (the
// input's name attribute matches the API field name), and a sentence in
// the form's alert.  extra (a node) is added to the alert, e.g. a link to
// what to do next.
export function showFormError(form, err, extra) {
    clearFormErrors(form);
    let marked = 0;
    for (const [name, problem] of Object.entries((err && err.fields) || {})) {
        const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
        if (!input) {
            continue;
        }
        const slot = form.querySelector('#' + CSS.escape(input.id + '-error'));
        input.setAttribute('aria-invalid', 'true');
        slot.textContent = fieldText(problem);
        slot.hidden = false;
        if (marked++ === 0) {
            input.focus();
        }
    }
    const alert = form.querySelector('[data-testid="form-error"]');
    alert.replaceChildren(h('span', { text: marked ? t('ui.check_fields') : errorText(err) }));
    if (extra) {
        alert.append(' ', extra);
    }
    alert.hidden = false;
}


// Marks one input as wrong and says why in the form's alert.
export function showFieldError(form, name, message) {
    clearFormErrors(form);
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    input.setAttribute('aria-invalid', 'true');
    const alert = form.querySelector('[data-testid="form-error"]');
    alert.textContent = message;
    alert.hidden = false;
    input.focus();
    input.select();
}


export function clearFormErrors(form) {
    for (const input of form.querySelectorAll('[aria-invalid]')) {
        input.removeAttribute('aria-invalid');
    }
    for (const slot of form.querySelectorAll('.field-error')) {
        slot.textContent = '';
        slot.hidden = true;
    }
    const alert = form.querySelector('[data-testid="form-error"]');
    if (alert) {
        alert.replaceChildren();
        alert.hidden = true;
    }
}


// Makes the form send its named inputs (trimmed, except passwords) to
// send(values) on submit, with the submit button busy meanwhile; shows what
// went wrong in the form, with extra(err, values) added to the alert when
// there is a next step to offer (a link).
export function handleSubmit(form, send, extra) {
    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const button = form.querySelector('[type="submit"]');
        if (button.disabled) {
            return;
        }
        const values = {};
        for (const input of form.querySelectorAll('input[name]')) {
            values[input.name] = input.type === 'password'
                ? input.value : input.value.trim();
        }
        clearFormErrors(form);
        try {
            await whileBusy(button, () => send(values));
        } catch (err) {
            showFormError(form, err, extra ? extra(err, values) : null);
        }
    });
}


// Runs work() with button disabled and marked busy; the label stays, so
// the button keeps its size.
export async function whileBusy(button, work) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
        return await work();
    } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
    }
}


// Puts text on the clipboard; falls back to a selection and execCommand
// where the async clipboard is missing (plain http on a LAN address).
export async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
        try {
            await navigator.clipboard.writeText(text);
            return true;
        } catch (err) {
            // Denied: try the old way below.
        }
    }
    const area = h('textarea', { class: 'visually-hidden', readonly: true, value: text });
    document.body.append(area);
    area.select();
    let ok = false;
    try {
        ok = document.execCommand('copy');
    } catch (err) {
        ok = false;
    }
    area.remove();
    return ok;
}
