#!/usr/bin/env node
// Plays one HLS or DASH stream in headless Chromium and says whether it
// played cleanly: the browser half of the playback tests.
//
// A real browser, because what breaks playback (an fMP4 box the decoder
// refuses, timestamps that leave a hole, a clip boundary the player trips
// over) only shows when Chromium's own MSE pipeline plays the media.  The
// players are loaded from the server's own origin (/vendor/, which make
// fills from node_modules), as the web app does, so a Content-Security-Policy
// that allows only 'self' still lets them run.
//
// "Played" is stricter than the players themselves: hls.js recovers from a
// corrupt segment by resetting the MediaSource and jumping the hole, which
// a person sees as a skip.  So besides fatal errors this fails on every
// player error event, a jump ahead, a stall, a frozen picture, a
// MediaSource reset, a console error, a page error and an HTTP error answer.
//
//   node t/browser/play.js --page URL --kind hls|dash --src URL
//        --seek S --until S --shots DIR
//        [--timeout 60] [--stall 5] [--jump 1.5]
//
// It loads --page (any page of the server's origin), replaces its body with
// a muted <video controls> and a <div id="wallclock">, attaches the player
// to --src, seeks to --seek once the metadata is loaded (again if the
// player overrules it), plays, and waits until currentTime > --until.
// It prints one JSON object on stdout (see summary() below), logs what
// happens on stderr, and leaves a screenshot in --shots.  Exit status:
// 0 played, 1 did not play cleanly, 2 could not test (bad arguments, no
// browser).

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const { CHROMIUM, CHROMIUM_FLAGS } = require('./chromium');

const PLAYER_SCRIPT = {
    hls: '/vendor/hls.min.js',
    dash: '/vendor/dash.all.min.js',
};

const SAMPLE_MS = 250;

const USAGE = 'usage: node t/browser/play.js --page URL --kind hls|dash'
    + ' --src URL --seek S --until S --shots DIR'
    + ' [--timeout 60] [--stall 5] [--jump 1.5]';


// Returns the options from argv, or throws an Error naming what is wrong.
function parseArgs(argv) {
    const opt = { timeout: 60, stall: 5, jump: 1.5 };
    const numeric = ['seek', 'until', 'timeout', 'stall', 'jump'];
    const known = ['page', 'kind', 'src', 'shots'].concat(numeric);

    for (let i = 0; i < argv.length; i += 2) {
        const m = /^--([a-z]+)$/.exec(argv[i]);
        if (!m || !known.includes(m[1])) {
            throw new Error(`unknown argument "${argv[i]}"`);
        }
        if (i + 1 >= argv.length) {
            throw new Error(`${argv[i]} needs a value`);
        }
        opt[m[1]] = argv[i + 1];
    }
    for (const name of ['page', 'kind', 'src', 'seek', 'until', 'shots']) {
        if (opt[name] === undefined) {
            throw new Error(`--${name} is missing`);
        }
    }
    if (!PLAYER_SCRIPT[opt.kind]) {
        throw new Error(`--kind must be hls or dash, not "${opt.kind}"`);
    }
    for (const name of numeric) {
        const v = Number(opt[name]);
        if (!Number.isFinite(v) || v < 0) {
            throw new Error(`--${name} must be a number >= 0, `
                + `not "${opt[name]}"`);
        }
        opt[name] = v;
    }
    if (opt.until <= opt.seek) {
        throw new Error('--until must be after --seek');
    }
    opt.page = new URL(opt.page).href;
    opt.src = new URL(opt.src, opt.page).href;
    return opt;
}


