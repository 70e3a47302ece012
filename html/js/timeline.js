// Timelines of a day's recordings: time-zone arithmetic, recorded runs,
// and the bar that draws them (the 24-hour bar and the one-hour strip of
// the day view are the same bar over different spans).
//
// Everything here counts time in epoch milliseconds and converts to the
// device's zone only to show or to name a day, because a folder's date is a
// day in the device's zone, which need not be the browser's, and a day
// there may last 23 or 25 hours.
//
// The bar is a role=slider: clicking or dragging picks a moment, and the
// arrow and page keys move by 10 s and 1 min, the pick being sent once the
// keys rest, so holding a key does not make the player seek ten times a
// second.

import { lang } from './i18n.js';
import { h } from './ui.js';

export const MINUTE_MS = 60e3;
export const HOUR_MS = 3600e3;

const KEY_STEP_MS = { ArrowLeft: -10e3, ArrowDown: -10e3, ArrowRight: 10e3,
                      ArrowUp: 10e3, PageDown: -MINUTE_MS, PageUp: MINUTE_MS };
const KEY_SETTLE_MS = 350;

// Clips closer than this are drawn as one run: the ingest's clips of a
// continuous stream meet within a fraction of a second.
const RUN_JOIN_MS = 1500;


// --- time zones ------------------------------------------------------------

const partFormats = new Map();

// The calendar fields of instant ms as a clock in timeZone shows them.
function zoneParts(ms, timeZone) {
    let format = partFormats.get(timeZone);
    if (!format) {
        format = new Intl.DateTimeFormat('en-US', {
            timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric',
            day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
        });
        partFormats.set(timeZone, format);
    }
    const parts = {};
    for (const { type, value } of format.formatToParts(new Date(ms))) {
        parts[type] = Number(value);
    }
    return parts;
}


// How far timeZone's clocks are ahead of UTC at instant ms, in ms.
function zoneOffset(ms, timeZone) {
    const p = zoneParts(ms, timeZone);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
}


// 'YYYY-MM-DD' of instant ms in timeZone.
export function zonedDate(ms, timeZone) {
    const p = zoneParts(ms, timeZone);
    return [p.year, p.month, p.day]
        .map((n, i) => String(n).padStart(i ? 2 : 4, '0')).join('-');
}


// The instant a day ('YYYY-MM-DD') begins in timeZone.  The second guess
// uses the offset in force at the first, which settles days that start
// just after a daylight-saving change.
function zonedMidnight(yyyyMmDd, timeZone) {
    const [y, m, d] = yyyyMmDd.split('-').map(Number);
    const wall = Date.UTC(y, m - 1, d);
    const guess = wall - zoneOffset(wall, timeZone);
    return wall - zoneOffset(guess, timeZone);
}


// { from, to } of a day in timeZone, to excluded.
export function dayBounds(yyyyMmDd, timeZone) {
    const [y, m, d] = yyyyMmDd.split('-').map(Number);
    const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
    return { from: zonedMidnight(yyyyMmDd, timeZone),
             to: zonedMidnight(next, timeZone) };
}


// 'HH:MM' (or 'HH:MM:SS') of instant ms in timeZone, 24-hour.
export function clockText(ms, timeZone, withSeconds) {
    return new Intl.DateTimeFormat(lang(), {
        timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit',
        second: withSeconds ? '2-digit' : undefined,
    }).format(new Date(ms));
}


// RFC 3339 in UTC, with milliseconds only when there are some.
export function rfc3339(ms) {
    return new Date(ms).toISOString().replace('.000Z', 'Z');
}


// --- recordings ------------------------------------------------------------

export function clipStart(clip) {
    return Date.parse(clip.recorded_at);
}


export function clipEnd(clip) {
    return clipStart(clip) + clip.duration_s * 1000;
}


