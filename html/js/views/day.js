// One day of a device (#/devices/:id/:date, optional ?t=<RFC 3339>): the
// player, a 24-hour bar and a one-hour strip of what was recorded, and the
// day's clips in recording order.
//
// Times are shown in the device's time zone, since the folder's date is a
// day there.  The clips are the one source of truth on the page: the bars,
// the list, the summary and the player's clip navigation are all drawn from
// view.clips, which a delete or (while the day is today) a poll every 10 s
// replaces.  The list is updated in place, keyed by clip id, so new clips
// appear without the rows under the reader's eyes moving or losing focus.

import { apiGet, apiDelete } from '../api.js';
import { t, addMessages, fmt } from '../i18n.js';
import { go } from '../router.js';
import { h, confirmDialog, toast, emptyState, spinner, errorText } from '../ui.js';
import { createTimeline, recordedRuns, dayBounds, zonedDate, clockText,
         clipStart, clipEnd, HOUR_MS, MINUTE_MS } from '../timeline.js';
import { createPlayer, clipUrl } from '../player.js';
import { deviceTitle, failureState, clipCount } from './footage.js';

addMessages({
    en: {
        'day.back': 'All days',
        'day.summary': '{clips} · {duration} recorded · {size}',
        'day.zone': 'Times in {zone}',
        'day.today': 'Today',
        'day.auto': 'New clips appear by themselves',
        'day.timeline': '24-hour timeline',
        'day.timeline_hint': 'Click a moment to play from there; gaps play on from the next recording.',
        'day.recorded': 'Recorded',
        'day.not_recorded': 'No recording',
        'day.hour': 'One hour in detail',
        'day.hour_label': 'Hour {from} to {to}',
        'day.hour_prev': 'Previous hour',
        'day.hour_next': 'Next hour',
        'day.clips': 'Clips',
        'day.clip_play': 'Play from {time}',
        'day.clip_download_label': 'Download the clip of {time}',
        'day.clip_delete_label': 'Delete the clip of {time}',
        'day.playing': 'Playing',
        'day.nothing_after': 'Nothing was recorded after {time}.',
        'day.delete_day': 'Delete day',
        'day.delete_day.title': 'Delete this day?',
        'day.delete_day.body.one': 'The only clip of {date} ({size}) is deleted for good. This cannot be undone.',
        'day.delete_day.body.other': 'All {n} clips of {date} ({size}) are deleted for good. This cannot be undone.',
        'day.delete_day.ok': 'Delete the day',
        'day.day_deleted': 'The footage of {date} was deleted.',
        'day.delete_clip.title': 'Delete this clip?',
        'day.delete_clip.body': 'The clip from {from} to {to} ({size}) is deleted for good. This cannot be undone.',
        'day.delete_clip.ok': 'Delete the clip',
        'day.clip_deleted': 'The clip of {time} was deleted.',
        'day.delete_failed': 'It could not be deleted: {reason}',
        'day.empty.title': 'No footage on this day',
        'day.empty.body': 'Clips appear here about a minute after your dashcam starts sending over its SRT URL.',
        'day.empty.today': 'Clips appear here about a minute after your dashcam starts sending over its SRT URL, without reloading the page.',
        'day.bad_date': 'This is not a date.',
    },
    ko: {
        'day.back': '전체 날짜',
        'day.summary': '{clips} · {duration} 녹화 · {size}',
        'day.zone': '{zone} 기준 시각',
        'day.today': '오늘',
        'day.auto': '새 영상이 자동으로 나타납니다',
        'day.timeline': '24시간 타임라인',
        'day.timeline_hint': '원하는 시점을 누르면 그때부터 재생합니다. 녹화가 없는 구간은 다음 녹화부터 재생합니다.',
        'day.recorded': '녹화됨',
        'day.not_recorded': '녹화 없음',
        'day.hour': '1시간 확대 보기',
        'day.hour_label': '{from}~{to}',
        'day.hour_prev': '이전 1시간',
        'day.hour_next': '다음 1시간',
        'day.clips': '영상',
        'day.clip_play': '{time}부터 재생',
        'day.clip_download_label': '{time} 영상 다운로드',
        'day.clip_delete_label': '{time} 영상 삭제',
        'day.playing': '재생 중',
        'day.nothing_after': '{time} 이후에는 녹화된 영상이 없습니다.',
        'day.delete_day': '이 날 영상 삭제',
        'day.delete_day.title': '이 날의 영상을 삭제할까요?',
        'day.delete_day.body.other': '{date}의 영상 {n}개({size})가 모두 영구히 삭제되며 되돌릴 수 없습니다.',
        'day.delete_day.ok': '모두 삭제',
        'day.day_deleted': '{date}의 영상을 삭제했습니다.',
        'day.delete_clip.title': '이 영상을 삭제할까요?',
        'day.delete_clip.body': '{from}부터 {to}까지의 영상({size})이 영구히 삭제되며 되돌릴 수 없습니다.',
        'day.delete_clip.ok': '영상 삭제',
        'day.clip_deleted': '{time} 영상을 삭제했습니다.',
        'day.delete_failed': '삭제하지 못했습니다: {reason}',
        'day.empty.title': '이 날에는 영상이 없습니다',
        'day.empty.body': '블랙박스가 SRT URL로 전송을 시작하고 1분쯤 지나면 영상이 여기에 나타납니다.',
        'day.empty.today': '블랙박스가 SRT URL로 전송을 시작하면 1분쯤 뒤부터 영상이 이곳에 나타납니다. 새로고침하지 않아도 됩니다.',
        'day.bad_date': '올바른 날짜가 아닙니다.',
    },
});

