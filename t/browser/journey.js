#!/usr/bin/env node
// A new owner's whole journey through the web app in headless Chromium:
// the browser half of t/web.t.
//
// It goes the way a person does, through the page alone: sign up, read the
// code from the mail sink, verify, log in with the password and the second
// code, add a device, stream 150 s of test video to the SRT URL the page
// showed, watch the day fill in, play across a clip boundary, download a
// clip, delete one, change the password, log out.  The only things it
// finds by other means are the mail (var/mail/*.eml), the access token
// (read off the page's own network answers, to prove that logout ends it)
// and the downloaded file (ffprobe).  Elements are found by the
// data-testid contract of the app's spec, nothing else.
//
// Beside the journey: the signed-out pages in a browser that prefers
// Korean, every main page on a 360 px phone (nothing may stick out
// sideways, the main controls must show), the language switch, and every
// console error, page error and failed request of every page it opened.
// An expected failure (the 401 of the wrong password the journey types on
// purpose) is named with its reason in the report, never dropped quietly.
//
//   node t/browser/journey.js --base URL --mail DIR --shots DIR
//        [--timeout 330] [--seconds 150]
//
// --base is the server (http://127.0.0.1:PORT), --mail the stack's
// var/mail, --shots where the screenshots go (its old *.png are removed
// first), --seconds how long ffmpeg streams.  It prints one JSON object on
// stdout (see report() below), logs on stderr, and exits 0 when every step
// passed, 1 when one failed, 2 when it could not test.

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFile } = require('child_process');

const { CHROMIUM, CHROMIUM_FLAGS } = require('./chromium');

const USAGE = 'usage: node t/browser/journey.js --base URL --mail DIR'
    + ' --shots DIR [--timeout 330] [--seconds 150]';

const USER = {
    username: 'dana',
    email: 'dana@example.com',
    password: 'correct horse battery staple',
    newPassword: 'another horse, another staple',
};
const DEVICE = { id: 'cam-journey', nickname: 'Family car' };
// The routes, which may carry a query (#/login?username=dana).
const LOGIN_HASH = /^#\/login(\?|$)/;
const DEVICES_HASH = /^#\/devices(\?|$)/;
const ACCOUNT_HASH = /^#\/account(\?|$)/;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

// What a wait for the page may take: the stack shares 2 cores with
// Chromium and ffmpeg (and may be the sanitizer build).
const UI_MS = 20000;

const started = Date.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message) {
    const at = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`journey.js ${at}s: ${message}\n`);
}

// The first line of an error: playwright's carry a call log after it.
function firstLine(e) {
    return String(e && e.message ? e.message : e).split('\n')[0];
}

class Failure extends Error {}

function check(condition, message) {
    if (!condition) {
        throw new Failure(message);
    }
}


// Returns the options from argv, or throws an Error naming what is wrong.
function parseArgs(argv) {
    const opt = { timeout: 330, seconds: 150 };
    for (let i = 0; i < argv.length; i += 2) {
        const m = /^--([a-z]+)$/.exec(argv[i]);
        if (!m || !['base', 'mail', 'shots', 'timeout', 'seconds']
                .includes(m[1])) {
            throw new Error(`unknown argument "${argv[i]}"`);
        }
        if (i + 1 >= argv.length) {
            throw new Error(`${argv[i]} needs a value`);
        }
        opt[m[1]] = argv[i + 1];
    }
    for (const name of ['base', 'mail', 'shots']) {
        if (opt[name] === undefined) {
            throw new Error(`--${name} is missing`);
        }
    }
    for (const name of ['timeout', 'seconds']) {
        opt[name] = Number(opt[name]);
        if (!Number.isFinite(opt[name]) || opt[name] <= 0) {
            throw new Error(`--${name} must be a number of seconds`);
        }
    }
    opt.base = new URL(opt.base).origin;
    return opt;
}


// ---------------------------------------------------------------------
// Steps: each one a named check, the unit the Perl side reports.  A failed
// step stops the journey (what follows needs what it made) unless it is
// soft: a check nothing after it depends on.

class Steps {
    constructor() {
        this.list = [];
        this.broken = null;
    }

    // Runs fn as the step `name`; returns what fn returned, or undefined
    // when it failed or was not reached.  fn may return a string: the
    // step's detail in the report.
    async run(name, fn, { soft = false } = {}) {
        if (this.broken) {
            this.list.push({ name, ok: false,
                             skipped: `not reached: "${this.broken}" failed` });
            return undefined;
        }
        const t0 = Date.now();
        log(`step: ${name}`);
        const entry = { name, ok: false, ms: 0 };
        this.list.push(entry);
        try {
            const result = await fn();
            entry.ok = true;
            if (typeof result === 'string') {
                entry.detail = result;
            }
            log(`  ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`
                + (entry.detail ? `: ${entry.detail}` : ''));
            return result === undefined ? true : result;
        } catch (e) {
            entry.error = e instanceof Failure ? e.message : firstLine(e);
            log(`  FAIL: ${entry.error}`);
            if (!soft) {
                this.broken = name;
            }
            return undefined;
        } finally {
            entry.ms = Date.now() - t0;
        }
    }
}


// ---------------------------------------------------------------------
// What the pages say besides what they show: console messages, page
// errors and failed requests of every page of every context, with the few
// expected ones named.

class Watch {
    constructor() {
        this.problems = [];   // errors: each makes the console step fail
        this.warnings = [];   // console warnings
        this.ignored = new Map();   // text -> {reason, count}
        // Expected HTTP failures: {method, path (RegExp), status, reason,
        // active}.  Chromium logs every 4xx/5xx answer to fetch as a
        // console error "Failed to load resource", so each is matched
        // twice: as a response and as that console message.
        this.expected = [];
    }

    // Marks `method path` answering `status` as expected while fn runs.
    async expecting(method, pathRe, status, reason, fn) {
        const rule = { method, path: pathRe, status, reason, active: true };
        this.expected.push(rule);
        try {
            return await fn();
        } finally {
            // The console message may trail the response a little.
            await sleep(300);
            rule.active = false;
        }
    }

    explain(method, url, status) {
        let pathname;
        try {
            pathname = new URL(url).pathname;
        } catch (e) {
            return null;
        }
        const rule = this.expected.find((r) => r.active
            && (method === null || r.method === method)
            && r.status === status && r.path.test(pathname));
        return rule ? rule.reason : null;
    }

    ignore(text, reason) {
        const seen = this.ignored.get(text);
        if (seen) {
            seen.count++;
        } else {
            this.ignored.set(text, { reason, count: 1 });
            log(`expected: ${text}`);
        }
    }

    problem(text) {
        if (!this.problems.includes(text)) {
            this.problems.push(text);
            log(`PROBLEM ${text}`);
        }
    }

