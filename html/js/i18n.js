// Words and formats in the user's language: English or Korean.
//
// Each module registers its own strings with addMessages() when it loads,
// so a view's words sit next to the view.  t() looks a key up in the
// current language, then in English, then gives the key itself, so a
// missing translation shows up as English rather than as a blank.
//
// The language comes from a choice kept in localStorage 'bb.lang' (the
// only thing the app keeps there), else from navigator.languages.
// setLang() announces a change with the window event 'bb:lang'; the router
// re-renders the current page on it.

const LANGS = ['en', 'ko'];
const STORAGE_KEY = 'bb.lang';

const messages = { en: {}, ko: {} };
let current = initialLang();
document.documentElement.lang = current;


export function lang() {
    return current;
}


export function langs() {
    return LANGS.slice();
}


export function setLang(next) {
    if (!LANGS.includes(next) || next === current) {
        return;
    }
    current = next;
    document.documentElement.lang = next;
    try {
        localStorage.setItem(STORAGE_KEY, next);
    } catch (err) {
        // Storage may be off (private mode): the choice lasts this page.
    }
    window.dispatchEvent(new CustomEvent('bb:lang', { detail: next }));
}


// { en: {key: str}, ko: {key: str} }; later additions win.
export function addMessages(dict) {
    for (const l of LANGS) {
        Object.assign(messages[l], dict[l] || {});
    }
}


// t('devices.clips', {count: 3}) uses 'devices.clips.one' or
// 'devices.clips.other' when they exist (Intl.PluralRules decides), else
// 'devices.clips'.  '{name}' in the text is replaced by params.name.
export function t(key, params) {
    const text = lookup(pluralKey(key, params)) ?? lookup(key) ?? key;
    if (!params) {
        return text;
    }
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
        name in params ? String(params[name]) : whole);
}


function lookup(key) {
    return messages[current][key] ?? messages.en[key];
}


function pluralKey(key, params) {
    if (!params || typeof params.count !== 'number') {
        return key;
    }
    return key + '.' + new Intl.PluralRules(current).select(params.count);
}


function initialLang() {
    let saved = null;
    try {
        saved = localStorage.getItem(STORAGE_KEY);
    } catch (err) {
        saved = null;
    }
    if (LANGS.includes(saved)) {
        return saved;
    }
    for (const tag of navigator.languages || [navigator.language || '']) {
        const base = String(tag).toLowerCase().split('-')[0];
        if (LANGS.includes(base)) {
            return base;
        }
    }
    return 'en';
}


addMessages({
    en: {
        'fmt.h': '{n} h',
        'fmt.min': '{n} min',
        'fmt.s': '{n} s',
        'fmt.b': '{n} B',
    },
    ko: {
        'fmt.h': '{n}시간',
        'fmt.min': '{n}분',
        'fmt.s': '{n}초',
        'fmt.b': '{n}B',
    },
});


const BYTE_UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

// Relative time: the largest unit that fits, with its size in seconds.
const RELATIVE_UNITS = [
    ['year', 365 * 86400], ['month', 30 * 86400], ['week', 7 * 86400],
    ['day', 86400], ['hour', 3600], ['minute', 60],
];


// Formats in the current language; times in the given IANA zone (the
// browser's when omitted).
export const fmt = {
    dateTime(iso, timeZone) {
        return new Intl.DateTimeFormat(current, {
            dateStyle: 'medium', timeStyle: 'short', timeZone,
        }).format(new Date(iso));
    },

    // HH:MM:SS, 24-hour, in both languages: it reads like a dashcam clock.
    time(iso, timeZone) {
        return new Intl.DateTimeFormat(current, {
            hour: '2-digit', minute: '2-digit', second: '2-digit',
            hourCycle: 'h23', timeZone,
        }).format(new Date(iso));
    },

    // '2026-11-25' as a long date ("Wednesday, November 25, 2026"); the
    // date is a calendar day, so it is formatted as such, in no zone.
    day(yyyyMmDd) {
        const [y, m, d] = yyyyMmDd.split('-').map(Number);
        return new Intl.DateTimeFormat(current, {
            dateStyle: 'full', timeZone: 'UTC',
        }).format(new Date(Date.UTC(y, m - 1, d)));
    },

    relative(iso) {
        const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
        const rtf = new Intl.RelativeTimeFormat(current, { numeric: 'auto' });
        for (const [unit, size] of RELATIVE_UNITS) {
            if (Math.abs(seconds) >= size) {
                return rtf.format(Math.trunc(seconds / size), unit);
            }
        }
        return rtf.format(0, 'second');
    },

    // Decimal units, as disks and phones count them.
    bytes(n) {
        let value = Number(n) || 0;
        if (value < 1000) {
            return t('fmt.b', { n: fmt.number(value) });
        }
        let unit = -1;
        while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
            value /= 1000;
            unit++;
        }
        return new Intl.NumberFormat(current, {
            style: 'unit', unit: BYTE_UNITS[unit],
            maximumFractionDigits: value < 10 ? 1 : 0,
        }).format(value);
    },

    // "59 s", "4 min 10 s", "2 h 5 min".
    duration(seconds) {
        const total = Math.max(0, Math.round(Number(seconds) || 0));
        const h = Math.floor(total / 3600);
        const m = Math.floor((total % 3600) / 60);
        const s = total % 60;
        if (total < 60) {
            return t('fmt.s', { n: s });
        }
        if (h === 0) {
            return s && m < 10
                ? t('fmt.min', { n: m }) + ' ' + t('fmt.s', { n: s })
                : t('fmt.min', { n: m });
        }
        return m ? t('fmt.h', { n: h }) + ' ' + t('fmt.min', { n: m })
                 : t('fmt.h', { n: h });
    },

    number(n) {
        return new Intl.NumberFormat(current).format(n);
    },
};
