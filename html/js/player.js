// The day player: one device's whole day as one continuous video, with the
// wall-clock time of the frame on screen.
//
// The server answers a day with signed, expiring playlist URLs
// (GET /api/v1/devices/{id}/playback?date=): HLS with a PROGRAM-DATE-TIME
// on every clip and a DISCONTINUITY where the recording stops, and DASH
// with a Period per continuous run placed on the MPD's
// availabilityStartTime.  In HLS the gaps take no media time; in DASH they
// do and the player jumps them.  Each engine therefore has its own map
// between media time (video.currentTime) and wall-clock time:
//   hls.js      the fragments' programDateTime and start (hls.playingDate's
//               own arithmetic, done for any time, not only the playing one)
//   native HLS  the same, from the media playlist parsed here (Safari on
//               iOS has HLS but no MSE, and tells no programDateTime)
//   dash.js     availabilityStartTime + presentation time
// A wall-clock time inside a gap maps to the next recorded moment.
//
// Whatever the engine, the answer expires: a new one is fetched a minute
// before expires_at (or on a 403 from the media) and the player resumes at
// the same wall-clock time.  The scripts of hls.js and dash.js are loaded
// the first time they are needed.

import { apiGet } from './api.js';
import { t, addMessages, fmt } from './i18n.js';
import { h } from './ui.js';
import { clipStart, clipEnd } from './timeline.js';

addMessages({
    en: {
        'player.label': 'Player',
        'player.clock': 'Time of the frame shown',
        'player.prev': 'Previous clip',
        'player.next': 'Next clip',
        'player.download': 'Download clip',
        'player.engine': 'Stream',
        'player.engine.hls': 'HLS',
        'player.engine.hls_native': 'HLS (built-in)',
        'player.engine.dash': 'DASH',
        'player.retry': 'Try again',
        'player.failed': 'The video could not be played.',
        'player.unsupported': 'This browser cannot play this stream: try the other one, or another browser.',
        'player.expired': 'The video link has expired and could not be renewed.',
        'player.no_answer': 'The video could not be loaded: {reason}',
        'player.network': 'The video could not be loaded: the server cannot be reached.',
    },
    ko: {
        'player.label': '플레이어',
        'player.clock': '화면에 보이는 장면의 시각',
        'player.prev': '이전 영상',
        'player.next': '다음 영상',
        'player.download': '영상 다운로드',
        'player.engine': '스트림',
        'player.engine.hls': 'HLS',
        'player.engine.hls_native': 'HLS (브라우저 내장)',
        'player.engine.dash': 'DASH',
        'player.retry': '다시 시도',
        'player.failed': '영상을 재생할 수 없습니다.',
        'player.unsupported': '이 브라우저에서는 이 스트림을 재생할 수 없습니다. 다른 스트림이나 다른 브라우저로 시도해 주세요.',
        'player.expired': '영상 링크가 만료되었는데 새 링크를 받지 못했습니다.',
        'player.no_answer': '영상을 불러오지 못했습니다: {reason}',
        'player.network': '서버에 연결할 수 없어 영상을 불러오지 못했습니다.',
    },
});

const ENGINE_SCRIPTS = { hls: '/vendor/hls.min.js', dash: '/vendor/dash.all.min.js' };

// Fetch a fresh playback answer this long before the old one expires.
const REMINT_LEAD_MS = 60e3;
const REMINT_MIN_MS = 5e3;
// A 403 this soon after a fresh answer is not an expiry.
const FORBIDDEN_GRACE_MS = 15e3;
// hls.js is told where to start from the clips' durations; the playlist's
// own durations may differ by the odd millisecond per clip.
const START_TOLERANCE_S = 0.25;

const scripts = new Map();


// Loads a vendor script once; resolves when it has run.
function loadScript(src) {
    if (!scripts.has(src)) {
        scripts.set(src, new Promise((resolve, reject) => {
            const el = h('script', { src, async: true });
            el.addEventListener('load', resolve);
            el.addEventListener('error', () => {
                scripts.delete(src);
                el.remove();
                reject(new Error(src + ' did not load'));
            });
            document.head.append(el);
        }));
    }
    return scripts.get(src);
}