const POLL_MS = 10e3;
const PAGE_LIMIT = 1000;
const CODEC_NAMES = { h264: 'H.264', hevc: 'H.265', h265: 'H.265', aac: 'AAC', opus: 'Opus' };


// Every clip of the day, following next_cursor.
async function fetchDayClips(deviceId, date) {
    const base = `/api/v1/devices/${encodeURIComponent(deviceId)}/folders/${date}/clips?limit=${PAGE_LIMIT}`;
    const clips = [];
    let cursor = null;
    do {
        const page = await apiGet(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
        clips.push(...page.clips);
        cursor = page.next_cursor;
    } while (cursor);
    return clips;
}


function codecName(codec) {
    return CODEC_NAMES[codec] || String(codec || '').toUpperCase();
}


function queryParam(query, name) {
    if (!query) {
        return null;
    }
    return typeof query.get === 'function' ? query.get(name) : query[name] ?? null;
}


export function renderDay(root, params, query) {
    const deviceId = params.id;
    const date = params.date;
    const daysHref = '#/devices/' + encodeURIComponent(deviceId);
    const validDate = /^\d{4}-\d{2}-\d{2}$/.test(date);
    // ?t=<RFC 3339>: where to start playing (else paused at the first clip).
    const asked = Date.parse(queryParam(query, 't') || '');
    const startAt = Number.isNaN(asked) ? null : asked;
    const view = {
        device: null, clips: [], answer: null, player: null, span: null,
        hourFrom: null, hourFollows: true, playing: null, pollTimer: null,
        wasToday: false,
        rows: new Map(),          // clip_id -> { row, shown: what it shows }
    };

    // --- the page's frame, drawn at once so nothing jumps later ---------

    const title = h('h1', { class: 'page-title', 'data-testid': 'day-title',
                            text: validDate ? fmt.day(date) : date });
    const todayBadge = h('span', { class: 'day-today', hidden: true, text: t('day.today') });
    const back = h('a', { class: 'back-link icon-back', href: daysHref, text: t('day.back') });
    const summary = h('p', { class: 'page-sub meta-line' }, '\u00a0');
    const deleteDay = h('button', {
        type: 'button', class: 'btn btn-ghost btn-danger-text btn-icon icon-trash day-delete',
        'data-testid': 'delete-day', disabled: true, title: t('day.delete_day'),
        on: { click: onDeleteDay },
    }, h('span', { class: 'day-delete-text', text: t('day.delete_day') }));
    const playerSlot = h('div', { class: 'day-player' },
                         h('div', { class: 'player-placeholder', 'aria-hidden': 'true' },
                           h('div', { class: 'player-frame' }, spinner()),
                           h('div', { class: 'player-bar' })));

    const dayBar = createTimeline({
        testid: 'timeline', label: t('day.timeline'),
        tickMs: HOUR_MS, labelMs: 3 * HOUR_MS, majorMs: 6 * HOUR_MS, onSeek: playFrom,
    });
    const hourBar = createTimeline({
        testid: 'timeline-hour', label: t('day.hour'),
        tickMs: 5 * MINUTE_MS, labelMs: 15 * MINUTE_MS, majorMs: 15 * MINUTE_MS,
        onSeek: playFrom,
    });
    const hourLabel = h('span', { class: 'timeline-hour-label', 'aria-live': 'polite' });
    const hourPrev = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-icon icon-prev',
                                   'data-testid': 'timeline-hour-prev',
                                   'aria-label': t('day.hour_prev'), title: t('day.hour_prev'),
                                   on: { click: () => moveHour(-1) } });
    const hourNext = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-icon icon-next',
                                   'data-testid': 'timeline-hour-next',
                                   'aria-label': t('day.hour_next'), title: t('day.hour_next'),
                                   on: { click: () => moveHour(1) } });
    const autoNote = h('p', { class: 'day-auto', hidden: true, text: t('day.auto') });
    const timelines = h('section', { class: 'day-timelines card', 'aria-label': t('day.timeline') },
        h('div', { class: 'timeline-head' },
          h('h2', { class: 'timeline-title', text: t('day.timeline') }),
          h('span', { class: 'timeline-legend', 'aria-hidden': 'true' },
            h('span', { class: 'legend legend-recorded', text: t('day.recorded') }),
            h('span', { class: 'legend legend-gap', text: t('day.not_recorded') }))),
        dayBar.el,
        h('div', { class: 'timeline-head timeline-hour-head' },
          h('h2', { class: 'timeline-title', text: t('day.hour') }),
          h('span', { class: 'timeline-hour-nav' }, hourPrev, hourLabel, hourNext)),
        hourBar.el,
        h('p', { class: 'timeline-hint', text: t('day.timeline_hint') }),
        autoNote);

    const clipCountText = h('span', { class: 'day-clips-count' });
    const list = h('ol', { class: 'clip-list', 'data-testid': 'clip-list',
                           'aria-label': t('day.clips') }, skeletonClips());
    const listBody = h('div', { class: 'day-clips-body' }, list);
    const clipsSection = h('section', { class: 'day-clips' },
        h('h2', { class: 'day-clips-title' }, t('day.clips'), ' ', clipCountText),
        listBody);

    const layout = h('div', { class: 'day-layout' },
        h('div', { class: 'day-stage' }, playerSlot, timelines),
        clipsSection);
    const page = h('div', { class: 'day' },
        h('div', { class: 'page-head day-head' },
          h('div', { class: 'page-head-text' },
            back,
            h('div', { class: 'day-title-row' }, title, todayBadge),
            summary),
          deleteDay),
        layout);
    root.append(page);

    // --- drawing from view.clips ------------------------------------------

    function zone() {
        return view.device.time_zone;
    }

    function isToday() {
        return zonedDate(Date.now(), zone()) === date;
    }

    function drawSummary() {
        const seconds = view.clips.reduce((sum, c) => sum + c.duration_s, 0);
        const bytes = view.clips.reduce((sum, c) => sum + c.size_bytes, 0);
        const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        summary.replaceChildren(...[
            view.clips.length
                && h('span', { text: t('day.summary', { clips: clipCount(view.clips.length),
                                                         duration: fmt.duration(seconds),
                                                         size: fmt.bytes(bytes) }) }),
            zone() !== browserZone
                && h('span', { class: 'zone-note', text: t('day.zone', { zone: zone() }) }),
        ].filter(Boolean));
        clipCountText.textContent = view.clips.length ? fmt.number(view.clips.length) : '';
        deleteDay.disabled = !view.clips.length;
        deleteDay.hidden = !view.clips.length;
    }

    function drawRuns() {
        const runs = recordedRuns(view.clips);
        dayBar.setRuns(runs);
        hourBar.setRuns(runs);
    }

    function setHour(from) {
        const last = view.span.to - HOUR_MS;
        view.hourFrom = Math.min(last, Math.max(view.span.from, from));
        hourBar.setSpan(view.hourFrom, view.hourFrom + HOUR_MS, zone(), view.span);
        hourLabel.textContent = t('day.hour_label', {
            from: clockText(view.hourFrom, zone()),
            to: view.hourFrom + HOUR_MS >= view.span.to ? '24:00'
                : clockText(view.hourFrom + HOUR_MS, zone()),
        });
        hourPrev.disabled = view.hourFrom <= view.span.from;
        hourNext.disabled = view.hourFrom >= last;
    }

    // The hour holding ms, counted from the day's start.
    function hourOf(ms) {
        return view.span.from + Math.floor((ms - view.span.from) / HOUR_MS) * HOUR_MS;
    }

    function moveHour(step) {
        view.hourFollows = false;
        setHour(view.hourFrom + step * HOUR_MS);
    }

    const rowActions = {
        play: (clip) => playFrom(clipStart(clip)),
        remove: onDeleteClip,
    };

    function drawList() {
        if (!view.clips.length) {
            view.rows.clear();
            listBody.replaceChildren(emptyState(
                t('day.empty.title'),
                isToday() ? t('day.empty.today') : t('day.empty.body'),
                h('a', { class: 'btn', href: daysHref, text: t('day.back') })));
            return;
        }
        if (!list.isConnected) {
            listBody.replaceChildren(list);
        }
        for (const skeleton of list.querySelectorAll('.clip-row-skeleton')) {
            skeleton.remove();
        }
        const wanted = new Set(view.clips.map((c) => c.clip_id));
        for (const [id, known] of view.rows) {
            if (!wanted.has(id)) {
                known.row.remove();
                view.rows.delete(id);
            }
        }
        let after = null;
        for (const clip of view.clips) {
            // A clip replaced by a longer one (a back-fill) is drawn again.
            const shown = clip.recorded_at + clip.duration_s + clip.size_bytes;
            let known = view.rows.get(clip.clip_id);
            if (!known || known.shown !== shown) {
                const row = clipRow(clip, zone(), rowActions);
                if (view.answer) {
                    setRowUrls(row, clip, view.answer);
                }
                if (known) {
                    known.row.replaceWith(row);
                }
                known = { row, shown };
                view.rows.set(clip.clip_id, known);
            }
            const row = known.row;
            const want = after ? after.nextSibling : list.firstChild;
            if (want !== row) {
                list.insertBefore(row, want);
            }
            after = row;
        }
        markPlaying(view.playing);
    }

    function rowOf(clip) {
        const known = clip && view.rows.get(clip.clip_id);
        return known ? known.row : null;
    }

    function markPlaying(clip) {
        const old = rowOf(view.playing);
        if (old) {
            old.removeAttribute('aria-current');
        }
        view.playing = clip;
        const row = rowOf(clip);
        if (!row) {
            return;
        }
        row.setAttribute('aria-current', 'true');
        // Beside the player (wide screens) the list scrolls on its own:
        // keep the clip playing in sight.  On a phone the page would jump.
        if (list.scrollHeight > list.clientHeight + 1 && old !== row) {
            const top = row.offsetTop - list.offsetTop;
            if (top < list.scrollTop || top + row.offsetHeight > list.scrollTop + list.clientHeight) {
                const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
                list.scrollTo({ top: top - list.clientHeight / 3,
                                behavior: still ? 'auto' : 'smooth' });
            }
        }
    }

    // Everything drawn from the clips, after they changed.
    function showClips(clips) {
        view.clips = clips;
        // An empty day is only its empty state: no player, no bars to click.
        layout.classList.toggle('day-layout-empty', !clips.length);
        drawSummary();
        drawRuns();
        drawList();
        if (!clips.length) {
            dropPlayer();
        } else if (!view.player) {
            makePlayer();
        } else {
            view.player.setClips(clips);
        }
    }

    // --- the player -------------------------------------------------------

    function makePlayer() {
        view.player = createPlayer({
            deviceId, date, timeZone: zone(),
            onTime(wall, clip) {
                dayBar.setPlayhead(wall);
                if (view.hourFollows && (wall < view.hourFrom || wall >= view.hourFrom + HOUR_MS)) {
                    setHour(hourOf(wall));
                }
                hourBar.setPlayhead(wall);
                if (clip !== view.playing) {
                    markPlaying(clip);
                }
            },
            onGrant(answer) {
                view.answer = answer;
                for (const clip of view.clips) {
                    const row = rowOf(clip);
                    if (row) {
                        setRowUrls(row, clip, answer);
                    }
                }
            },
        });
        playerSlot.replaceChildren(view.player.el);
        view.player.setClips(view.clips, startAt);
    }

    function dropPlayer() {
        if (view.player) {
            view.player.destroy();
            view.player = null;
        }
        playerSlot.replaceChildren();
    }

    // Plays from wall, or from the next recording; the bars show where
    // at once, before the player gets there.
    function playFrom(wall) {
        view.hourFollows = true;
        const from = view.player ? view.player.seek(wall, true) : null;
        if (from === null) {
            toast(t('day.nothing_after', { time: clockText(wall, zone(), true) }));
            return;
        }
        dayBar.setPlayhead(from);
        hourBar.setPlayhead(from);
    }

    // --- deleting ---------------------------------------------------------

    // Asks first, then deletes path with the player held.  True once it is
    // gone (a 404 means gone already); false when declined, or when it
    // failed, which a toast says.
    async function confirmDelete(dialog, button, path) {
        if (!await confirmDialog({ ...dialog, danger: true })) {
            return false;
        }
        button.disabled = true;
        view.player.hold();
        try {
            await apiDelete(path);
        } catch (err) {
            if (err.status !== 404) {
                button.disabled = false;
                view.player.reload();
                toast(t('day.delete_failed', { reason: errorText(err) }), 'error');
                return false;
            }
        }
        return true;
    }

    async function onDeleteClip(clip, button) {
        const from = fmt.time(clip.recorded_at, zone());
        const gone = await confirmDelete({
            title: t('day.delete_clip.title'),
            body: t('day.delete_clip.body', { from, to: fmt.time(clipEnd(clip), zone()),
                                              size: fmt.bytes(clip.size_bytes) }),
            ok: t('day.delete_clip.ok'),
        }, button, '/api/v1/clips/' + encodeURIComponent(clip.clip_id));
        if (!gone) {
            return;
        }
        // Focus goes on to the row that takes the deleted one's place.
        const index = view.clips.findIndex((c) => c.clip_id === clip.clip_id);
        showClips(view.clips.filter((c) => c.clip_id !== clip.clip_id));
        if (view.player) {
            view.player.reload();
        }
        const neighbour = view.clips[Math.min(index, view.clips.length - 1)];
        const focusTo = neighbour ? rowOf(neighbour).querySelector('.clip-delete') : back;
        focusTo.focus();
        toast(t('day.clip_deleted', { time: from }), 'ok');
    }

    async function onDeleteDay() {
        const bytes = view.clips.reduce((sum, c) => sum + c.size_bytes, 0);
        const gone = await confirmDelete({
            title: t('day.delete_day.title'),
            body: t('day.delete_day.body', { count: view.clips.length,
                                             n: fmt.number(view.clips.length),
                                             date: fmt.day(date), size: fmt.bytes(bytes) }),
            ok: t('day.delete_day.ok'),
        }, deleteDay, `/api/v1/devices/${encodeURIComponent(deviceId)}/folders/${date}`);
        if (!gone) {
            return;
        }
        toast(t('day.day_deleted', { date: fmt.day(date) }), 'ok');
        go(daysHref);
    }

    // --- loading and polling ---------------------------------------------

    async function poll() {
        view.pollTimer = null;
        try {
            const clips = await fetchDayClips(deviceId, date);
            if (!root.isConnected) {
                return;
            }
            const ids = (list) => list.map((c) => c.clip_id + ':' + c.duration_s).join();
            if (ids(clips) !== ids(view.clips)) {
                showClips(clips);
            }
        } catch (err) {
            // A missed poll is made good by the next one.
        }
        schedulePoll();
    }

    // Only today grows; the last poll after midnight catches its last clip.
    function schedulePoll() {
        const growing = isToday();
        autoNote.hidden = !growing;
        todayBadge.hidden = !growing;
        for (const bar of [dayBar, hourBar]) {
            bar.setNow(growing ? Date.now() : null);
        }
        if (root.isConnected && (growing || view.wasToday)) {
            view.wasToday = growing;
            view.pollTimer = setTimeout(poll, POLL_MS);
        }
    }

    async function load() {
        const [device, clips] = await Promise.all([
            apiGet('/api/v1/devices/' + encodeURIComponent(deviceId)),
            fetchDayClips(deviceId, date),
        ]);
        if (!root.isConnected) {
            return;
        }
        view.device = device;
        back.textContent = deviceTitle(device);
        document.title = fmt.day(date) + ' · ' + deviceTitle(device) + ' · blackbox';
        view.span = dayBounds(date, zone());
        dayBar.setSpan(view.span.from, view.span.to, zone());
        setHour(hourOf(startAt ?? (clips.length ? clipStart(clips[0]) : view.span.from)));
        view.wasToday = isToday();
        showClips(clips);
        schedulePoll();
    }

    const failed = (problem) => {
        page.replaceChildren(h('div', { class: 'page-head' },
                                 h('div', { class: 'page-head-text' },
                                   h('a', { class: 'back-link icon-back', href: daysHref, text: t('day.back') }),
                                   title)),
                             problem);
    };
    if (validDate) {
        load().catch((err) => {
            if (root.isConnected) {
                failed(failureState(err));
            }
        });
    } else {
        failed(emptyState(t('day.bad_date'), null,
                          h('a', { class: 'btn', href: daysHref, text: t('day.back') })));
    }

    return () => {
        clearTimeout(view.pollTimer);
        view.pollTimer = null;
        dayBar.destroy();
        hourBar.destroy();
        if (view.player) {
            view.player.destroy();
        }
    };
}