    page(page, label) {
        page.on('console', (msg) => {
            const type = msg.type();
            if (type !== 'error' && type !== 'warning') {
                return;
            }
            const text = msg.text();
            const where = (msg.location() || {}).url || '';
            const status = /status of (\d{3})/.exec(text);
            const reason = status
                && this.explain(null, where, Number(status[1]));
            if (reason) {
                this.ignore(`${label}: console ${type}: ${text} (${where})`,
                            reason);
            } else if (type === 'error') {
                this.problem(`${label}: console error: ${text}`
                    + (where ? ` (${where})` : ''));
            } else {
                this.warnings.push(`${label}: console warning: ${text}`
                    + (where ? ` (${where})` : ''));
                log(`warning ${text}`);
            }
        });
        page.on('pageerror', (e) => this.problem(
            `${label}: page error: ${firstLine(e)}`));
        page.on('crash', () => this.problem(`${label}: the page crashed`));
        page.on('requestfailed', (req) => {
            const why = req.failure() ? req.failure().errorText : '';
            // Players abort loads they no longer need (after a seek), and a
            // download leaves the page's own navigation aborted.
            if (why !== 'net::ERR_ABORTED') {
                this.problem(`${label}: request failed: ${req.method()}`
                    + ` ${req.url()}: ${why}`);
            }
        });
        page.on('response', (res) => {
            const status = res.status();
            if (status < 400) {
                return;
            }
            const method = res.request().method();
            const text = `${label}: HTTP ${status} for ${method} ${res.url()}`;
            const reason = this.explain(method, res.url(), status);
            if (reason) {
                this.ignore(text, reason);
            } else {
                this.problem(text);
            }
        });
    }
}


// ---------------------------------------------------------------------
// The mail sink: one RFC 5322 file per message, named
// <timestamp>-<recipient>.eml.

function mailFiles(dir, to) {
    let names;
    try {
        names = fs.readdirSync(dir);
    } catch (e) {
        return [];
    }
    return names.filter((n) => n.endsWith(`-${to}.eml`)).sort();
}

// The 6-digit code on a line of its own in the mail's body, or null.
function mailCode(file) {
    const raw = fs.readFileSync(file, 'utf8');
    const split = raw.search(/\r?\n\r?\n/);
    const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
    let body = raw.slice(split).trim();
    if (/^content-transfer-encoding:\s*base64/im.test(head)) {
        body = Buffer.from(body, 'base64').toString('utf8');
    }
    const m = /^\s*(\d{6})\s*$/m.exec(body);
    return m ? m[1] : null;
}

// Waits for a mail to `to` that is not in `before` (a list of names) and
// carries a code; returns the code.
async function nextCode(dir, to, before, ms = 30000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        for (const name of mailFiles(dir, to)) {
            if (!before.includes(name)) {
                const code = mailCode(path.join(dir, name));
                if (code) {
                    return code;
                }
            }
        }
        await sleep(200);
    }
    throw new Failure(`no mail with a code reached ${to} in ${ms / 1000} s`);
}


// ---------------------------------------------------------------------
// Time: the browser runs in a zone other than UTC, so that a day view in
// UTC by mistake shows.  Seoul unless its midnight is near (the day must
// not change while the journey runs), then London.

function zoneParts(ms, timeZone) {
    const parts = {};
    new Intl.DateTimeFormat('en-GB', {
        timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit',
        hourCycle: 'h23',
    }).formatToParts(new Date(ms)).forEach((p) => { parts[p.type] = p.value; });
    return parts;
}

function zoneDate(ms, timeZone) {
    const p = zoneParts(ms, timeZone);
    return `${p.year}-${p.month}-${p.day}`;
}

// Seconds since midnight in the zone.
function zoneSeconds(ms, timeZone) {
    const p = zoneParts(ms, timeZone);
    return Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second);
}

function pickZone(seconds) {
    const needed = seconds + 240;
    for (const zone of ['Asia/Seoul', 'Europe/London']) {
        if (zoneSeconds(Date.now(), zone) < 86400 - needed) {
            return zone;
        }
    }
    return 'Europe/London';
}

const iso = (ms) => new Date(ms).toISOString();


// ---------------------------------------------------------------------
// Page helpers.

const sel = (id) => `[data-testid="${id}"]`;
const tid = (page, id) => page.locator(sel(id));

async function visible(page, id, ms = UI_MS) {
    try {
        await tid(page, id).first().waitFor({ state: 'visible', timeout: ms });
    } catch (e) {
        throw new Failure(`${sel(id)} did not show within ${ms / 1000} s`
            + ` (at ${await hashOf(page)})`);
    }
}

async function hashOf(page) {
    try {
        return await page.evaluate(() => location.hash || '(no hash)');
    } catch (e) {
        return '(page gone)';
    }
}

async function waitHash(page, re, ms = UI_MS) {
    try {
        await page.waitForFunction((src) => new RegExp(src)
            .test(location.hash), re.source, { timeout: ms });
    } catch (e) {
        throw new Failure(`the address did not become ${re} within`
            + ` ${ms / 1000} s: it is ${await hashOf(page)}`);
    }
}

async function text(page, id) {
    return ((await tid(page, id).first().textContent()) || '').trim();
}

// Polls fn (async, returning a truthy value when done) every `every` ms;
// returns its value or throws `what` after ms.
async function until(what, fn, ms, every = 500) {
    const deadline = Date.now() + ms;
    let last;
    for (;;) {
        last = await fn();
        if (last) {
            return last;
        }
        if (Date.now() > deadline) {
            throw new Failure(`${what} (waited ${ms / 1000} s)`);
        }
        await sleep(every);
    }
}

// The layout problems of the page at its present size: a page wider than
// the window (with the elements that stick out), and each of `controls`
// missing, hidden or outside the window sideways.
async function layoutProblems(page, controls) {
    return page.evaluate((ids) => {
        const problems = [];
        // Not innerWidth: a phone (isMobile) widens the layout viewport to
        // whatever the page needs, so innerWidth grows with the overflow.
        const w = document.documentElement.clientWidth;
        const describe = (el) => {
            const id = el.getAttribute('data-testid');
            return el.tagName.toLowerCase() + (id ? `[${id}]` : '')
                + (el.className && typeof el.className === 'string'
                   ? `.${el.className.trim().split(/\s+/).join('.')}` : '');
        };
        const scroll = document.scrollingElement.scrollWidth;
        if (scroll > w) {
            const wide = [];
            for (const el of document.body.querySelectorAll('*')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > w + 0.5
                        && !(el.parentElement
                             && el.parentElement.getBoundingClientRect()
                                 .right > w + 0.5)) {
                    wide.push(`${describe(el)} to ${Math.round(r.right)} px`);
                }
            }
            problems.push(`the page is ${scroll} px wide in a ${w} px window`
                + (wide.length ? `: ${wide.slice(0, 5).join(', ')}` : ''));
        }
        for (const id of ids) {
            const el = document.querySelector(`[data-testid="${id}"]`);
            if (!el) {
                problems.push(`${id} is missing`);
                continue;
            }
            const r = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (r.width === 0 || r.height === 0
                    || style.visibility === 'hidden') {
                problems.push(`${id} is not visible`);
            } else if (r.left < -0.5 || r.right > w + 0.5) {
                problems.push(`${id} sticks out: it spans`
                    + ` ${Math.round(r.left)}..${Math.round(r.right)} px`
                    + ` of ${w}`);
            }
        }
        return problems;
    }, controls);
}


