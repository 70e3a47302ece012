// Hash routes: '#/devices/:id/:date?t=...' to a view function.
//
// A view is view(root, params, query): it renders into root, a fresh empty
// <main>, and may return (or resolve to) a cleanup function that stops its
// timers and players.  Each render gets a new <main> that replaces the old
// one, so a view still awaiting an answer after the user moved on writes
// into a detached element instead of over the next page; views that poll
// can test root.isConnected.
//
// The current route is rendered again when the hash changes and when the
// language changes ('bb:lang').

const routes = [];
let guard = () => null;
let cleanup = null;
let renderCount = 0;


export function route(pattern, view) {
    const keys = [];
    const source = pattern.replace(/^#/, '').split('/').map((part) => {
        if (part.startsWith(':')) {
            keys.push(part.slice(1));
            return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }).join('/');
    routes.push({ regex: new RegExp('^' + source + '$'), keys, view });
}


export function go(hash) {
    if (location.hash === hash) {
        render();
    } else {
        location.hash = hash;
    }
}


// The current hash's path ('/devices/x') and query.
export function current() {
    const raw = location.hash.replace(/^#/, '');
    const q = raw.indexOf('?');
    return {
        path: q < 0 ? raw : raw.slice(0, q),
        query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
    };
}


// Starts routing.  redirect(path, matched) answers the hash to go to
// instead (sign-in rules, unknown paths; matched is false for a path no
// route knows), or null to render the path.
export function startRouter(redirect) {
    guard = redirect;
    window.addEventListener('hashchange', render);
    window.addEventListener('bb:lang', render);
    render();
}


async function render() {
    const { path, query } = current();
    const found = match(path);
    const elsewhere = guard(path, Boolean(found));
    if (elsewhere) {
        location.replace(elsewhere.startsWith('#') ? elsewhere : '#' + elsewhere);
        return;
    }

    stopCurrent();
    const ticket = ++renderCount;
    const root = freshMain();
    window.dispatchEvent(new CustomEvent('bb:route', { detail: path }));

    let result;
    try {
        result = await found.route.view(root, found.params, query);
    } catch (err) {
        console.error(err);
        return;
    }
    if (typeof result !== 'function') {
        return;
    }
    if (ticket === renderCount) {
        cleanup = result;
    } else {
        result();
    }
}


function match(path) {
    for (const r of routes) {
        const m = r.regex.exec(path);
        if (m) {
            const params = {};
            r.keys.forEach((key, i) => {
                params[key] = decodeURIComponent(m[i + 1]);
            });
            return { route: r, params };
        }
    }
    return null;
}


function stopCurrent() {
    if (cleanup) {
        const stop = cleanup;
        cleanup = null;
        try {
            stop();
        } catch (err) {
            console.error(err);
        }
    }
}


// Replaces <main id="main"> by an empty one, keeping its attributes.
function freshMain() {
    const old = document.getElementById('main');
    const main = old.cloneNode(false);
    old.replaceWith(main);
    window.scrollTo(0, 0);
    return main;
}