function hasMediaSource() {
    return 'MediaSource' in window || 'ManagedMediaSource' in window;
}


// A URL template of the playback answer ('.../{clip_id}/...') for a clip.
export function clipUrl(template, clipId) {
    return template ? template.split('{clip_id}').join(encodeURIComponent(clipId)) : null;
}


// --- wall clock <-> media time ---------------------------------------------

// The clip recording at wall (ms), or else the next one: { clip, wall }
// where wall is where playing from there starts; null after the last.
function landing(clips, wall) {
    let next = null;
    for (const clip of clips) {
        const start = clipStart(clip);
        if (start <= wall && wall < clipEnd(clip)) {
            return { clip, wall };
        }
        if (start > wall && (!next || start < next.wall)) {
            next = { clip, wall: start };
        }
    }
    return next;
}


// A map over pieces [{wall (ms), media (s), dur (s)}] laid end to end in
// media time, in playlist order (a wall clock may run back at an overlap).
function pieceMap(pieces) {
    return {
        wallAt(time) {
            if (!pieces.length) {
                return null;
            }
            let lo = 0;
            let hi = pieces.length - 1;
            while (lo < hi) {
                const mid = (lo + hi + 1) >> 1;
                if (pieces[mid].media <= time) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            const p = pieces[lo];
            const into = Math.min(p.dur, Math.max(0, time - p.media));
            return p.wall + into * 1000;
        },
        mediaAt(wall) {
            let next = null;
            for (const p of pieces) {
                if (p.wall <= wall && wall < p.wall + p.dur * 1000) {
                    return p.media + (wall - p.wall) / 1000;
                }
                if (p.wall > wall && (!next || p.wall < next.wall)) {
                    next = p;
                }
            }
            return next ? next.media : null;
        },
    };
}


// The clips as the HLS media timeline lays them: end to end, no gaps.
function clipsMap(clips) {
    let media = 0;
    return pieceMap(clips.map((clip) => {
        const piece = { wall: clipStart(clip), media, dur: clip.duration_s };
        media += clip.duration_s;
        return piece;
    }));
}


// The pieces of an HLS media playlist's text.
function playlistPieces(text) {
    const pieces = [];
    let wall = null;
    let media = 0;
    for (const line of text.split('\n')) {
        if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
            wall = Date.parse(line.slice(25));
        } else if (line.startsWith('#EXTINF:')) {
            const dur = parseFloat(line.slice(8));
            if (wall !== null) {
                pieces.push({ wall, media, dur });
                wall += dur * 1000;
            }
            media += dur;
        }
    }
    return pieces;
}


// --- engines ---------------------------------------------------------------
// startX(video, answer, clips, at, hooks) -> engine
//   at        { media, wall } to start from
//   hooks     { failed(message), forbidden(fatal) }: a 403 from the media
//             (fatal: the engine gave up on it)
//   engine    { wallAt(time), mediaAt(wall), seek(time), clipsChanged(),
//               destroy() }