// ---------------------------------------------------------------------
// The journey.

class Journey {
    constructor(o) {
        this.o = o;
        this.steps = new Steps();
        this.watch = new Watch();
        this.shots = [];
        this.tokens = [];          // access tokens the main page received
        this.zone = pickZone(o.seconds);
        this.ffmpeg = null;        // {child, started, ended, code, stderr}
        this.clips = null;         // [{id, at (ms)}] of the full day
        this.date = null;
        this.side = null;          // the second page's run, once started
        this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-journey-'));
    }

    async shot(page, name, fullPage = true) {
        const file = path.resolve(this.o.shots, `${name}.png`);
        try {
            // From the top: a sticky header scrolled along would be drawn
            // mid-page in a full-page picture.
            if (fullPage) {
                await page.evaluate(() => window.scrollTo(0, 0));
            }
            await page.screenshot({ path: file, fullPage, timeout: 15000 });
            this.shots.push(file);
        } catch (e) {
            log(`no screenshot ${name}: ${firstLine(e)}`);
        }
    }

    async newContext(options, label) {
        const context = await this.browser.newContext({
            viewport: DESKTOP, locale: 'en-US', timezoneId: this.zone,
            acceptDownloads: true, ...options,
        });
        context.setDefaultTimeout(UI_MS);
        context.on('page', (p) => this.watch.page(p, label));
        return context;
    }

    async api(method, apiPath, token) {
        const res = await fetch(this.o.base + apiPath, {
            method, headers: token ? { Authorization: `Bearer ${token}` } : {},
        });
        const body = await res.json().catch(() => null);
        return { status: res.status, body };
    }

    lastToken() {
        return this.tokens.length ? this.tokens[this.tokens.length - 1].token
                                  : null;
    }

    // Keeps every access token the page is handed (login/verify, refresh).
    captureTokens(page) {
        page.on('response', async (res) => {
            const pathname = new URL(res.url()).pathname;
            if (res.request().method() !== 'POST' || res.status() !== 200
                    || !/^\/api\/v1\/auth\/(login\/verify|refresh)$/
                        .test(pathname)) {
                return;
            }
            try {
                const body = await res.json();
                if (body && body.access_token) {
                    this.tokens.push({ token: body.access_token,
                                       via: pathname, at: Date.now() });
                }
            } catch (e) {
                log(`cannot read the token answer: ${firstLine(e)}`);
            }
        });
    }

    async run() {
        // Last run's pictures would pass for this run's.
        fs.mkdirSync(this.o.shots, { recursive: true });
        for (const name of fs.readdirSync(this.o.shots)) {
            if (name.endsWith('.png')) {
                fs.rmSync(path.join(this.o.shots, name));
            }
        }
        this.browser = await chromium.launch({
            executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS,
            timeout: 30000,
        });
        log(`browser zone ${this.zone}`);
        try {
            await this.signedOutPages();
            await this.mainJourney();
        } finally {
            await this.sideDone();
            await this.consoleSteps();
            await this.browser.close().catch(() => {});
        }
    }

    // The pages a visitor sees: in Korean when the browser prefers it, and
    // on a phone.
    async signedOutPages() {
        const s = this.steps;
        const ko = await this.newContext({ locale: 'ko-KR' }, 'ko visitor');
        const page = await ko.newPage();
        await s.run('a browser that prefers Korean gets the login page in'
                    + ' Korean', async () => {
            await page.goto(`${this.o.base}/`);
            await visible(page, 'login-username');
            const lang = await page.evaluate(
                () => document.documentElement.lang);
            check(lang === 'ko', `<html lang="${lang}">, not "ko"`);
            await this.shot(page, 'login-ko-desktop');
            await tid(page, 'go-signup').click();
            await visible(page, 'signup-email');
            await this.shot(page, 'signup-ko-desktop');
        }, { soft: true });
        await ko.close();

        const phone = await this.newContext(
            { viewport: PHONE, isMobile: true, hasTouch: true,
              deviceScaleFactor: 2 }, 'phone visitor');
        const p = await phone.newPage();
        await s.run('phone (360x740): login and sign-up pages fit and show'
                    + ' their controls', async () => {
            await p.goto(`${this.o.base}/`);
            await visible(p, 'login-username');
            const problems = (await layoutProblems(p, [
                'login-username', 'login-password', 'login-submit',
                'go-signup', 'lang-switch',
            ])).map((x) => `login: ${x}`);
            await this.shot(p, 'login-en-phone');
            await tid(p, 'go-signup').click();
            await visible(p, 'signup-email');
            problems.push(...(await layoutProblems(p, [
                'signup-email', 'signup-username', 'signup-password',
                'signup-submit', 'go-login',
            ])).map((x) => `sign-up: ${x}`));
            await this.shot(p, 'signup-en-phone');
            check(!problems.length, problems.join('; '));
        }, { soft: true });
        await phone.close();
    }

