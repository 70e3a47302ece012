// The API client: JSON calls to /api/v1/ with the session's access token.
//
// The access token lives only in this module's memory, never in
// localStorage or sessionStorage, so a script injected into the page cannot
// find a long-lived credential lying around.  What keeps a user signed in
// across reloads is the HttpOnly session cookie the server sets at login
// (Path=/api/v1/auth): on load restoreSession() trades it for a fresh access
// token, and a timer trades it again shortly before each token runs out.
//
// Every call that answers 401 "unauthorized" gets one refresh and one retry;
// when that fails too, the session is over and the app hears it through the
// window event 'bb:signed-out'.

import { lang } from './i18n.js';

const REFRESH_PATH = '/api/v1/auth/refresh';
const REFRESH_MARGIN_S = 60;

let accessToken = null;
let refreshTimer = null;
let refreshInFlight = null;


// An answer other than 2xx, or no answer at all (status 0).
export class ApiError extends Error {
    constructor(status, code, message, fields, retryAfter) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
        this.fields = fields || null;
        this.retryAfter = retryAfter;
    }
}


export function signedIn() {
    return accessToken !== null;
}


export function apiGet(path) {
    return call('GET', path);
}


export function apiPost(path, body) {
    return call('POST', path, body);
}


export function apiPatch(path, body) {
    return call('PATCH', path, body);
}


export function apiPut(path, body) {
    return call('PUT', path, body);
}


export function apiDelete(path) {
    return call('DELETE', path);
}


// Takes the answer of POST /api/v1/auth/login/verify (or of refresh):
// from now on calls carry its token, and it is renewed before it expires.
export function startSession(tokenAnswer) {
    accessToken = tokenAnswer.access_token;
    scheduleRefresh(tokenAnswer.expires_in);
}


// Forgets the token (the server side is the caller's business).
export function endSession() {
    accessToken = null;
    clearTimeout(refreshTimer);
    refreshTimer = null;
}


// On page load: is there a cookie session to resume?  Resolves true when a
// token was obtained; any failure counts as "not signed in"; it never
// throws.  The server sets the readable marker cookie bb_signed_in beside
// the HttpOnly session cookie: without it there is nothing to resume, and
// asking anyway would only earn a 401.
export async function restoreSession() {
    if (!document.cookie.split('; ').includes('bb_signed_in=1')) {
        return false;
    }
    try {
        return await refresh();
    } catch (err) {
        return false;
    }
}


// Ends the session on the server (token and refresh cookie), then here.
export async function logout() {
    try {
        await request('POST', '/api/v1/auth/logout');
    } finally {
        endSession();
    }
}


async function call(method, path, body) {
    try {
        return await request(method, path, body);
    } catch (err) {
        if (!sessionLost(err, path)) {
            throw err;
        }
        if (await refreshQuietly()) {
            try {
                return await request(method, path, body);
            } catch (again) {
                if (!sessionLost(again, path)) {
                    throw again;
                }
            }
        }
        endSession();
        window.dispatchEvent(new CustomEvent('bb:signed-out'));
        throw err;
    }
}


// A 401 on an auth call (wrong code, wrong password) is an answer about
// the form, not about the session.
function sessionLost(err, path) {
    return err instanceof ApiError && err.status === 401 && err.code === 'unauthorized'
        && !path.startsWith('/api/v1/auth/');
}


async function refreshQuietly() {
    try {
        return await refresh();
    } catch (err) {
        return false;
    }
}


// One refresh at a time: calls failing together share it.
function refresh() {
    if (!refreshInFlight) {
        refreshInFlight = refreshNow().finally(() => {
            refreshInFlight = null;
        });
    }
    return refreshInFlight;
}


async function refreshNow() {
    let answer;
    try {
        answer = await request('POST', REFRESH_PATH, undefined, false);
    } catch (err) {
        if (err instanceof ApiError && err.status !== 0) {
            endSession();
        }
        throw err;
    }
    startSession(answer);
    return true;
}


function scheduleRefresh(expiresIn) {
    clearTimeout(refreshTimer);
    const seconds = Number(expiresIn) || 0;
    if (seconds <= 0) {
        return;
    }
    const lead = seconds > 2 * REFRESH_MARGIN_S ? REFRESH_MARGIN_S : seconds / 2;
    refreshTimer = setTimeout(renewInBackground, (seconds - lead) * 1000);
}


// The timer's refresh: a failure here is not yet the end (the next call's
// 401 decides), except that a network hiccup gets another try soon.
async function renewInBackground() {
    try {
        await refresh();
    } catch (err) {
        if (err instanceof ApiError && err.status === 0 && signedIn()) {
            scheduleRefresh(2 * REFRESH_MARGIN_S);
        }
    }
}


async function request(method, path, body, withToken = true) {
    const headers = { 'Accept': 'application/json',
                      'Accept-Language': lang() };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }
    if (withToken && accessToken) {
        headers['Authorization'] = 'Bearer ' + accessToken;
    }

    let res;
    try {
        res = await fetch(path, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            credentials: 'same-origin',
            cache: 'no-store',
        });
    } catch (err) {
        throw new ApiError(0, 'network', 'The server cannot be reached.');
    }

    if (res.status === 204) {
        return null;
    }
    const data = await res.json().catch(() => null);
    if (res.ok) {
        return data;
    }
    throw new ApiError(
        res.status,
        (data && data.error) || 'http_' + res.status,
        (data && data.message) || res.statusText || 'HTTP ' + res.status,
        data && data.fields,
        retryAfterSeconds(res.headers.get('Retry-After')));
}


// Retry-After as seconds (it may also be an HTTP date); undefined if absent.
function retryAfterSeconds(value) {
    if (!value) {
        return undefined;
    }
    if (/^\d+$/.test(value.trim())) {
        return Number(value);
    }
    const when = Date.parse(value);
    return Number.isNaN(when)
        ? undefined : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}