async function startHlsJs(video, answer, clips, at, hooks) {
    await loadScript(ENGINE_SCRIPTS.hls);
    const Hls = window.Hls;
    const hls = new Hls({ startPosition: at.media, backBufferLength: 90 });
    let map = null;
    let mediaRecovered = false;

    function onDetails(ev, data) {
        const first = !map;
        map = pieceMap(data.details.fragments
            .filter((f) => f.programDateTime)
            .map((f) => ({ wall: f.programDateTime, media: f.start, dur: f.duration })));
        const exact = first ? map.mediaAt(at.wall) : null;
        if (exact !== null && Math.abs(exact - at.media) > START_TOLERANCE_S) {
            hls.startLoad(exact);
        }
    }
    hls.on(Hls.Events.LEVEL_LOADED, onDetails);
    hls.on(Hls.Events.LEVEL_UPDATED, onDetails);
    hls.on(Hls.Events.ERROR, (ev, data) => {
        const status = data.response && data.response.code;
        if (status === 403) {
            hooks.forbidden(data.fatal);
        } else if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR && !mediaRecovered) {
            mediaRecovered = true;
            hls.recoverMediaError();
        } else if (data.fatal) {
            hooks.failed(t('player.failed'));
        }
    });
    hls.loadSource(answer.hls_url);
    hls.attachMedia(video);

    const estimate = clipsMap(clips);
    return {
        wallAt: (time) => (map || estimate).wallAt(time),
        mediaAt: (wall) => (map || estimate).mediaAt(wall),
        seek(time) {
            video.currentTime = time;
        },
        // An EVENT playlist (today) is reloaded by hls.js itself.
        clipsChanged() {},
        destroy() {
            hls.destroy();
        },
    };
}


async function startNativeHls(video, answer, clips, at, hooks) {
    // The playlist is fetched here too: Safari tells no programDateTime.
    async function readMap() {
        const top = await fetch(answer.hls_url, { cache: 'no-store' });
        if (top.status === 403) {
            throw Object.assign(new Error('forbidden'), { forbidden: true });
        }
        const topText = await top.text();
        const mediaLine = topText.split('\n').find((l) => l && !l.startsWith('#'));
        const media = await fetch(new URL(mediaLine, top.url), { cache: 'no-store' });
        return pieceMap(playlistPieces(await media.text()));
    }

    let map;
    try {
        map = await readMap();
    } catch (err) {
        if (err.forbidden) {
            hooks.forbidden(true);
        } else {
            hooks.failed(t('player.failed'));
        }
        return null;
    }
    const start = map.mediaAt(at.wall) ?? at.media;
    // Safari says no more than that the media failed: most likely expired.
    const onError = () => hooks.forbidden(true);
    video.addEventListener('error', onError);
    video.addEventListener('loadedmetadata', () => {
        video.currentTime = start;
    }, { once: true });
    video.src = answer.hls_url;

    return {
        wallAt: (time) => map.wallAt(time),
        mediaAt: (wall) => map.mediaAt(wall),
        seek(time) {
            video.currentTime = time;
        },
        clipsChanged() {
            readMap().then((fresh) => { map = fresh; }, () => {});
        },
        destroy() {
            video.removeEventListener('error', onError);
            video.removeAttribute('src');
            video.load();
        },
    };
}


async function startDash(video, answer, clips, at, hooks) {
    await loadScript(ENGINE_SCRIPTS.dash);
    const dashjs = window.dashjs;
    const E = dashjs.MediaPlayer.events;
    const player = dashjs.MediaPlayer().create();
    // availabilityStartTime is the day's first clip's recording time.
    let ast = clipStart(clips[0]);

    player.updateSettings({ debug: { logLevel: dashjs.Debug.LOG_LEVEL_NONE } });
    player.on(E.MANIFEST_LOADED, (ev) => {
        const written = ev.data && ev.data.availabilityStartTime;
        if (written) {
            ast = new Date(written).getTime();
        }
    });
    player.on(E.ERROR, (ev) => {
        const text = String((ev.error && ev.error.message) || '');
        if (/\b403\b/.test(text) || /\b403\b/.test(JSON.stringify(ev.error || {}))) {
            hooks.forbidden(true);
        } else {
            hooks.failed(t('player.failed'));
        }
    });
    player.on(E.PLAYBACK_ERROR, () => hooks.failed(t('player.failed')));
    player.initialize(video, answer.dash_url, false, (at.wall - ast) / 1000);

    return {
        // dash.js lays the Periods out on the video's own timeline.
        wallAt: (time) => ast + time * 1000,
        mediaAt(wall) {
            const land = landing(clips, wall);
            return land ? (land.wall - ast) / 1000 : null;
        },
        seek(time) {
            player.seek(time);
        },
        // The MPD is static: new clips are played after a fresh answer.
        clipsChanged: null,
        destroy() {
            player.destroy();
        },
    };
}