// A clip's row: thumbnail (which plays it), start time, facts, download
// and delete.  actions: { play(clip), remove(clip, button) }.
function clipRow(clip, timeZone, actions) {
    const time = fmt.time(clip.recorded_at, timeZone);
    const thumb = h('img', { class: 'clip-thumb', 'data-testid': 'clip-thumb', alt: '',
                             loading: 'lazy', decoding: 'async', width: '320', height: '180' });
    thumb.addEventListener('error', () => thumb.classList.add('clip-thumb-missing'));
    thumb.addEventListener('load', () => thumb.classList.remove('clip-thumb-missing'));
    const download = h('a', { class: 'btn btn-ghost btn-sm btn-icon icon-download clip-download',
                              'data-testid': 'clip-download', download: true,
                              'aria-label': t('day.clip_download_label', { time }),
                              title: t('day.clip_download_label', { time }) });
    const format = [`${codecName(clip.video_codec)} ${clip.width}×${clip.height}`];
    if (clip.audio_codec) {
        format.push(codecName(clip.audio_codec));
    }
    const row = h('li', { class: 'clip-row', 'data-testid': 'clip-row',
                          'data-clip-id': String(clip.clip_id),
                          'data-recorded-at': clip.recorded_at },
        h('button', { type: 'button', class: 'clip-play', 'data-testid': 'clip-play',
                      'aria-label': t('day.clip_play', { time }),
                      on: { click: () => actions.play(clip) } },
          h('span', { class: 'clip-thumb-box' }, thumb,
            h('span', { class: 'clip-play-icon', 'aria-hidden': 'true' }))),
        h('div', { class: 'clip-info' },
          h('p', { class: 'clip-time' },
            h('time', { datetime: clip.recorded_at, text: time }),
            h('span', { class: 'clip-now', text: t('day.playing') })),
          h('p', { class: 'clip-facts' },
            h('span', { text: fmt.duration(clip.duration_s) + ' · ' + fmt.bytes(clip.size_bytes) }),
            h('span', { text: format.join(' · ') }))),
        h('div', { class: 'clip-actions' },
          download,
          h('button', { type: 'button',
                        class: 'btn btn-ghost btn-sm btn-danger-text btn-icon icon-trash clip-delete',
                        'data-testid': 'clip-delete',
                        'aria-label': t('day.clip_delete_label', { time }),
                        title: t('day.clip_delete_label', { time }),
                        on: { click: (ev) => actions.remove(clip, ev.currentTarget) } })));
    return row;
}


// The thumbnail and download URLs come signed in the playback answer
// and expire with it; an image already shown keeps its picture.
function setRowUrls(row, clip, answer) {
    const thumb = row.querySelector('.clip-thumb');
    if (!thumb.complete || !thumb.naturalWidth || !thumb.getAttribute('src')) {
        const src = clipUrl(answer.thumbnail_url, clip.clip_id);
        if (src) {
            thumb.src = src;
        }
    }
    const href = clipUrl(answer.download_url, clip.clip_id);
    const link = row.querySelector('.clip-download');
    if (href) {
        link.href = href;
    }
}


function skeletonClips() {
    const rows = [];
    for (let i = 0; i < 4; i++) {
        rows.push(h('li', { class: 'clip-row clip-row-skeleton', 'aria-hidden': 'true' },
                    h('span', { class: 'clip-thumb-box skeleton' }),
                    h('span', { class: 'clip-info' },
                      h('span', { class: 'skeleton clip-skeleton-line' }),
                      h('span', { class: 'skeleton clip-skeleton-line short' }))));
    }
    return rows;
}