    async mainJourney() {
        const s = this.steps;
        const o = this.o;
        const ctx = await this.newContext({}, 'main');
        await ctx.grantPermissions(['clipboard-read', 'clipboard-write'],
                                   { origin: o.base });
        const page = await ctx.newPage();
        this.captureTokens(page);
        let before;

        await s.run('open /: the login page', async () => {
            await page.goto(`${o.base}/`);
            await visible(page, 'login-username');
            await waitHash(page, LOGIN_HASH);
            const lang = await page.evaluate(
                () => document.documentElement.lang);
            check(lang === 'en', `<html lang="${lang}">, not "en"`);
            await this.shot(page, 'login-en-desktop');
        });

        await s.run('sign up', async () => {
            await tid(page, 'go-signup').click();
            await waitHash(page, /^#\/signup/);
            await visible(page, 'signup-email');
            await tid(page, 'signup-email').fill(USER.email);
            await tid(page, 'signup-username').fill(USER.username);
            await tid(page, 'signup-password').fill(USER.password);
            await this.shot(page, 'signup-en-desktop');
            before = mailFiles(o.mail, USER.email);
            await tid(page, 'signup-submit').click();
            await waitHash(page, /^#\/verify/);
            await visible(page, 'verify-code');
        });

        await s.run('verify the e-mail with the mailed code', async () => {
            const code = await nextCode(o.mail, USER.email, before);
            const username = tid(page, 'verify-username');
            if ((await username.inputValue()) !== USER.username) {
                await username.fill(USER.username);
            }
            await tid(page, 'verify-code').fill(code);
            await this.shot(page, 'verify-en-desktop');
            await tid(page, 'verify-submit').click();
            await visible(page, 'login-username');
            await waitHash(page, LOGIN_HASH);
        });

        await s.run('a wrong password shows the form error', async () => {
            await tid(page, 'login-username').fill(USER.username);
            await tid(page, 'login-password').fill('not the password at all');
            await this.watch.expecting('POST', /^\/api\/v1\/auth\/login$/, 401,
                'the journey types a wrong password on purpose',
                async () => {
                    await tid(page, 'login-submit').click();
                    await visible(page, 'form-error');
                });
            const error = tid(page, 'form-error').first();
            const role = await error.getAttribute('role');
            check(role === 'alert', `form-error has role "${role}", not alert`);
            const said = ((await error.textContent()) || '').trim();
            check(said.length > 0, 'form-error is empty');
            await this.shot(page, 'login-error-en-desktop');
            return `it says "${said}"`;
        }, { soft: true });

        await s.run('log in: password, then the mailed second code',
                    async () => {
            await tid(page, 'login-username').fill(USER.username);
            await tid(page, 'login-password').fill(USER.password);
            before = mailFiles(o.mail, USER.email);
            await tid(page, 'login-submit').click();
            await waitHash(page, /^#\/login\/code/);
            await visible(page, 'login-code');
            const code = await nextCode(o.mail, USER.email, before);
            await this.shot(page, 'login-code-en-desktop');
            await tid(page, 'login-code').fill(code);
            await tid(page, 'login-code-submit').click();
            await waitHash(page, DEVICES_HASH);
            await visible(page, 'add-device');
            check(this.lastToken(), 'no access token seen in the answers of'
                + ' POST /api/v1/auth/login/verify or /refresh');
            await this.shot(page, 'devices-empty-en-desktop');
        });

        await s.run('the access token is kept out of localStorage,'
                    + ' sessionStorage and readable cookies', async () => {
            const stored = await page.evaluate(() => {
                const all = [['document.cookie', document.cookie]];
                for (const store of [localStorage, sessionStorage]) {
                    for (let i = 0; i < store.length; i++) {
                        const key = store.key(i);
                        all.push([key, store.getItem(key)]);
                    }
                }
                return all;
            });
            const token = this.lastToken();
            const leak = stored.find(([k, v]) => `${k}${v}`.includes(token));
            check(!leak, `the token is in storage under "${leak && leak[0]}"`);
            const others = stored.map(([k]) => k)
                .filter((k) => k !== 'bb.lang' && k !== 'document.cookie');
            check(!others.length, `storage holds more than bb.lang: ${others}`);
        }, { soft: true });

        let key;
        let srtUrl;
        await s.run('add a device: the dialog shows its key and SRT URL',
                    async () => {
            await tid(page, 'add-device').click();
            await visible(page, 'new-device-id');
            await tid(page, 'new-device-id').fill(DEVICE.id);
            await tid(page, 'new-device-nickname').fill(DEVICE.nickname);
            await tid(page, 'new-device-submit').click();
            await visible(page, 'new-device-key');
            key = await text(page, 'new-device-key');
            srtUrl = await text(page, 'new-device-srt-url');
            const command = await text(page, 'new-device-ffmpeg');
            await this.shot(page, 'add-device-en-desktop');
            check(/^[0-9a-f]{16,}$/i.test(key), `the key reads "${key}"`);
            check(srtUrl.startsWith('srt://'), `the SRT URL reads "${srtUrl}"`);
            check(srtUrl.includes(key) && srtUrl.includes(DEVICE.id),
                  `the SRT URL "${srtUrl}" lacks the device or its key`);
            check(command.includes('ffmpeg') && command.includes(srtUrl),
                  `the ffmpeg line does not carry the SRT URL: "${command}"`);
            return srtUrl;
        });

        await s.run('copy-key puts the key on the clipboard', async () => {
            await tid(page, 'copy-key').click();
            const copied = await until('the clipboard holds the key',
                async () => {
                    const t = await page.evaluate(
                        () => navigator.clipboard.readText());
                    return t === key ? t : null;
                }, 5000, 250);
            check(copied === key, 'the clipboard does not hold the key');
        }, { soft: true });

        await s.run('the new device is listed, never seen', async () => {
            await tid(page, 'new-device-done').click();
            const row = page.locator(`${sel('device-row')}`
                + `[data-device-id="${DEVICE.id}"]`);
            await row.waitFor({ state: 'visible', timeout: UI_MS });
            const name = ((await row.locator(sel('device-name'))
                .textContent()) || '').trim();
            check(name === DEVICE.nickname, `device-name reads "${name}"`);
            const status = await row.locator(sel('device-status'))
                .getAttribute('data-status');
            check(status === 'never_seen', `data-status is "${status}"`);
        });

        await s.run(`the device got the browser's time zone (${this.zone})`,
                    async () => {
            const zone = await until('the device carries a time zone',
                async () => {
                    const r = await this.api('GET',
                        `/api/v1/devices/${DEVICE.id}`, this.lastToken());
                    return r.body && r.body.time_zone === this.zone
                        ? r.body.time_zone : null;
                }, 10000);
            return zone;
        }, { soft: true });

        await s.run(`ffmpeg starts streaming ${o.seconds} s to the SRT URL`,
                    async () => { this.startFfmpeg(srtUrl); });

        await s.run('the devices list shows the device live, by itself',
                    async () => {
            const row = page.locator(`${sel('device-row')}`
                + `[data-device-id="${DEVICE.id}"]`);
            await until('device-live and data-status online', async () =>
                this.checkFfmpeg()
                && await row.locator(sel('device-live')).isVisible()
                && await row.locator(sel('device-status'))
                    .getAttribute('data-status') === 'online', 45000);
            await this.shot(page, 'devices-en-desktop');
        }, { soft: true });

        await this.watchTheDay(page);
        await this.playAcrossBoundary(page);
        await this.download(page);
        await this.deleteClip(page);
        await this.account(page);
        await this.logout(page);
    }

    startFfmpeg(url) {
        const args = [
            '-nostdin', '-hide_banner', '-loglevel', 'error', '-re',
            '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
            '-f', 'lavfi', '-i', 'sine=frequency=440',
            '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50',
            '-pix_fmt', 'yuv420p', '-c:a', 'aac',
            '-t', String(this.o.seconds), '-f', 'mpegts', url,
        ];
        const child = spawn('ffmpeg', args,
                            { stdio: ['ignore', 'ignore', 'pipe'] });
        const f = this.ffmpeg = { child, started: Date.now(), ended: null,
                                  code: null, stderr: '' };
        child.stderr.on('data', (d) => {
            f.stderr = (f.stderr + d).slice(-2000);
        });
        child.on('error', (e) => {
            f.stderr += `cannot run ffmpeg: ${e.message}`;
            f.ended = Date.now();
        });
        child.on('exit', (code, signal) => {
            f.code = signal ? signal : code;
            f.ended = Date.now();
            log(`ffmpeg ended: ${f.code}`);
        });
    }

    // Fails the step when ffmpeg gave up (the ingest refused or dropped
    // it): no clip will come.  Returns true otherwise.
    checkFfmpeg() {
        const f = this.ffmpeg;
        check(!f.ended || f.code === 0, `ffmpeg ended ${f.code} after`
              + ` ${((f.ended - f.started) / 1000).toFixed(1)} s: ${f.stderr}`);
        return true;
    }

    // The days list, then the day view, watched while ffmpeg streams until
    // the whole stream is there.  Meanwhile a second page does the Korean
    // and phone runs.
    async watchTheDay(page) {
        const s = this.steps;
        const o = this.o;
        const f = this.ffmpeg;

        await s.run("the device's days list the day, with footage",
                    async () => {
            const firstClipBy = f.started + 60000 + 60000;
            const row = page.locator(`${sel('device-row')}`
                + `[data-device-id="${DEVICE.id}"]`);
            await row.locator(sel('device-open')).click();
            await waitHash(page, new RegExp(`^#/devices/${DEVICE.id}$`));
            this.date = zoneDate(Date.now(), this.zone);
            const day = page.locator(`${sel('day-row')}`
                + `[data-date="${this.date}"]`);
            let shotEmpty = false;
            // The first clip comes at the first minute boundary; a person
            // who sees no day yet goes back and opens the device again.
            while (!await day.isVisible()) {
                if (!shotEmpty && await tid(page, 'empty-state').isVisible()) {
                    await this.shot(page, 'days-empty-en-desktop');
                    shotEmpty = true;
                }
                this.checkFfmpeg();
                if (Date.now() > firstClipBy) {
                    const dates = await page.$$eval(sel('day-row'),
                        (rows) => rows.map((r) => r.dataset.date));
                    throw new Failure(`no day-row for ${this.date} two`
                        + ' minutes after the stream began (day-rows: '
                        + `${dates.join(', ') || 'none'}; ffmpeg`
                        + ` ${f.ended ? `ended ${f.code}: ${f.stderr}`
                                      : 'still running'})`);
                }
                await day.waitFor({ state: 'visible', timeout: 15000 })
                    .catch(async () => {
                        if (!await day.isVisible()) {
                            await tid(page, 'nav-devices').click();
                            await row.locator(sel('device-open')).click();
                        }
                    });
            }
            await this.shot(page, 'days-en-desktop');
            return this.date;
        });

        await s.run('open the day view', async () => {
            await page.locator(`${sel('day-row')}[data-date="${this.date}"]`)
                .locator(sel('day-open')).click();
            await waitHash(page, new RegExp(
                `^#/devices/${DEVICE.id}/${this.date}`));
            await visible(page, 'day-title');
            await visible(page, 'clip-row');
            // Gone if the page reloads.
            await page.evaluate(() => { window.__journeyMark = true; });
        });

        const need = {
            min: Math.ceil(o.seconds / 60),
            max: Math.ceil(o.seconds / 60) + 1,
        };
        await s.run('the day fills in with its clips without a reload',
                    async () => {
            const counts = [];
            const deadline = f.started + o.seconds * 1000 + 90000;
            let state;
            for (;;) {
                state = await dayState(page);
                if (!counts.length
                        || counts[counts.length - 1] !== state.rows.length) {
                    counts.push(state.rows.length);
                    log(`  ${state.rows.length} clip-row(s)`);
                }
                check(state.mark, 'the page was reloaded');
                this.checkFfmpeg();
                if (!this.side && state.rows.length >= 2) {
                    this.side = this.sidePages(page.context());
                }
                const span = state.runs.length
                    ? (Math.max(...state.runs.map((r) => r.to))
                       - Math.min(...state.runs.map((r) => r.from))) / 1000
                    : 0;
                if (f.ended && state.rows.length >= need.min
                        && state.rows.length <= need.max
                        && span >= o.seconds - 10 && state.hourRuns.length) {
                    this.clips = state.rows;
                    break;
                }
                if (Date.now() > deadline) {
                    throw new Failure(`after ${o.seconds} s of streaming the`
                        + ` day shows ${state.rows.length} clip-row(s) (want`
                        + ` ${need.min} or ${need.max}), timeline-runs`
                        + ` spanning ${span} s, ${state.hourRuns.length}`
                        + ' timeline-run(s) in timeline-hour; ffmpeg '
                        + (f.ended ? `ended ${f.code}` : 'still running'));
                }
                await sleep(1000);
            }
            check(counts[0] < counts[counts.length - 1],
                  'no clip appeared while the day view was open');
            const at = this.clips.map((c) => c.at);
            check(at.every((t, i) => i === 0 || t > at[i - 1]),
                  `clip-rows are not in time order: ${at.map(iso)}`);
            const uncovered = this.clips.filter((c) => !state.runs.some(
                (r) => r.from <= c.at + 500 && c.at + 500 <= r.to));
            check(!uncovered.length, 'the timeline has no run at the start'
                  + ` of clip(s) ${uncovered.map((c) => iso(c.at))}`);
            return `clip-rows seen: ${counts.join(' -> ')}`;
        });
        await this.sideDone();

        await s.run('ffmpeg streamed to the end', async () => {
            check(f.code === 0, `ffmpeg ended with ${f.code}: ${f.stderr}`);
        }, { soft: true });
        await this.shot(page, 'day-en-desktop');
    }

    // Waits for sidePages, when it was started.
    async sideDone() {
        if (this.side) {
            await this.side;
            this.side = null;
        }
    }

    // On a second page of the same session: the language switch, then the
    // phone size, while the day fills in on the first.  Its steps are all
    // soft: it never throws.
    async sidePages(context) {
        let page;
        try {
            page = await context.newPage();
            await this.sidePageSteps(page);
        } catch (e) {
            this.watch.problem(`the second page: ${firstLine(e)}`);
        } finally {
            await page?.close().catch(() => {});
        }
    }

    async sidePageSteps(page) {
        const s = this.steps;
        const o = this.o;
        const day = `#/devices/${DEVICE.id}/${this.date}`;
        const pages = [
            { name: 'devices', hash: '#/devices', ready: 'device-row',
              controls: ['device-list', 'device-row', 'device-open',
                         'add-device', 'nav-devices', 'nav-account',
                         'logout', 'lang-switch'] },
            { name: 'days', hash: `#/devices/${DEVICE.id}`, ready: 'day-row',
              controls: ['day-list', 'day-row', 'day-open'] },
            { name: 'day', hash: day, ready: 'clip-row',
              controls: ['day-title', 'player', 'player-video',
                         'player-clock', 'timeline', 'timeline-hour',
                         'clip-list', 'clip-row'] },
            { name: 'account', hash: '#/account', ready: 'account-username',
              controls: ['account-username', 'pw-current', 'pw-new',
                         'pw-submit'] },
        ];
        const open = async (p) => {
            await page.goto(`${o.base}/${p.hash}`);
            await visible(page, p.ready);
            await sleep(500);
        };

        await s.run('Korean: lang-switch turns the pages to Korean',
                    async () => {
            await open(pages[0]);
            const english = await text(page, 'nav-devices');
            await tid(page, 'lang-switch').selectOption('ko');
            await page.waitForFunction(() => document.documentElement.lang
                === 'ko', null, { timeout: UI_MS }).catch(() => {
                throw new Failure('<html lang> did not become ko');
            });
            const korean = await until('the header text changes', async () => {
                const t = await text(page, 'nav-devices');
                return t !== english ? t : null;
            }, 5000);
            check(/[\uac00-\ud7a3]/.test(korean),
                  `nav-devices reads "${korean}": no Hangul`);
            for (const p of pages) {
                await open(p);
                await this.shot(page, `${p.name}-ko-desktop`);
            }
            return `nav-devices "${english}" -> "${korean}"`;
        }, { soft: true });

        await s.run('Korean: the choice outlives a reload, in localStorage'
                    + ' bb.lang', async () => {
            await page.reload();
            await visible(page, 'pw-current');
            const got = await page.evaluate(() => [
                document.documentElement.lang, localStorage.getItem('bb.lang'),
            ]);
            check(got[0] === 'ko' && got[1] === 'ko',
                  `after a reload <html lang="${got[0]}">, bb.lang "${got[1]}"`);
            await tid(page, 'lang-switch').selectOption('en');
            await page.waitForFunction(() => document.documentElement.lang
                === 'en', null, { timeout: UI_MS });
        }, { soft: true });

        await page.setViewportSize(PHONE);
        for (const p of pages) {
            await s.run(`phone (360x740): the ${p.name} page fits and shows`
                        + ' its controls', async () => {
                await open(p);
                const problems = await layoutProblems(page, p.controls);
                await this.shot(page, `${p.name}-en-phone`);
                check(!problems.length, problems.join('; '));
            }, { soft: true });
        }
    }

    // Plays from ~5 s before the end of the second clip (a full minute
    // whatever the stream's start) and watches the frame's wall clock run
    // on into the third.
    async playAcrossBoundary(page) {
        const s = this.steps;
        await s.run('play from 5 s before a clip boundary: the clock runs'
                    + ' on into the next clip', async () => {
            const before = this.clips[1];
            const after = this.clips[2];
            const boundary = after.at;
            const target = boundary - 5000;
            let spot = await timeToX(page, 'timeline-hour', target);
            const shown = Boolean(spot);
            if (!spot) {
                // The strip shows the hour around the playhead: bring the
                // playhead to the clip first.
                await page.locator(`${sel('clip-row')}`
                    + `[data-clip-id="${before.id}"]`)
                    .locator(sel('clip-play')).click();
                await sleep(1000);
                spot = await timeToX(page, 'timeline-hour', target);
            }
            check(spot, `timeline-hour shows no timeline-run at ${iso(target)}`);
            await page.mouse.click(spot.x, spot.y);
            const samples = await samplePlayer(page, boundary + 4000, 45000);
            return judgePlayback(samples, before, after, boundary)
                + (shown ? '' : ' (the strip showed the hour once clip-play'
                                + ' was pressed)');
        });

        await s.run(`player-clock shows the time in the device's zone`
                    + ` (${this.zone})`, async () => {
            const { wc, text: shown } = await page.evaluate(() => {
                const c = document.querySelector('[data-testid="player-clock"]');
                return { wc: c.dataset.wallclock, text: c.textContent };
            });
            const m = /(\d{1,2}):(\d{2}):(\d{2})/.exec(shown);
            check(m, `player-clock reads "${shown}": no HH:MM:SS`);
            const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60
                + Number(m[3]);
            const want = zoneSeconds(Date.parse(wc), this.zone);
            // An AM/PM clock may say 1 for 13.
            const off = Math.abs(seconds - want) % 43200;
            check(Math.min(off, 43200 - off) <= 2, `player-clock reads`
                  + ` "${shown}" for ${wc}: in ${this.zone} that is`
                  + ` ${new Date(Date.parse(wc)).toLocaleTimeString('en-GB',
                      { timeZone: this.zone })}`);
            return shown;
        }, { soft: true });
        await this.shot(page, 'day-playing-en-desktop');
    }

    async download(page) {
        const s = this.steps;
        await s.run('download a clip: a valid MP4', async () => {
            const clip = this.clips[1];
            const link = page.locator(`${sel('clip-row')}`
                + `[data-clip-id="${clip.id}"]`).locator(sel('clip-download'));
            const [tag, hasDownload] = await link.evaluate(
                (a) => [a.tagName, a.hasAttribute('download')]);
            check(tag === 'A' && hasDownload,
                  `clip-download is <${tag.toLowerCase()}>`
                  + `${hasDownload ? ' with' : ' without'} download`);
            const [dl] = await Promise.all([
                page.waitForEvent('download', { timeout: 30000 }),
                link.click(),
            ]);
            const name = dl.suggestedFilename();
            const file = path.join(this.tmp, path.basename(name || 'clip'));
            await dl.saveAs(file);
            const failure = await dl.failure();
            check(!failure, `the download failed: ${failure}`);
            const probe = await ffprobe(file);
            const video = (probe.streams || [])
                .find((st) => st.codec_type === 'video');
            const duration = Number((probe.format || {}).duration);
            const format = (probe.format || {}).format_name || '';
            check(/mp4/.test(format), `ffprobe says the format is "${format}"`);
            check(video, 'the file has no video stream');
            check(duration > 1, `the file lasts ${duration} s`);
            return `${name}: ${fs.statSync(file).size} bytes, ${format},`
                + ` ${video.codec_name} ${video.width}x${video.height},`
                + ` ${duration} s`;
        });
    }

    // Deletes the second clip: the timeline must then have a gap where it
    // was, with its neighbours still drawn.
    async deleteClip(page) {
        const s = this.steps;
        await s.run('delete a clip: confirmed, its row gone, a gap in the'
                    + ' timeline', async () => {
            const [prev, gone, next] = this.clips;
            const row = page.locator(`${sel('clip-row')}`
                + `[data-clip-id="${gone.id}"]`);
            await row.locator(sel('clip-delete')).click();
            await visible(page, 'confirm-dialog');
            await this.shot(page, 'delete-clip-en-desktop', false);
            await tid(page, 'confirm-ok').click();
            const confirmed = Date.now();
            try {
                await row.waitFor({ state: 'detached', timeout: UI_MS });
            } catch (e) {
                throw new Failure('the clip-row is still there');
            }
            const rowGone = Date.now() - confirmed;
            const holes = {
                gap: gone.at + 30000,
                before: (prev.at + gone.at) / 2,
                after: next.at + 1000,
            };
            let last;
            await until('the timelines show the gap', async () => {
                last = await page.evaluate(({ h }) => {
                    const covered = (bar, t) => [...document.querySelectorAll(
                        `[data-testid="${bar}"] [data-testid="timeline-run"]`)]
                        .some((r) => Date.parse(r.dataset.from) <= t
                              && t <= Date.parse(r.dataset.to));
                    const out = {};
                    for (const bar of ['timeline', 'timeline-hour']) {
                        out[bar] = { gap: covered(bar, h.gap),
                                     before: covered(bar, h.before),
                                     after: covered(bar, h.after) };
                    }
                    return out;
                }, { h: holes });
                return Object.values(last).every((b) => !b.gap && b.before
                                                         && b.after);
            }, 15000).catch(() => {
                throw new Failure('timeline runs around the deleted clip'
                    + ` (covered?): ${JSON.stringify(last)}`);
            });
            await this.shot(page, 'day-gap-en-desktop');
            return `row gone after ${(rowGone / 1000).toFixed(1)} s, the gap`
                + ` drawn after ${((Date.now() - confirmed) / 1000)
                    .toFixed(1)} s`;
        });
    }

    async account(page) {
        const s = this.steps;
        const o = this.o;
        let tokenBefore;
        await s.run('the account page shows who is logged in', async () => {
            await tid(page, 'nav-account').click();
            await waitHash(page, ACCOUNT_HASH);
            await visible(page, 'account-username');
            // The fields show skeletons until GET /api/v1/me answers.
            let name;
            let email;
            await until('the account fields fill in', async () => {
                name = await text(page, 'account-username');
                email = await text(page, 'account-email');
                return name.trim() && email.trim();
            }, UI_MS).catch(() => {});
            await this.shot(page, 'account-en-desktop');
            check(name.includes(USER.username) && email.includes(USER.email),
                  `it shows "${name}" and "${email}"`);
        });

        let toLogin = false;
        await s.run('change the password', async () => {
            tokenBefore = this.lastToken();
            await tid(page, 'pw-current').fill(USER.password);
            await tid(page, 'pw-new').fill(USER.newPassword);
            const answer = page.waitForResponse((res) => res.request()
                .method() === 'PUT' && new URL(res.url()).pathname
                === '/api/v1/me/password', { timeout: UI_MS });
            await tid(page, 'pw-submit').click();
            const status = (await answer).status();
            check(status === 204, `PUT /api/v1/me/password answered ${status}`);
            // The spec: it ends every session, and the app says so on
            // #/login.  An app that keeps the user signed in would do too.
            toLogin = await tid(page, 'login-username')
                .waitFor({ state: 'visible', timeout: 10000 })
                .then(() => true, () => false);
            await this.shot(page, toLogin ? 'login-after-password-en-desktop'
                                          : 'account-changed-en-desktop');
            const notice = await tid(page, 'notice').first().isVisible()
                ? await text(page, 'notice') : '';
            return `${toLogin ? 'sent to #/login' : 'stays signed in'};`
                + ` notice "${notice}"`;
        });

        if (toLogin) {
            await s.run('log in again with the new password', async () => {
                await tid(page, 'login-username').fill(USER.username);
                await tid(page, 'login-password').fill(USER.newPassword);
                const before = mailFiles(o.mail, USER.email);
                await tid(page, 'login-submit').click();
                await visible(page, 'login-code');
                await tid(page, 'login-code')
                    .fill(await nextCode(o.mail, USER.email, before));
                await tid(page, 'login-code-submit').click();
                await waitHash(page, DEVICES_HASH);
                await visible(page, 'device-row');
                check(this.lastToken() !== tokenBefore,
                      'no new access token after the new login');
            });
        }

        await s.run('the token from before the password change is refused',
                    async () => {
            const r = await this.api('GET', '/api/v1/me', tokenBefore);
            check(r.status === 401, `GET /api/v1/me answers ${r.status}`);
        }, { soft: true });
    }

    async logout(page) {
        const s = this.steps;
        const token = this.lastToken();
        await s.run('log out', async () => {
            const r = await this.api('GET', '/api/v1/me', token);
            check(r.status === 200, `before logout the page's token gets`
                  + ` ${r.status} from GET /api/v1/me, not 200`);
            await tid(page, 'logout').click();
            await visible(page, 'login-username');
            await waitHash(page, LOGIN_HASH);
        });

        await s.run('the old session is refused: GET /api/v1/me with its'
                    + ' token is 401', async () => {
            const r = await this.api('GET', '/api/v1/me', token);
            check(r.status === 401, `GET /api/v1/me answers ${r.status}`);
        });

        await s.run('after a reload the page is the login page', async () => {
            await page.reload();
            await visible(page, 'login-username');
            await waitHash(page, LOGIN_HASH);
            await page.goto(`${this.o.base}/#/devices`);
            await visible(page, 'login-username');
            await waitHash(page, LOGIN_HASH);
        });
    }

    // The last steps, reached whatever happened before.
    async consoleSteps() {
        const w = this.watch;
        const s = this.steps;
        s.broken = null;
        await s.run('no console error, page error or failed request on any'
                    + ' page', async () => {
            check(!w.problems.length, `${w.problems.length}: `
                  + w.problems.slice(0, 10).join(' | '));
            return w.ignored.size ? `${w.ignored.size} expected one(s)`
                + ' named in the report' : undefined;
        }, { soft: true });
        await s.run('no console warning on any page', async () => {
            check(!w.warnings.length, `${w.warnings.length}: `
                  + w.warnings.slice(0, 10).join(' | '));
        }, { soft: true });
    }

    report() {
        const f = this.ffmpeg;
        return {
            ok: this.steps.list.every((st) => st.ok),
            steps: this.steps.list,
            ignored: [...this.watch.ignored].map(([message, v]) => ({
                message, reason: v.reason, count: v.count })),
            problems: this.watch.problems,
            warnings: this.watch.warnings,
            zone: this.zone,
            date: this.date,
            clips: (this.clips || []).map((c) => ({ id: c.id, at: iso(c.at) })),
            ffmpeg: f ? { code: f.code, seconds: f.ended
                          ? (f.ended - f.started) / 1000 : null,
                          stderr: f.stderr } : null,
            screenshots: this.shots,
            elapsed_ms: Date.now() - started,
        };
    }

    cleanup() {
        if (this.ffmpeg && !this.ffmpeg.ended) {
            this.ffmpeg.child.kill('SIGKILL');
        }
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}


// What the day view shows now: its clip-rows, the timeline-runs of both
// bars (times in ms) and whether the page is still the one we opened.
function dayState(page) {
    return page.evaluate(() => {
        const runs = (bar) => [...document.querySelectorAll(
            `[data-testid="${bar}"] [data-testid="timeline-run"]`)]
            .map((r) => ({ from: Date.parse(r.dataset.from),
                           to: Date.parse(r.dataset.to) }));
        return {
            rows: [...document.querySelectorAll('[data-testid="clip-row"]')]
                .map((r) => ({ id: r.dataset.clipId,
                               at: Date.parse(r.dataset.recordedAt) })),
            runs: runs('timeline'),
            hourRuns: runs('timeline-hour'),
            mark: window.__journeyMark === true,
        };
    });
}

// The viewport point of `bar` that stands for time t (ms), from a
// timeline-run that holds t: {x, y}, or null when none does.  The run's
// own box maps its data-from..data-to; where the bar cuts the run off, the
// bar's width is taken as its one hour.
async function timeToX(page, bar, t) {
    await tid(page, bar).scrollIntoViewIfNeeded().catch(() => {});
    return page.evaluate(({ id, t }) => {
        const el = document.querySelector(`[data-testid="${id}"]`);
        if (!el) {
            return null;
        }
        const b = el.getBoundingClientRect();
        for (const run of el.querySelectorAll('[data-testid="timeline-run"]')) {
            const from = Date.parse(run.dataset.from);
            const to = Date.parse(run.dataset.to);
            if (!(from <= t && t <= to)) {
                continue;
            }
            const r = run.getBoundingClientRect();
            const cutLeft = r.left <= b.left + 0.5;
            const cutRight = r.right >= b.right - 0.5;
            const perMs = b.width / 3600000;
            let x;
            if (!cutLeft && !cutRight || to === from) {
                x = r.left + (t - from) / Math.max(1, to - from) * r.width;
            } else if (cutLeft) {
                x = r.right - (to - t) * perMs;
            } else {
                x = r.left + (t - from) * perMs;
            }
            return { x, y: r.top + r.height / 2 };
        }
        return null;
    }, { id: bar, t });
}

// Samples the player every 200 ms until its wall clock passes `untilMs` or
// `ms` pass: [{now, wc (ms or null), clip, paused}].
async function samplePlayer(page, untilMs, ms) {
    const samples = [];
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const s = await page.evaluate(() => {
            const p = document.querySelector('[data-testid="player"]');
            const c = document.querySelector('[data-testid="player-clock"]');
            const v = document.querySelector('[data-testid="player-video"]');
            return {
                wc: c && c.dataset.wallclock
                    ? Date.parse(c.dataset.wallclock) : null,
                clip: p ? p.dataset.clipId : null,
                paused: v ? v.paused : null,
            };
        });
        s.now = Date.now();
        samples.push(s);
        if (s.wc !== null && s.wc > untilMs) {
            break;
        }
        await sleep(200);
    }
    return samples;
}

// Whether the samples show a start a few seconds before the boundary and
// a clock that then ran on past it without jumping, in the right clips.
// Returns the detail; throws a Failure saying what went wrong.
function judgePlayback(samples, before, after, boundary) {
    const hhmmss = (ms) => iso(ms).slice(11, 23);
    const seen = samples.filter((x) => x.wc !== null)
        .map((x) => hhmmss(x.wc));
    const start = samples.findIndex((x) => x.wc !== null
        && x.wc >= boundary - 11000 && x.wc <= boundary - 1000);
    check(start >= 0, `the clock never showed a time 1 to 11 s before the`
          + ` boundary ${hhmmss(boundary)}: it showed`
          + ` ${[...new Set(seen)].slice(0, 12).join(', ') || 'nothing'}`);
    const run = samples.slice(start);
    for (let i = 1; i < run.length; i++) {
        const a = run[i - 1];
        const b = run[i];
        check(b.wc !== null, 'the clock lost its data-wallclock while'
              + ' playing');
        const moved = b.wc - a.wc;
        const real = b.now - a.now;
        check(moved > -300, `the clock went back from ${hhmmss(a.wc)} to`
              + ` ${hhmmss(b.wc)}`);
        check(moved <= real + 1500, `the clock jumped from ${hhmmss(a.wc)}`
              + ` to ${hhmmss(b.wc)} in ${real} ms`);
    }
    const last = run[run.length - 1];
    check(last.wc > boundary + 3000, `the clock stopped at`
          + ` ${hhmmss(last.wc)}, before ${hhmmss(boundary + 3000)}`
          + ` (${((last.now - run[0].now) / 1000).toFixed(1)} s after it`
          + ` showed ${hhmmss(run[0].wc)}; video`
          + ` ${last.paused ? 'paused' : 'not paused'})`);
    const clipBefore = run.find((x) => x.wc < boundary - 500);
    const clipAfter = run.filter((x) => x.wc > boundary + 1000).pop();
    check(clipBefore && clipBefore.clip === before.id, `before the boundary`
          + ` player's data-clip-id is "${clipBefore && clipBefore.clip}",`
          + ` not "${before.id}"`);
    check(clipAfter && clipAfter.clip === after.id, `after the boundary`
          + ` player's data-clip-id is "${clipAfter && clipAfter.clip}", not`
          + ` "${after.id}"`);
    return `wall clock ${hhmmss(run[0].wc)} -> ${hhmmss(last.wc)} UTC in`
        + ` ${((last.now - run[0].now) / 1000).toFixed(1)} s, clip`
        + ` ${before.id} -> ${after.id}`;
}

function ffprobe(file) {
    return new Promise((resolve) => {
        execFile('ffprobe', ['-v', 'error', '-show_streams', '-show_format',
                             '-of', 'json', file],
                 (err, stdout, stderr) => {
            if (err) {
                resolve({ error: stderr || err.message });
                return;
            }
            try {
                resolve(JSON.parse(stdout));
            } catch (e) {
                resolve({ error: `ffprobe printed no JSON: ${stdout}` });
            }
        });
    });
}


let chromium;

async function main() {
    let o;
    try {
        o = parseArgs(process.argv.slice(2));
    } catch (e) {
        log(`${e.message}\n${USAGE}`);
        return 2;
    }
    try {
        ({ chromium } = require('playwright-core'));
    } catch (e) {
        log('playwright-core is not installed: run npm ci in the repo');
        return 2;
    }
    if (!fs.existsSync(CHROMIUM)) {
        log(`${CHROMIUM} is missing: apt-get install chromium`);
        return 2;
    }

    const journey = new Journey(o);
    const print = () => process.stdout.write(
        `${JSON.stringify(journey.report(), null, 1)}\n`);
    // The last resort against a browser or a wait that hangs: the steps so
    // far, and this as the failure.
    setTimeout(() => {
        journey.steps.list.push({ name: `the journey ends within`
            + ` ${o.timeout} s`, ok: false, error: 'it did not' });
        journey.cleanup();
        print();
        process.exit(1);
    }, o.timeout * 1000).unref();

    try {
        await journey.run();
    } catch (e) {
        journey.steps.list.push({ name: 'the journey runs', ok: false,
                                  error: firstLine(e) });
        log(`harness: ${e.stack || e}`);
    } finally {
        journey.cleanup();
    }
    print();
    const report = journey.report();
    log(`${report.ok ? 'passed' : 'FAILED'} in`
        + ` ${(report.elapsed_ms / 1000).toFixed(1)} s`);
    return report.ok ? 0 : 1;
}


main().then(
    (code) => { process.exitCode = code; },
    (e) => { log(`harness: ${e.stack || e}`); process.exitCode = 2; });
