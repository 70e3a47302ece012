// A device's footage, day by day (#/devices/:id): the days with clips,
// newest first, each a link to its day view.
//
// The list refreshes itself, so that a person who has just connected the
// dashcam sees its first day appear without reloading; rows are updated in
// place (keyed by date), so nothing flickers or loses focus.

import { apiGet, ApiError } from '../api.js';
import { t, addMessages, fmt } from '../i18n.js';
import { go } from '../router.js';
import { h, emptyState, errorText } from '../ui.js';
import { zonedDate } from '../timeline.js';

addMessages({
    en: {
        'days.back': 'Devices',
        'days.title_fallback': 'Footage',
        'days.zone': 'Days and times in {zone}',
        'days.list': 'Days with footage',
        'days.today': 'Today',
        'days.yesterday': 'Yesterday',
        'days.clips.one': '{n} clip',
        'days.clips.other': '{n} clips',
        'days.recorded': '{duration} recorded',
        'days.empty.title': 'No footage yet',
        'days.empty.body': 'Connect your dashcam with the SRT URL shown when you added it. Its first day appears here about a minute after it starts sending.',
        'days.empty.action': 'Back to devices',
        'days.not_found.title': 'This device is not here',
        'days.not_found.body': 'It was deleted, or it belongs to another account.',
        'days.failed.title': 'The footage could not be loaded',
        'days.retry': 'Try again',
    },
    ko: {
        'days.back': '기기',
        'days.title_fallback': '영상',
        'days.zone': '날짜와 시각은 {zone} 기준입니다',
        'days.list': '영상이 있는 날',
        'days.today': '오늘',
        'days.yesterday': '어제',
        'days.clips.other': '영상 {n}개',
        'days.recorded': '{duration} 녹화',
        'days.empty.title': '아직 영상이 없습니다',
        'days.empty.body': '기기를 추가할 때 표시된 SRT URL로 블랙박스를 연결하세요. 전송을 시작하고 1분쯤 지나면 첫 날짜가 여기에 나타납니다.',
        'days.empty.action': '기기 목록으로',
        'days.not_found.title': '이 기기를 찾을 수 없습니다',
        'days.not_found.body': '삭제되었거나 다른 계정의 기기입니다.',
        'days.failed.title': '영상 목록을 불러오지 못했습니다',
        'days.retry': '다시 시도',
    },
});

const POLL_MS = 10e3;
const DAY_S = 86400;


export function deviceTitle(device) {
    return device.nickname || device.device_id;
}


// A failed page: the device is not found, or something to try again.
export function failureState(err) {
    if (!(err instanceof ApiError)) {
        console.error(err);
    }
    if (err.status === 404) {
        return emptyState(t('days.not_found.title'), t('days.not_found.body'),
                          h('a', { class: 'btn', href: '#/devices', text: t('days.empty.action') }));
    }
    return emptyState(t('days.failed.title'), errorText(err),
                      h('button', { type: 'button', class: 'btn btn-primary',
                                    text: t('days.retry'),
                                    on: { click: () => go(location.hash) } }));
}


// "3 clips", the number in the user's digits.
export function clipCount(count) {
    return t('days.clips', { count, n: fmt.number(count) });
}


// "Today", "Yesterday" or nothing, for a date in the device's zone.
function dayTag(date, timeZone) {
    const now = Date.now();
    if (date === zonedDate(now, timeZone)) {
        return t('days.today');
    }
    if (date === zonedDate(now - DAY_S * 1000, timeZone)) {
        return t('days.yesterday');
    }
    return null;
}


