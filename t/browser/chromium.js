// The browser the tests drive: Debian's Chromium, headless, with the flags
// that made it play MSE media and stay quiet (no updates, no sync, no
// first-run pages), shared by every script under t/browser/.

'use strict';

const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
];

module.exports = { CHROMIUM, CHROMIUM_FLAGS };