// The stretches the clips (in recording order) cover: [{from, to}] in ms.
export function recordedRuns(clips) {
    const runs = [];
    for (const clip of clips) {
        const from = clipStart(clip);
        const to = clipEnd(clip);
        const last = runs[runs.length - 1];
        if (last && from - last.to <= RUN_JOIN_MS) {
            last.to = Math.max(last.to, to);
        } else {
            runs.push({ from, to });
        }
    }
    return runs;
}


// --- the bar ---------------------------------------------------------------

// createTimeline({testid, label, tickMs, labelMs, majorMs, onSeek})
// A bar over a span of time, drawing recorded runs, the playhead and, while
// the pointer is over it, the time under the pointer.  Ticks every tickMs,
// labelled every labelMs; labels every majorMs stay on narrow screens.
// onSeek(ms) is called with the moment picked.  Returns
// { el, setSpan(from, to, timeZone, reach), setRuns(runs), setPlayhead(ms),
//   setNow(ms), destroy() }; it draws nothing before the first setSpan.
// reach ({from, to}, the span by default) is how far the keys may move
// the pick beyond the span: the hour strip's arrows go on past its hour.
export function createTimeline({ testid, label, tickMs, labelMs, majorMs,
                                 onSeek }) {
    // pending: a moment picked by keys or a drag, not yet sent to onSeek.
    const state = { from: 0, to: HOUR_MS, timeZone: 'UTC', reach: null,
                    runs: [], playhead: null, now: null, pending: null,
                    dragging: false };
    let keyTimer = null;

    const runsLayer = h('div', { class: 'timeline-runs' });
    const future = h('div', { class: 'timeline-future', hidden: true });
    const playhead = h('div', { class: 'timeline-playhead', hidden: true });
    const hoverText = h('span', { class: 'timeline-hover-text' });
    const hover = h('div', { class: 'timeline-hover', hidden: true, 'aria-hidden': 'true' },
                    hoverText);
    const scale = h('div', { class: 'timeline-scale', 'aria-hidden': 'true' });
    const el = h('div', {
        class: 'timeline', role: 'slider', tabindex: '0',
        'data-testid': testid, 'aria-label': label, 'aria-valuemin': '0',
        on: {
            pointerdown: onPointerDown, pointermove: onPointerMove,
            pointerup: onPointerUp, pointercancel: onPointerCancel,
            pointerleave: onPointerLeave,
            keydown: onKey,
        },
    }, h('div', { class: 'timeline-track' }, runsLayer, future, playhead), hover, scale);

    function position(ms) {
        return Math.min(100, Math.max(0, (ms - state.from) / (state.to - state.from) * 100));
    }

    function timeAt(clientX) {
        const box = el.getBoundingClientRect();
        const fraction = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
        return Math.min(state.to - 1, state.from + fraction * (state.to - state.from));
    }

    function drawRuns() {
        const shown = state.runs.filter((r) => r.to > state.from && r.from < state.to);
        runsLayer.replaceChildren(...shown.map((r) => {
            const run = h('div', { class: 'timeline-run', 'data-testid': 'timeline-run',
                                   'data-from': rfc3339(r.from), 'data-to': rfc3339(r.to) });
            const left = position(r.from);
            run.style.left = left + '%';
            run.style.width = (position(r.to) - left) + '%';
            return run;
        }));
    }

    function drawScale() {
        const ticks = [];
        // A span starts on a round time of the zone (midnight, an hour),
        // so stepping from its start keeps every tick on a round time.
        for (let at = state.from; at <= state.to; at += tickMs) {
            const sinceStart = at - state.from;
            const labelled = sinceStart % labelMs === 0;
            const tick = h('span', {
                class: ['timeline-tick', labelled && 'timeline-tick-labelled',
                        sinceStart % majorMs === 0 && 'timeline-tick-major',
                        at === state.from && 'timeline-tick-first',
                        at === state.to && 'timeline-tick-last'],
            }, labelled ? h('span', { class: 'timeline-tick-label',
                                       text: at === state.to && state.to - state.from > HOUR_MS
                                           ? '24:00' : clockText(at, state.timeZone) })
                        : null);
            tick.style.left = position(at) + '%';
            ticks.push(tick);
        }
        scale.replaceChildren(...ticks);
    }

    function drawPlayhead() {
        const at = state.pending ?? state.playhead;
        const inside = at !== null && at >= state.from && at < state.to;
        playhead.hidden = !inside;
        if (inside) {
            playhead.style.left = position(at) + '%';
        }
        const value = at === null ? state.from : Math.min(state.to, Math.max(state.from, at));
        el.setAttribute('aria-valuemax', String(Math.round((state.to - state.from) / 1000)));
        el.setAttribute('aria-valuenow', String(Math.round((value - state.from) / 1000)));
        el.setAttribute('aria-valuetext', clockText(at ?? value, state.timeZone, true));
    }

    function drawFuture() {
        const shows = state.now !== null && state.now < state.to;
        future.hidden = !shows;
        if (shows) {
            const left = position(state.now);
            future.style.left = left + '%';
            future.style.width = (100 - left) + '%';
        }
    }

    function showHover(ms) {
        const left = position(ms);
        hover.hidden = false;
        hover.style.left = left + '%';
        hover.classList.toggle('at-start', left < 6);
        hover.classList.toggle('at-end', left > 94);
        hoverText.textContent = clockText(ms, state.timeZone, true);
    }

    function onPointerDown(ev) {
        if (ev.button !== 0) {
            return;
        }
        state.dragging = true;
        el.setPointerCapture(ev.pointerId);
        state.pending = timeAt(ev.clientX);
        showHover(state.pending);
        drawPlayhead();
    }

    function onPointerMove(ev) {
        const at = timeAt(ev.clientX);
        if (state.dragging) {
            state.pending = at;
            drawPlayhead();
        }
        if (ev.pointerType !== 'touch' || state.dragging) {
            showHover(at);
        }
    }

    function onPointerUp(ev) {
        if (!state.dragging) {
            return;
        }
        state.dragging = false;
        hover.hidden = ev.pointerType === 'touch';
        pick(timeAt(ev.clientX));
    }

    function onPointerLeave() {
        if (!state.dragging) {
            hover.hidden = true;
        }
    }

    function onPointerCancel() {
        state.dragging = false;
        state.pending = null;
        hover.hidden = true;
        drawPlayhead();
    }

    function onKey(ev) {
        let target;
        const base = state.pending ?? state.playhead ?? state.from;
        if (ev.key in KEY_STEP_MS) {
            target = base + KEY_STEP_MS[ev.key];
        } else if (ev.key === 'Home') {
            target = state.from;
        } else if (ev.key === 'End') {
            target = state.to - 1000;
        } else {
            return;
        }
        ev.preventDefault();
        const reach = state.reach || state;
        state.pending = Math.min(reach.to - 1, Math.max(reach.from, target));
        drawPlayhead();
        clearTimeout(keyTimer);
        keyTimer = setTimeout(() => pick(state.pending), KEY_SETTLE_MS);
    }

    // The pick stays drawn until the player reports a time of its own.
    function pick(ms) {
        clearTimeout(keyTimer);
        state.pending = null;
        state.playhead = ms;
        drawPlayhead();
        onSeek(ms);
    }

    return {
        el,
        setSpan(from, to, timeZone, reach) {
            state.reach = reach || null;
            if (from === state.from && to === state.to && timeZone === state.timeZone) {
                return;
            }
            Object.assign(state, { from, to, timeZone });
            drawScale();
            drawRuns();
            drawFuture();
            drawPlayhead();
        },
        setRuns(runs) {
            state.runs = runs;
            drawRuns();
        },
        setPlayhead(ms) {
            if (state.dragging) {
                return;
            }
            state.playhead = ms;
            drawPlayhead();
        },
        setNow(ms) {
            state.now = ms;
            drawFuture();
        },
        destroy() {
            clearTimeout(keyTimer);
        },
    };
}