// Runs in the page.  Builds the video and the wall-clock display, attaches
// the player and watches playback, keeping everything in window.__bb, which
// the node side polls.  Nothing here throws to the caller: every problem
// becomes an entry in __bb.errors.
function pageHarness(o) {
    const S = window.__bb = {
        errors: [], events: [], samples: [], done: false, failed: false,
        start_time: null, end_time: null, wallclock_first: null,
        wallclock_last: null, wallclock_at_until: null,
        seeked: false,
    };
    // Milliseconds since play.js started, the same clock as its own events.
    const since = () => Date.now() - o.started;
    const round = (x) => Math.round(x * 1000) / 1000;

    const box = document.createElement('div');
    const video = document.createElement('video');
    const clock = document.createElement('div');
    video.id = 'bb-video';
    video.muted = true;
    video.controls = true;
    video.playsInline = true;
    video.width = 640;
    video.height = 360;
    clock.id = 'wallclock';
    clock.textContent = '-';
    clock.style.font = '20px monospace';
    box.style.padding = '8px';
    box.append(video, clock);
    document.body.replaceChildren(box);

    function event(type, detail) {
        S.events.push({ at_ms: since(), time: round(video.currentTime),
                        type, detail });
    }

    function fail(message) {
        S.errors.push(`${message} (at ${round(video.currentTime)} s of media,`
            + ` ${(since() / 1000).toFixed(1)} s after start)`);
        S.failed = true;
        event('failure', message);
    }

    // A second MediaSource for the same video is a reset (hls.js does one
    // to recover from a bad segment; dash.js on some period switches).
    let mediaSources = 0;
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = function (obj) {
        if (typeof MediaSource !== 'undefined' && obj instanceof MediaSource) {
            mediaSources++;
            event('mediasource', `MediaSource #${mediaSources}`);
            if (mediaSources > 1) {
                fail(`MediaSource reset: MediaSource #${mediaSources}`
                    + ' opened for the same video');
            }
        }
        return createObjectURL.apply(this, arguments);
    };

    // The wall-clock time of the frame on screen, as a Date, or null.
    let wallclock = () => null;

    let player;
    if (o.kind === 'hls') {
        const Hls = window.Hls;
        if (!Hls || !Hls.isSupported()) {
            fail('hls.js is not loaded or MSE is not supported');
            return;
        }
        const hls = player = new Hls({ debug: false });
        window.__bb_player = hls;
        let attaches = 0;
        hls.on(Hls.Events.MEDIA_ATTACHING, () => {
            attaches++;
            if (attaches > 1) {
                fail('MediaSource reset: hls.js attached the video again');
            }
        });
        hls.on(Hls.Events.MANIFEST_PARSED, (e, d) => {
            event('manifest', `${d.levels.length} level(s)`);
        });
        hls.on(Hls.Events.FRAG_CHANGED, (e, d) => {
            const f = d.frag;
            event('fragment', `sn ${f.sn} cc ${f.cc} ${round(f.start)}`
                + `+${round(f.duration)} s`
                + (f.programDateTime
                   ? ` pdt ${new Date(f.programDateTime).toISOString()}`
                   : ' no pdt'));
        });
        hls.on(Hls.Events.ERROR, (e, d) => {
            const f = d.frag;
            // hls.js reports its own aborts (a load it no longer needs
            // after our seek) as errors too; they are not failures.
            const report = !d.fatal
                && d.details === Hls.ErrorDetails.INTERNAL_ABORTED
                ? (m) => event('aborted', m) : fail;
            report(`hls.js ${d.fatal ? 'fatal' : 'non-fatal'} error`
                + ` ${d.type}/${d.details}`
                + (f ? ` in fragment sn ${f.sn} (${round(f.start)}`
                       + `-${round(f.start + f.duration)} s, ${f.url})` : '')
                + (d.response && d.response.code
                   ? `, HTTP ${d.response.code}` : '')
                + (d.error ? `: ${d.error.message || d.error}` : '')
                + (d.reason ? `: ${d.reason}` : ''));
        });
        wallclock = () => hls.playingDate || null;
        hls.loadSource(o.src);
        hls.attachMedia(video);
    } else {
        const dashjs = window.dashjs;
        if (!dashjs || !dashjs.MediaPlayer) {
            fail('dash.js is not loaded');
            return;
        }
        const E = dashjs.MediaPlayer.events;
        player = dashjs.MediaPlayer().create();
        window.__bb_player = player;
        // availabilityStartTime as written in the MPD: dash.js substitutes
        // the load time when it is absent, which would be a made-up clock.
        let ast = null;
        player.on(E.MANIFEST_LOADED, (e) => {
            const m = e.data || {};
            ast = m.availabilityStartTime
                ? new Date(m.availabilityStartTime) : null;
            const periods = (m.Period || []).length;
            event('manifest', `type ${m.type}, ${periods} period(s), `
                + (ast ? `availabilityStartTime ${ast.toISOString()}`
                       : 'no availabilityStartTime: no wall clock'));
        });
        player.on(E.PERIOD_SWITCH_COMPLETED, (e) => {
            const s = e.toStreamInfo;
            event('period', s ? `period ${s.id} from ${round(s.start)} s`
                              : 'period switch');
        });
        player.on(E.ERROR, (e) => {
            const err = e.error || {};
            fail(`dash.js error ${err.code !== undefined ? err.code : ''}`
                + ` ${err.message || JSON.stringify(e.error || e)}`);
        });
        player.on(E.PLAYBACK_ERROR, (e) => {
            fail(`dash.js playback error: ${(e.error && e.error.message)
                || JSON.stringify(e.error || e)}`);
        });
        // dash.js maps the presentation timeline onto the video element
        // (timestampOffset = Period@start - presentationTimeOffset), so
        // currentTime already includes the Period's start.
        wallclock = () => ast
            ? new Date(ast.getTime() + video.currentTime * 1000) : null;
        player.initialize(video, o.src, false);
    }

    // The video element's own reports.
    video.addEventListener('error', () => {
        const e = video.error;
        fail(`video element error ${e ? e.code : ''}`
            + ` ${e && e.message ? e.message : ''}`);
    });
    video.addEventListener('emptied', () => {
        if (S.seeked || video.readyState > 0) {
            fail('MediaSource reset: the video was emptied');
        } else {
            event('emptied', '');
        }
    });
    for (const type of ['waiting', 'playing', 'ended', 'stalled']) {
        video.addEventListener(type, () => event(type, ''));
    }
    video.addEventListener('timeupdate', () => {
        const d = wallclock();
        clock.textContent = d ? d.toISOString() : '-';
    });

    // Our own seek is the only one expected; one by the player (hls.js
    // jumping a hole, dash.js jumping a gap) is logged and judged by the
    // sampler like any other move of currentTime.  A player may also
    // overrule ours with a start-up seek of its own (dash.js nudging to the
    // first sample raced it): our seek is done only once it lands near
    // --seek, and is made again otherwise.
    let ourSeek = false;
    let seekTries = 0;

    function seekToStart() {
        ourSeek = true;
        seekTries++;
        try {
            if (o.kind === 'dash') {
                player.seek(o.seek);
            } else {
                video.currentTime = o.seek;
            }
        } catch (e) {
            fail(`the seek to ${o.seek} s threw: ${e.message || e}`);
        }
    }

    video.addEventListener('seeking', () => {
        event('seeking', ourSeek ? 'ours' : 'by the player');
    });
    video.addEventListener('seeked', () => {
        if (!ourSeek) {
            event('seeked', 'by the player');
            return;
        }
        if (video.seeking) {
            return;
        }
        const t = video.currentTime;
        if (Math.abs(t - o.seek) > 1) {
            if (seekTries >= 3) {
                fail(`the seek to ${o.seek} s landed at ${round(t)} s,`
                    + ` ${seekTries} times`);
                return;
            }
            event('seeked', `ours landed at ${round(t)} s: seeking again`);
            seekToStart();
            return;
        }
        event('seeked', 'ours');
        ourSeek = false;
        S.seeked = true;
    });
    video.addEventListener('loadedmetadata', () => {
        event('loadedmetadata', `duration ${round(video.duration)} s`);
        seekToStart();
        const p = video.play();
        if (p && p.catch) {
            p.catch((e) => fail(`video.play() refused: ${e.message}`));
        }
    }, { once: true });

    // Samples every 250 ms once our seek is done: the wall clock, and the
    // movement of currentTime against the time that passed.
    let last = null;
    let stillSince = null;
    // Chromium plays on with the sound when the picture runs out, and the
    // picture freezes: currentTime moving while no video frame is decoded.
    let frameMark = null;
    const timer = setInterval(() => {
        if (S.done || S.failed) {
            clearInterval(timer);
            return;
        }
        const now = performance.now();
        const t = video.currentTime;

        if (!S.seeked) {
            // Waiting for our seek: a seek that never completes is a stall.
            if (ourSeek) {
                stillSince = stillSince === null ? now : stillSince;
                if (now - stillSince > o.stall * 1000) {
                    fail(`stall: the seek to ${o.seek} s did not complete`
                        + ` in ${o.stall} s`);
                }
            }
            return;
        }

        const d = wallclock();
        const iso = d ? d.toISOString() : null;
        if (S.start_time === null) {
            S.start_time = round(t);
            stillSince = null;
        }
        if (iso && S.wallclock_first === null) {
            S.wallclock_first = iso;
        }
        if (iso) {
            S.wallclock_last = iso;
        }
        S.end_time = round(t);
        const quality = video.getVideoPlaybackQuality();
        const frames = quality.totalVideoFrames;
        S.dropped_frames = quality.droppedVideoFrames;
        S.samples.push({ at_ms: since(), time: round(t), wallclock: iso,
                         frames });

        if (video.ended) {
            fail(`the video ended at ${round(t)} s, before ${o.until} s`);
            return;
        }
        if (last !== null && !video.paused && !ourSeek) {
            const moved = t - last.t;
            const elapsed = (now - last.now) / 1000;
            if (moved > elapsed * video.playbackRate + o.jump) {
                fail(`jump ahead: currentTime went from ${round(last.t)} to`
                    + ` ${round(t)} s in ${elapsed.toFixed(2)} s`);
                return;
            }
            if (moved < -0.1) {
                event('jump back', `${round(last.t)} -> ${round(t)} s`);
            }
        }
        if (last === null || t !== last.t || video.paused) {
            stillSince = null;
        } else {
            stillSince = stillSince === null ? last.now : stillSince;
            if (now - stillSince > o.stall * 1000) {
                fail(`stall: currentTime stuck at ${round(t)} s for`
                    + ` ${o.stall} s (readyState ${video.readyState},`
                    + ` buffered ${bufferedText(video)})`);
                return;
            }
        }
        last = { t, now };

        if (frameMark === null || frames !== frameMark.frames || video.paused
                || ourSeek || video.videoWidth === 0) {
            frameMark = { frames, t };
        } else if (t - frameMark.t > o.jump) {
            fail(`frozen picture: no new video frame while currentTime went`
                + ` from ${round(frameMark.t)} to ${round(t)} s (buffered`
                + ` ${bufferedText(video)})`);
            return;
        }

        if (t > o.until) {
            S.wallclock_at_until = iso;
            S.done = true;
            clearInterval(timer);
        }
    }, o.sample_ms);

    function bufferedText(v) {
        const r = [];
        for (let i = 0; i < v.buffered.length; i++) {
            r.push(`${round(v.buffered.start(i))}-${round(v.buffered.end(i))}`);
        }
        return r.join(', ') || 'nothing';
    }
}