// --- the player ------------------------------------------------------------

// createPlayer({deviceId, date, timeZone, onTime, onGrant})
//   onTime(wallMs | null, clip | null)   on every frame time change
//   onGrant(answer)                      each fresh playback answer (its
//                                        thumbnail_url and download_url
//                                        templates serve the clip list)
// Returns { el, setClips(clips, startAt), seek(wallMs, play), hold(),
// reload(), destroy() }.  seek() answers the wall clock it plays from (wallMs, or the
// next recorded moment), or null when nothing is recorded from wallMs on.
export function createPlayer({ deviceId, date, timeZone, onTime, onGrant }) {
    const native = !hasMediaSource();
    const state = {
        clips: [], answer: null, engine: null, kind: 'hls',
        target: null,      // { wall, play }: where the next engine starts
        seekingTo: null,   // { wall, media } of a seek under way
        clip: null, loads: 0, loading: false, mintedAt: 0, destroyed: false,
    };
    let remintTimer = null;

    const uid = 'player-' + Math.random().toString(36).slice(2, 8);
    const video = h('video', { class: 'player-video', 'data-testid': 'player-video',
                               controls: true, playsinline: true, preload: 'auto' });
    const status = h('div', { class: 'player-status', hidden: true });
    const clock = h('time', { class: 'player-clock', 'data-testid': 'player-clock',
                              title: t('player.clock'), text: '--:--:--' });
    const prev = iconButton('player-prev', 'icon-prev', t('player.prev'), () => stepClip(-1));
    const next = iconButton('player-next', 'icon-next', t('player.next'), () => stepClip(1));
    const download = h('a', { class: 'btn btn-ghost btn-sm btn-icon icon-download',
                              'data-testid': 'player-download', download: true,
                              'aria-disabled': 'true', title: t('player.download') },
                       h('span', { class: 'player-download-text', text: t('player.download') }));
    const engine = h('select', {
        id: uid + '-engine', class: 'player-engine-select', 'data-testid': 'player-engine',
        on: { change: onEngineChange },
    }, h('option', { value: 'hls', text: t(native ? 'player.engine.hls_native' : 'player.engine.hls') }),
       h('option', { value: 'dash', text: t('player.engine.dash'), disabled: native }));
    const el = h('section', { class: 'player', 'data-testid': 'player',
                              'aria-label': t('player.label') },
        h('div', { class: 'player-frame' }, video, status),
        h('div', { class: 'player-bar' },
          h('div', { class: 'player-nav' }, prev, clock, next),
          h('div', { class: 'player-tools' },
            download,
            h('span', { class: 'player-engine' },
              h('label', { class: 'player-engine-label', for: engine.id, text: t('player.engine') }),
              engine))));

    for (const type of ['timeupdate', 'loadedmetadata']) {
        video.addEventListener(type, tick);
    }
    // Whoever's seek it was, it is over.
    for (const type of ['seeked', 'playing']) {
        video.addEventListener(type, () => {
            if (!video.seeking) {
                state.seekingTo = null;
            }
            tick();
        });
    }
    video.addEventListener('ended', () => {
        // A static DASH MPD ends where the clips known at load ended.
        if (state.engine && !state.engine.clipsChanged && state.clips.length) {
            const last = state.clips[state.clips.length - 1];
            if (clipEnd(last) - (currentWall() || 0) > 2000) {
                load(currentWall(), true);
            }
        }
    });
    video.addEventListener('canplay', () => showStatus(null));

    function iconButton(testid, icon, label, onClick) {
        return h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-icon', 'player-step', icon],
                             'data-testid': testid, 'aria-label': label, title: label,
                             on: { click: onClick } });
    }

    // The wall clock of the frame on screen; while a seek is under way, the
    // time it goes to; before the first engine runs, where it will start.
    function currentWall() {
        const seeking = state.seekingTo;
        if (seeking && (video.seeking || video.readyState === 0
                        || Math.abs(video.currentTime - seeking.media) > 1)) {
            return seeking.wall;
        }
        state.seekingTo = null;
        if (state.target) {
            return state.target.wall;
        }
        return state.engine ? state.engine.wallAt(video.currentTime) : null;
    }

    function tick() {
        const wall = currentWall();
        if (wall === null) {
            return;
        }
        const iso = new Date(wall).toISOString();
        clock.textContent = fmt.time(wall, timeZone);
        clock.dataset.wallclock = iso;
        clock.setAttribute('datetime', iso);
        const land = landing(state.clips, wall);
        setClip(land ? land.clip : null);
        onTime(wall, state.clip);
    }

    function setClip(clip) {
        state.clip = clip;
        const index = clip ? state.clips.indexOf(clip) : -1;
        if (clip) {
            el.dataset.clipId = String(clip.clip_id);
        } else {
            delete el.dataset.clipId;
        }
        prev.disabled = index <= 0;
        next.disabled = index < 0 || index >= state.clips.length - 1;
        const href = clip && state.answer ? clipUrl(state.answer.download_url, clip.clip_id) : null;
        if (href) {
            download.href = href;
            download.removeAttribute('aria-disabled');
        } else {
            download.removeAttribute('href');
            download.setAttribute('aria-disabled', 'true');
        }
    }

    function stepClip(step) {
        const index = state.clips.indexOf(state.clip);
        const to = state.clips[index + step];
        if (to) {
            seek(clipStart(to), !video.paused || video.ended);
        }
    }

    function showStatus(message, retry) {
        status.hidden = !message;
        status.replaceChildren();
        if (message === 'loading') {
            status.className = 'player-status player-loading';
            status.append(h('span', { class: 'spinner', 'aria-hidden': 'true' }));
        } else if (message) {
            status.className = 'player-status player-error';
            status.append(h('p', { role: 'alert', text: message }));
            if (retry) {
                status.append(h('button', { type: 'button', class: 'btn btn-sm',
                                            text: t('player.retry'),
                                            on: { click: () => load(currentWall(), true) } }));
            }
        }
    }

    function startPlaying() {
        const attempt = video.play();
        if (attempt) {
            // Browsers refuse sound without a user's gesture: play muted.
            attempt.catch((err) => {
                if (err.name === 'NotAllowedError' && !video.muted) {
                    video.muted = true;
                    video.play().catch(() => {});
                }
            });
        }
    }

    async function startEngine(answer, at) {
        const hooks = {
            failed: (message) => showStatus(message, true),
            forbidden: onForbidden,
        };
        if (state.kind === 'dash') {
            return startDash(video, answer, state.clips, at, hooks);
        }
        if (native) {
            if (!video.canPlayType('application/vnd.apple.mpegurl')) {
                showStatus(t('player.unsupported'), false);
                return null;
            }
            return startNativeHls(video, answer, state.clips, at, hooks);
        }
        return startHlsJs(video, answer, state.clips, at, hooks);
    }

    // (Re)starts the player at wall clock `wall` (the day's first moment
    // when null) with a fresh playback answer.
    async function load(wall, play) {
        const ticket = ++state.loads;
        state.loading = true;
        clearTimeout(remintTimer);
        state.target = { wall: wall ?? clipStart(state.clips[0]), play };
        showStatus('loading');
        let answer;
        try {
            answer = await apiGet(`/api/v1/devices/${encodeURIComponent(deviceId)}`
                                  + `/playback?date=${encodeURIComponent(date)}`);
        } catch (err) {
            if (ticket === state.loads && !state.destroyed) {
                state.loading = false;
                showStatus(err.status === 0 ? t('player.network')
                           : t('player.no_answer', { reason: err.message }), true);
            }
            return;
        }
        if (ticket !== state.loads || state.destroyed) {
            return;
        }
        state.answer = answer;
        state.mintedAt = Date.now();
        onGrant(answer);
        const left = Date.parse(answer.expires_at) - Date.now() - REMINT_LEAD_MS;
        remintTimer = setTimeout(() => load(currentWall(), !video.paused),
                                 Math.max(REMINT_MIN_MS, left));

        if (state.engine) {
            state.engine.destroy();
            state.engine = null;
        }
        const land = landingOrLast(state.target.wall);
        const at = { wall: land.wall, media: clipsMap(state.clips).mediaAt(land.wall) };
        let started;
        try {
            started = await startEngine(answer, at);
        } catch (err) {
            started = null;
            showStatus(t('player.unsupported'), true);
        }
        if (ticket !== state.loads || state.destroyed) {
            if (started) {
                started.destroy();
            }
            return;
        }
        state.loading = false;
        state.engine = started;
        if (!started) {
            return;
        }
        // A seek asked for while the engine started goes on from here.
        const target = state.target;
        state.target = null;
        state.seekingTo = { wall: land.wall, media: started.mediaAt(land.wall) };
        if (landingOrLast(target.wall).wall !== land.wall) {
            seek(target.wall, target.play);
        } else if (target.play) {
            startPlaying();
        }
        tick();
    }

    // Where playing from wall starts: there, the next recorded moment, or
    // the last clip's start when nothing is recorded after wall.
    function landingOrLast(wall) {
        const last = state.clips[state.clips.length - 1];
        return landing(state.clips, wall) || { clip: last, wall: clipStart(last) };
    }

    // An old answer refused: fetch a fresh one.  A fresh one refused is
    // no expiry; the engine may still get past it, unless it gave up.
    function onForbidden(fatal) {
        if (state.loading) {
            return;
        }
        if (Date.now() - state.mintedAt >= FORBIDDEN_GRACE_MS) {
            load(currentWall(), !video.paused);
        } else if (fatal) {
            showStatus(t('player.expired'), true);
        }
    }

    function onEngineChange() {
        state.kind = engine.value;
        load(currentWall(), !video.paused);
    }

    // Plays from wall clock ms, or from the next recorded moment.
    function seek(wall, play) {
        const land = landing(state.clips, wall);
        if (!land) {
            return null;
        }
        if (!state.engine || state.target) {
            state.target = { wall: land.wall, play };
            return land.wall;
        }
        const media = state.engine.mediaAt(land.wall);
        if (media === null) {
            return null;
        }
        state.seekingTo = { wall: land.wall, media };
        state.engine.seek(media);
        tick();
        if (play) {
            startPlaying();
        }
        return land.wall;
    }

    return {
        el,
        // The day's clips in recording order, after every change; the
        // first call starts the player (at wall clock `startAt` if given).
        setClips(clips, startAt) {
            const added = clips.length > state.clips.length;
            const first = !state.clips.length && clips.length;
            state.clips = clips;
            if (first) {
                load(startAt ?? null, startAt != null);
            } else if (added && state.engine) {
                if (state.engine.clipsChanged) {
                    state.engine.clipsChanged();
                } else if (video.paused) {
                    load(currentWall(), false);
                }
            }
            tick();
        },
        seek,
        // Before clips are deleted: no more media requests (they would
        // fail on the deleted clips), keeping the place for reload().
        hold() {
            if (!state.engine) {
                return;
            }
            state.target = { wall: currentWall(), play: !video.paused };
            state.seekingTo = null;
            state.loads++;
            clearTimeout(remintTimer);
            state.engine.destroy();
            state.engine = null;
            showStatus('loading');
        },
        // After clips were deleted (or not): fresh playlists, same place.
        reload() {
            if (state.clips.length) {
                const at = state.target || { wall: currentWall(), play: !video.paused };
                load(at.wall, at.play);
            }
        },
        destroy() {
            state.destroyed = true;
            clearTimeout(remintTimer);
            if (state.engine) {
                state.engine.destroy();
                state.engine = null;
            }
            video.pause();
        },
    };
}