export function renderDays(root, params) {
    const deviceId = params.id;
    const base = '#/devices/' + encodeURIComponent(deviceId);
    const rows = new Map();     // date -> { row, shown: what it shows }
    let device = null;
    let pollTimer = null;

    const title = h('h1', { class: 'page-title', text: t('days.title_fallback') });
    const sub = h('p', { class: 'page-sub meta-line' }, '\u00a0');
    const list = h('ul', { class: 'day-list', 'data-testid': 'day-list',
                           'aria-label': t('days.list') },
                   skeletonDays());
    const body = h('div', { class: 'days-body' }, list);
    root.append(h('div', { class: 'footage' },
        h('div', { class: 'page-head' },
          h('div', { class: 'page-head-text' },
            h('a', { class: 'back-link icon-back', href: '#/devices', text: t('days.back') }),
            title, sub)),
        body));

    // What a row shows, to tell whether it needs drawing again.
    function shownKey(folder) {
        return [folder.clip_count, folder.bytes, folder.duration_s,
                dayTag(folder.date, device.time_zone)].join();
    }

    function fillDayRow(row, folder) {
        const tag = dayTag(folder.date, device.time_zone);
        row.replaceChildren(
            h('a', { class: 'day-open', 'data-testid': 'day-open',
                     href: base + '/' + folder.date },
              h('span', { class: 'day-when' },
                h('span', { class: 'day-date', text: fmt.day(folder.date) }),
                tag ? h('span', { class: 'day-tag', text: tag }) : null),
              h('span', { class: 'day-stats' },
                h('span', { class: 'day-stat day-clips', text: clipCount(folder.clip_count) }),
                h('span', { class: 'day-stat day-duration',
                            text: t('days.recorded', { duration: fmt.duration(folder.duration_s) }) }),
                h('span', { class: 'day-stat day-bytes', text: fmt.bytes(folder.bytes) })),
              h('span', { class: 'day-chevron', 'aria-hidden': 'true' })));
    }

    function showFolders(folders) {
        if (!folders.length) {
            rows.clear();
            if (!body.querySelector('.empty-state')) {
                body.replaceChildren(emptyState(
                    t('days.empty.title'), t('days.empty.body'),
                    h('a', { class: 'btn', href: '#/devices', text: t('days.empty.action') })));
            }
            return;
        }
        if (!list.isConnected) {
            body.replaceChildren(list);
        }
        const seen = new Set();
        let after = null;
        for (const folder of folders) {
            seen.add(folder.date);
            const shown = shownKey(folder);
            let known = rows.get(folder.date);
            if (!known) {
                known = { row: h('li', { class: 'day-row', 'data-testid': 'day-row',
                                         'data-date': folder.date }) };
                rows.set(folder.date, known);
            }
            if (known.shown !== shown) {
                fillDayRow(known.row, folder);
                known.shown = shown;
            }
            const row = known.row;
            const want = after ? after.nextSibling : list.firstChild;
            if (want !== row) {
                list.insertBefore(row, want);
            }
            after = row;
        }
        for (const [date, known] of rows) {
            if (!seen.has(date)) {
                rows.delete(date);
                known.row.remove();
            }
        }
        for (const skeleton of list.querySelectorAll('.day-row-skeleton')) {
            skeleton.remove();
        }
    }

    async function load() {
        const [dev, answer] = await Promise.all([
            apiGet('/api/v1/devices/' + encodeURIComponent(deviceId)),
            apiGet('/api/v1/devices/' + encodeURIComponent(deviceId) + '/folders'),
        ]);
        if (!root.isConnected) {
            return;
        }
        device = dev;
        title.textContent = deviceTitle(device);
        document.title = deviceTitle(device) + ' · blackbox';
        const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        sub.replaceChildren(...[
            h('span', { class: 'mono', text: device.device_id }),
            device.time_zone !== browserZone
                && h('span', { class: 'zone-note', text: t('days.zone', { zone: device.time_zone }) }),
        ].filter(Boolean));
        showFolders(answer.folders);
    }

    async function poll() {
        try {
            const answer = await apiGet('/api/v1/devices/' + encodeURIComponent(deviceId) + '/folders');
            if (root.isConnected) {
                showFolders(answer.folders);
            }
        } catch (err) {
            // A missed refresh is made good by the next one.
        }
        if (root.isConnected) {
            pollTimer = setTimeout(poll, POLL_MS);
        }
    }

    load().then(() => {
        if (root.isConnected) {
            pollTimer = setTimeout(poll, POLL_MS);
        }
    }, (err) => {
        body.replaceChildren(failureState(err));
    });

    return () => clearTimeout(pollTimer);
}


function skeletonDays() {
    const rows = [];
    for (let i = 0; i < 3; i++) {
        rows.push(h('li', { class: 'day-row day-row-skeleton', 'aria-hidden': 'true' },
                    h('span', { class: 'skeleton day-skeleton-date' }),
                    h('span', { class: 'skeleton day-skeleton-stats' })));
    }
    return rows;
}