// The JSON printed on stdout.
//   ok                  true when it played from --seek past --until cleanly
//   kind                hls or dash
//   start_time          currentTime at the first sample after our seek
//   end_time            currentTime at the last sample
//   wallclock_first     wall-clock time (ISO 8601, UTC) of the frame at the
//   wallclock_last      first and last sample, and at the first sample past
//   wallclock_at_until  --until; null where the stream carries no wall clock
//                       (hls: EXT-X-PROGRAM-DATE-TIME; dash: MPD@
//                       availabilityStartTime)
//   samples             [{at_ms, time, wallclock, frames}] every 250 ms of
//                       playback (frames: video frames decoded so far)
//   dropped_frames      video frames Chromium dropped (not a failure: a
//                       busy machine drops some)
//   errors              every reason for failing, as sentences
//   events              [{at_ms, time, type, detail}] what happened, in order
//   screenshot          path of the PNG left in --shots, or null
//   elapsed_ms          wall time of the whole run
function summary(o, state, errors, events, shot, started) {
    const s = state || {};
    return {
        ok: errors.length === 0 && Boolean(s.done),
        kind: o.kind,
        start_time: s.start_time === undefined ? null : s.start_time,
        end_time: s.end_time === undefined ? null : s.end_time,
        wallclock_first: s.wallclock_first || null,
        wallclock_last: s.wallclock_last || null,
        wallclock_at_until: s.wallclock_at_until || null,
        samples: s.samples || [],
        dropped_frames: s.dropped_frames === undefined ? null
                                                       : s.dropped_frames,
        errors,
        events,
        screenshot: shot,
        elapsed_ms: Date.now() - started,
    };
}


function log(message) {
    process.stderr.write(`play.js: ${message}\n`);
}


async function main() {
    const started = Date.now();
    let o;
    try {
        o = parseArgs(process.argv.slice(2));
    } catch (e) {
        log(`${e.message}\n${USAGE}`);
        return 2;
    }
    o.sample_ms = SAMPLE_MS;
    o.started = started;

    // The last resort against a browser that hangs (the loop below keeps
    // --timeout while the page answers).
    setTimeout(() => {
        log(`hard timeout: no verdict in ${o.timeout + 30} s`);
        process.exit(2);
    }, (o.timeout + 30) * 1000).unref();

    let chromium;
    try {
        ({ chromium } = require('playwright-core'));
    } catch (e) {
        log('playwright-core is not installed: run npm ci in the repo'
            + ' (scripts/install-deps.sh does)');
        return 2;
    }
    if (!fs.existsSync(CHROMIUM)) {
        log(`${CHROMIUM} is missing: apt-get install chromium`
            + ' (scripts/install-deps.sh does)');
        return 2;
    }

    const errors = [];
    const events = [];
    const origin = new URL(o.page).origin;
    const nodeEvent = (type, detail) => {
        events.push({ at_ms: Date.now() - started, time: null, type, detail });
        log(`${type}: ${detail}`);
    };
    const nodeError = (message) => {
        errors.push(message);
        log(`FAIL ${message}`);
    };

    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-chromium-'));
    let context;
    let state = null;
    let shot = null;
    try {
        try {
            context = await chromium.launchPersistentContext(profile, {
                executablePath: CHROMIUM,
                headless: true,
                args: CHROMIUM_FLAGS,
                viewport: { width: 672, height: 440 },
                timeout: 30000,
            });
        } catch (e) {
            log(`cannot start ${CHROMIUM}: ${e.message}`);
            return 2;
        }
        const page = context.pages()[0] || await context.newPage();

        // The browser asks for /favicon.ico by itself: its 404 is no fault
        // of the page.
        const isFavicon = (url) => /^[^?#]*\/favicon\.ico([?#]|$)/.test(url);
        page.on('console', (msg) => {
            const text = msg.text();
            const loc = msg.location() || {};
            if (msg.type() === 'error' && isFavicon(loc.url || '')) {
                nodeEvent('console', text);
            } else if (msg.type() === 'error') {
                nodeError(`console error: ${text}`
                    + (loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''));
            } else if (msg.type() === 'warning') {
                nodeEvent('console warning', text);
            }
        });
        page.on('pageerror', (e) => nodeError(`page error: ${e.message}`));
        page.on('crash', () => nodeError('the page crashed'));
        page.on('requestfailed', (req) => {
            const why = req.failure() ? req.failure().errorText : '';
            // A player aborts requests it no longer needs (after a seek).
            if (why === 'net::ERR_ABORTED') {
                nodeEvent('request aborted', req.url());
            } else {
                nodeError(`request failed: ${req.method()} ${req.url()}:`
                    + ` ${why}`);
            }
        });
        page.on('response', (res) => {
            if (res.status() >= 400 && !isFavicon(res.url())) {
                nodeError(`HTTP ${res.status()} for ${res.request().method()}`
                    + ` ${res.url()}`);
            }
        });

        const deadline = started + o.timeout * 1000;
        const left = () => Math.max(1000, deadline - Date.now());
        try {
            const res = await page.goto(o.page, { timeout: left() });
            if (!res || !res.ok()) {
                throw new Error(`HTTP ${res ? res.status() : 'no answer'}`);
            }
            await page.addScriptTag({
                url: new URL(PLAYER_SCRIPT[o.kind], origin).href,
            });
            nodeEvent('harness', `${o.kind} ${o.src} seek ${o.seek} s`
                + ` until ${o.until} s`);
            await page.evaluate(pageHarness, o);

            let lastReport = 0;
            for (;;) {
                state = await page.evaluate(() => {
                    const s = window.__bb;
                    return { done: s.done, failed: s.failed,
                             time: s.end_time };
                });
                if (state.done || state.failed || errors.length) {
                    break;
                }
                if (Date.now() > deadline) {
                    nodeError(`timeout: currentTime did not pass ${o.until} s`
                        + ` within ${o.timeout} s (it is at ${state.time} s)`);
                    break;
                }
                if (Date.now() - lastReport > 2000 && state.time !== null) {
                    log(`at ${state.time} s`);
                    lastReport = Date.now();
                }
                await page.waitForTimeout(SAMPLE_MS);
            }
            // Errors come in pairs (the player's, then the console's): let
            // the second one arrive.
            if (!state.done || errors.length) {
                await page.waitForTimeout(500);
            }
        } catch (e) {
            nodeError(`harness: ${e.message.split('\n')[0]}`);
        }

        try {
            state = await page.evaluate(() => window.__bb || null);
        } catch (e) {
            state = null;
        }
        try {
            fs.mkdirSync(o.shots, { recursive: true });
            shot = path.resolve(o.shots, `${o.kind}-${process.pid}-`
                + `${Date.now()}.png`);
            await page.screenshot({ path: shot, timeout: 10000 });
        } catch (e) {
            log(`no screenshot: ${e.message.split('\n')[0]}`);
            shot = null;
        }
    } finally {
        if (context) {
            await context.close().catch(() => {});
        }
        fs.rmSync(profile, { recursive: true, force: true });
    }

    const pageErrors = state ? state.errors : [];
    for (const e of pageErrors) {
        log(`FAIL ${e}`);
    }
    const allEvents = events.concat(state ? state.events : [])
        .sort((a, b) => a.at_ms - b.at_ms);
    const out = summary(o, state, pageErrors.concat(errors), allEvents, shot,
                        started);
    process.stdout.write(JSON.stringify(out, null, 1) + '\n');
    log(out.ok ? `played ${out.start_time} -> ${out.end_time} s,`
                 + ` wall clock ${out.wallclock_first} -> ${out.wallclock_last}`
               : `FAILED: ${out.errors[0] || 'did not finish'}`);
    return out.ok ? 0 : 1;
}


main().then(
    (code) => { process.exitCode = code; },
    (e) => { log(`harness: ${e.stack || e}`); process.exitCode = 2; });
