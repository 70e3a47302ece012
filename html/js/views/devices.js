// #/devices: the owner's dashcams, their status, and adding, renaming and
// deleting them.
//
// The list polls every 10 s and updates its rows in place (keyed by
// device_id), so nothing flickers and a row being renamed is left alone.

import { apiGet, apiPost, apiPatch, apiDelete } from '../api.js';
import { t, addMessages, fmt } from '../i18n.js';
import { h, modal, confirmDialog, toast, emptyState, skeletonRows, pageTitle,
         field, formAlert, handleSubmit, errorText, copyText } from '../ui.js';

addMessages({
    en: {
        'devices.title': 'Devices',
        'devices.sub': 'Your dashcams and what they have sent.',
        'devices.add': 'Add device',
        'devices.status.online': 'Online',
        'devices.status.offline': 'Offline',
        'devices.status.never_seen': 'Never connected',
        'devices.live': 'Live',
        'devices.last_seen': 'Last seen',
        'devices.never': 'never',
        'devices.clips': 'Clips',
        'devices.storage': 'Storage',
        'devices.open': 'Footage',
        'devices.rename': 'Rename',
        'devices.rename_label': 'New name for {id}',
        'devices.save': 'Save',
        'devices.cancel': 'Cancel',
        'devices.renamed': 'Renamed to “{name}”.',
        'devices.delete': 'Delete',
        'devices.rename_named': 'Rename {name}',
        'devices.delete_named': 'Delete {name}',
        'devices.delete_title': 'Delete “{name}”?',
        'devices.delete_body': 'Its {clips} ({size}) are deleted for good. This cannot be undone.',
        'devices.delete_body_empty': 'It has no footage yet.',
        'devices.delete_key': 'Its key stops working: to use this dashcam again, add it again and enter the new key in it.',
        'devices.delete_ok': 'Delete device and footage',
        'devices.deleted': '“{name}” is deleted.',
        'devices.n_clips.one': '{n} clip',
        'devices.n_clips.other': '{n} clips',
        'devices.empty_title': 'No devices yet',
        'devices.empty_body': 'Add your dashcam: you will get its key and the SRT address it streams to.',
        'devices.stale': 'Could not refresh: {reason}',
        'add.title': 'Add a device',
        'add.lede': 'Give the dashcam an id and a name you will recognise.',
        'add.id': 'Device id',
        'add.id_hint': '3 to 64 characters: letters, digits, dot, dash or underscore. It cannot be changed later.',
        'add.nickname': 'Name',
        'add.nickname_placeholder': 'Front camera',
        'add.submit': 'Add device',
        'add.done_title': '“{name}” is added',
        'add.key': 'Device key',
        'add.key_warning': 'This key is shown only now. Copy it into the dashcam’s settings: it cannot be shown again (to replace a lost key, delete the device and add it again).',
        'add.srt_url': 'SRT address (with the key)',
        'add.ffmpeg': 'Test it with ffmpeg',
        'add.ffmpeg_hint': 'Streams 60 s of a test picture: the device turns Online and its first clips appear.',
        'add.copy': 'Copy',
        'add.copied': 'Copied',
        'add.copy_failed': 'Could not copy: select the text and copy it yourself.',
        'add.done': 'Done',
        'add.zone_failed': 'The device is added, but its time zone could not be set: {reason}',
    },
    ko: {
        'devices.title': '기기',
        'devices.sub': '등록한 블랙박스와 전송된 영상을 관리하세요.',
        'devices.add': '기기 추가',
        'devices.status.online': '온라인',
        'devices.status.offline': '오프라인',
        'devices.status.never_seen': '연결된 적 없음',
        'devices.live': '실시간',
        'devices.last_seen': '마지막 연결',
        'devices.never': '없음',
        'devices.clips': '클립',
        'devices.storage': '사용 용량',
        'devices.open': '영상 보기',
        'devices.rename': '이름 변경',
        'devices.rename_label': '{id}의 새 이름',
        'devices.save': '저장',
        'devices.cancel': '취소',
        'devices.renamed': '이름을 바꿨습니다: “{name}”',
        'devices.delete': '삭제',
        'devices.rename_named': '{name} 이름 변경',
        'devices.delete_named': '{name} 삭제',
        'devices.delete_title': '“{name}” 기기를 삭제할까요?',
        'devices.delete_body': '이 기기의 {clips}({size})가 모두 영구히 삭제됩니다. 되돌릴 수 없습니다.',
        'devices.delete_body_empty': '아직 저장된 영상은 없습니다.',
        'devices.delete_key': '기기 키도 더 이상 쓸 수 없습니다. 이 블랙박스를 다시 쓰려면 기기를 다시 추가하고 새 키를 입력해야 합니다.',
        'devices.delete_ok': '기기와 영상 삭제',
        'devices.deleted': '“{name}” 기기를 삭제했습니다.',
        'devices.n_clips.other': '클립 {n}개',
        'devices.empty_title': '등록된 기기가 없습니다',
        'devices.empty_body': '블랙박스를 추가하면 기기 키와 영상을 보낼 SRT 주소를 알려 드립니다.',
        'devices.stale': '새로 고치지 못했습니다: {reason}',
        'add.title': '기기 추가',
        'add.lede': '블랙박스의 ID와 알아보기 쉬운 이름을 정해 주세요.',
        'add.id': '기기 ID',
        'add.id_hint': '영문자, 숫자, 점(.), 하이픈(-), 밑줄(_)로 3~64자. 나중에 바꿀 수 없습니다.',
        'add.nickname': '이름',
        'add.nickname_placeholder': '전방 카메라',
        'add.submit': '기기 추가',
        'add.done_title': '“{name}” 기기를 추가했습니다',
        'add.key': '기기 키',
        'add.key_warning': '이 키는 지금 한 번만 표시됩니다. 블랙박스 설정에 복사해 두세요. 다시 볼 수 없습니다(키를 잃어버렸다면 기기를 삭제하고 다시 추가하세요).',
        'add.srt_url': 'SRT 주소(키 포함)',
        'add.ffmpeg': 'ffmpeg로 테스트하기',
        'add.ffmpeg_hint': '테스트 화면을 60초 동안 보냅니다. 기기가 온라인이 되고 첫 클립이 나타납니다.',
        'add.copy': '복사',
        'add.copied': '복사됨',
        'add.copy_failed': '복사하지 못했습니다. 텍스트를 직접 선택해서 복사해 주세요.',
        'add.done': '완료',
        'add.zone_failed': '기기는 추가되었지만 시간대를 설정하지 못했습니다: {reason}',
    },
});

const POLL_MS = 10000;


export function renderDevices(root) {
    const list = h('ul', { class: 'device-list', 'data-testid': 'device-list',
                           'aria-busy': 'true' });
    const stale = h('p', { class: 'banner', role: 'status', hidden: true });
    const addButton = h('button', { type: 'button', class: 'btn btn-primary btn-icon icon-plus',
                                    'data-testid': 'add-device', text: t('devices.add') });
    const empty = emptyState(t('devices.empty_title'), t('devices.empty_body'),
        h('button', { type: 'button', class: 'btn btn-primary btn-icon icon-plus',
                      text: t('devices.add'), on: { click: () => addDevice(refresh) } }));
    empty.hidden = true;
    const skeleton = h('div', { class: 'device-skeleton' }, skeletonRows(2, 'device-skeleton-row'));

    root.append(
        h('div', { class: 'page-head' },
          h('div', null, pageTitle(t('devices.title')),
            h('p', { class: 'page-sub', text: t('devices.sub') })),
          addButton),
        stale, skeleton, list, empty);

    const rows = new Map();
    let timer = null;
    let asked = 0;
    let shown = 0;

    // Called by the timer and after every change; an answer older than the
    // one on screen is dropped, and only one timer is ever pending.
    async function refresh() {
        const ticket = ++asked;
        try {
            const answer = await apiGet('/api/v1/devices');
            if (ticket > shown) {
                shown = ticket;
                stale.hidden = true;
                showDevices(answer.devices);
            }
        } catch (err) {
            stale.textContent = t('devices.stale', { reason: errorText(err) });
            stale.hidden = false;
        }
        clearTimeout(timer);
        if (root.isConnected) {
            timer = setTimeout(refresh, POLL_MS);
        }
    }

    function showDevices(devices) {
        skeleton.remove();
        list.removeAttribute('aria-busy');
        const seen = new Set();
        devices.forEach((device, i) => {
            seen.add(device.device_id);
            let row = rows.get(device.device_id);
            if (!row) {
                row = deviceRow(device, refresh);
                rows.set(device.device_id, row);
            }
            row.update(device);
            if (list.children[i] !== row.el) {
                list.insertBefore(row.el, list.children[i] || null);
            }
        });
        for (const [id, row] of rows) {
            if (!seen.has(id)) {
                row.el.remove();
                rows.delete(id);
            }
        }
        empty.hidden = devices.length > 0;
        list.hidden = devices.length === 0;
    }

    addButton.addEventListener('click', () => addDevice(refresh));
    refresh();
    return () => clearTimeout(timer);
}


// One device's row; update(device) refreshes it in place.
function deviceRow(initial, refresh) {
    let device = initial;
    const status = h('span', { class: 'status', 'data-testid': 'device-status' });
    const live = h('span', { class: 'badge badge-live', 'data-testid': 'device-live',
                             text: t('devices.live') });
    const name = h('h2', { class: 'device-name', 'data-testid': 'device-name' });
    const title = h('div', { class: 'device-title' },
                    name, h('span', { class: 'device-id', text: device.device_id }));
    const lastSeen = h('dd', { 'data-testid': 'device-last-seen' });
    const clips = h('dd', { 'data-testid': 'device-clips' });
    const bytes = h('dd', { 'data-testid': 'device-bytes' });
    const renameButton = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-icon icon-edit',
                                       'data-testid': 'device-rename' },
                           h('span', { class: 'btn-label', text: t('devices.rename') }));
    const deleteButton = h('button', { type: 'button',
                                       class: 'btn btn-ghost btn-sm btn-danger-text btn-icon icon-trash',
                                       'data-testid': 'device-delete' },
                           h('span', { class: 'btn-label', text: t('devices.delete') }));
    const main = h('div', { class: 'device-main' }, title, status);
    const el = h('li', { class: 'device', 'data-testid': 'device-row',
                         'data-device-id': device.device_id },
        main,
        h('dl', { class: 'device-facts' },
          h('div', null, h('dt', { text: t('devices.last_seen') }), lastSeen),
          h('div', null, h('dt', { text: t('devices.clips') }), clips),
          h('div', null, h('dt', { text: t('devices.storage') }), bytes)),
        h('div', { class: 'device-actions' },
          renameButton, deleteButton,
          h('a', { class: 'btn btn-primary btn-sm btn-icon btn-icon-end icon-arrow',
                   href: '#/devices/' + encodeURIComponent(device.device_id),
                   'data-testid': 'device-open', text: t('devices.open') })));

    renameButton.addEventListener('click', () => startRename());
    deleteButton.addEventListener('click', () => deleteDevice(device, refresh));

    function update(next) {
        device = next;
        const label = displayName(device);
        name.textContent = label;
        renameButton.setAttribute('aria-label', t('devices.rename_named', { name: label }));
        deleteButton.setAttribute('aria-label', t('devices.delete_named', { name: label }));
        status.dataset.status = device.status;
        status.className = 'status status-' + device.status;
        status.textContent = t('devices.status.' + device.status);
        if (device.live) {
            status.after(live);
        } else {
            live.remove();
        }
        if (device.last_seen_at) {
            lastSeen.textContent = fmt.relative(device.last_seen_at);
            lastSeen.title = fmt.dateTime(device.last_seen_at);
        } else {
            lastSeen.textContent = t('devices.never');
            lastSeen.removeAttribute('title');
        }
        clips.textContent = fmt.number(device.clip_count);
        bytes.textContent = fmt.bytes(device.bytes);
    }

    // Swaps the name for an input; Enter or Save saves, Escape or Cancel
    // puts the name back.
    function startRename() {
        const input = h('input', { class: 'input', id: 'rename-' + device.device_id,
                                   'data-testid': 'device-name-input', maxlength: 64,
                                   value: displayName(device) });
        const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm',
                                   text: t('devices.save') });
        const form = h('form', { class: 'rename', novalidate: true },
            h('label', { class: 'visually-hidden', for: input.id,
                         text: t('devices.rename_label', { id: device.device_id }) }),
            input, save,
            h('button', { type: 'button', class: 'btn btn-sm', text: t('devices.cancel'),
                          on: { click: () => finish() } }));

        const finish = () => {
            form.replaceWith(title);
            update(device);
            renameButton.disabled = false;
            renameButton.focus();
        };
        input.addEventListener('keydown', (ev) => {
            if (ev.key === 'Escape') {
                ev.preventDefault();
                finish();
            }
        });
        form.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            const nickname = input.value.trim();
            if (!nickname || nickname === displayName(device)) {
                finish();
                return;
            }
            save.disabled = true;
            input.readOnly = true;
            try {
                device = await apiPatch('/api/v1/devices/' + encodeURIComponent(device.device_id),
                                        { nickname });
                finish();
                toast(t('devices.renamed', { name: device.nickname }), 'ok');
            } catch (err) {
                save.disabled = false;
                input.readOnly = false;
                input.setAttribute('aria-invalid', 'true');
                input.focus();
                toast(errorText(err), 'error');
            }
        });

        title.replaceWith(form);
        renameButton.disabled = true;
        input.focus();
        input.select();
    }

    return { el, update };
}


function displayName(device) {
    return device.nickname || device.device_id;
}


async function deleteDevice(device, refresh) {
    const name = displayName(device);
    const ok = await confirmDialog({
        title: t('devices.delete_title', { name }),
        body: [
            device.clip_count > 0
                ? t('devices.delete_body', {
                    clips: t('devices.n_clips', { count: device.clip_count,
                                                  n: fmt.number(device.clip_count) }),
                    size: fmt.bytes(device.bytes) })
                : t('devices.delete_body_empty'),
            t('devices.delete_key'),
        ],
        ok: t('devices.delete_ok'),
        danger: true,
    });
    if (!ok) {
        return;
    }
    try {
        await apiDelete('/api/v1/devices/' + encodeURIComponent(device.device_id));
        toast(t('devices.deleted', { name }), 'ok');
    } catch (err) {
        toast(errorText(err), 'error');
    }
    refresh();
}


// The add-device dialog: a form first, then the key, the SRT URL and a
// test command, shown this one time.
function addDevice(refresh) {
    let added = null;
    return modal({
        title: t('add.title'),
        className: 'dialog-add-device',
        content: (close) => {
            const body = h('div', { class: 'dialog-body' });
            const form = h('form', { class: 'form', novalidate: true },
                h('p', { class: 'muted', text: t('add.lede') }),
                formAlert(),
                field({ label: t('add.id'), id: 'new-device-id', testid: 'new-device-id',
                        name: 'device_id', hint: t('add.id_hint'), required: true,
                        autocapitalize: 'none', autocomplete: 'off', spellcheck: 'false',
                        maxlength: 64 }),
                field({ label: t('add.nickname'), id: 'new-device-nickname',
                        testid: 'new-device-nickname', name: 'nickname', required: true,
                        autocomplete: 'off', maxlength: 64,
                        placeholder: t('add.nickname_placeholder') }),
                h('div', { class: 'dialog-actions' },
                  h('button', { type: 'button', class: 'btn', text: t('devices.cancel'),
                                on: { click: () => close() } }),
                  h('button', { type: 'submit', class: 'btn btn-primary',
                                'data-testid': 'new-device-submit', text: t('add.submit') })));

            handleSubmit(form, async (values) => {
                added = await apiPost('/api/v1/devices', values);
                refresh();
                await setTimeZone(added);
                const heading = body.parentElement.querySelector('.dialog-title');
                heading.textContent = t('add.done_title', { name: displayName(added) });
                form.replaceWith(setupDetails(added, close));
                body.parentElement.querySelector('[data-testid="copy-key"]').focus();
            });
            body.append(form);
            return body;
        },
        onReady: (dialog) => dialog.querySelector('input').focus(),
    }).then(() => {
        if (added) {
            refresh();
        }
    });
}


// Folders are days in the device's zone: a new device gets the browser's
// zone, which is where its owner most likely drives.
async function setTimeZone(device) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || zone === 'UTC' || zone === 'Etc/UTC') {
        return;
    }
    try {
        await apiPatch('/api/v1/devices/' + encodeURIComponent(device.device_id),
                       { time_zone: zone });
    } catch (err) {
        toast(t('add.zone_failed', { reason: errorText(err) }), 'error');
    }
}


function setupDetails(device, close) {
    const srtUrl = device.srt_url || '';
    const command = 'ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=25'
        + ' -f lavfi -i sine=frequency=440 -c:v libx264 -preset veryfast -g 50'
        + " -c:a aac -t 60 -f mpegts '" + srtUrl + "'";
    return h('div', { class: 'device-setup' },
        h('p', { class: 'device-setup-warning', text: t('add.key_warning') }),
        copyField({ label: t('add.key'), testid: 'new-device-key', value: device.device_key,
                    buttonTestid: 'copy-key', className: 'copy-key' }),
        srtUrl ? copyField({ label: t('add.srt_url'), testid: 'new-device-srt-url',
                             value: srtUrl }) : null,
        srtUrl ? copyField({ label: t('add.ffmpeg'), testid: 'new-device-ffmpeg',
                             value: command, className: 'copy-command',
                             hint: t('add.ffmpeg_hint') }) : null,
        h('div', { class: 'dialog-actions' },
          h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'new-device-done',
                        text: t('add.done'), on: { click: () => close() } })));
}


// A labelled value (its element's text is exactly the value) in a box,
// with a copy button that says "Copied" for a moment when it worked.
function copyField({ label, testid, value, buttonTestid, className, hint }) {
    const labelId = testid + '-label';
    const button = h('button', {
        type: 'button', class: 'btn btn-sm btn-icon icon-copy btn-copy',
        'data-testid': buttonTestid, 'aria-describedby': labelId, text: t('add.copy'),
    });
    button.addEventListener('click', async () => {
        if (!(await copyText(value))) {
            toast(t('add.copy_failed'), 'error');
            return;
        }
        button.textContent = t('add.copied');
        button.classList.replace('icon-copy', 'icon-check');
        setTimeout(() => {
            button.textContent = t('add.copy');
            button.classList.replace('icon-check', 'icon-copy');
        }, 2000);
    });
    return h('div', { class: 'copy-field' },
        h('span', { class: 'label', id: labelId, text: label }),
        h('div', { class: 'copy-row' },
          h('pre', { class: ['copy-value', className], 'data-testid': testid,
                     'aria-labelledby': labelId, text: value }),
          button),
        hint ? h('p', { class: 'hint', text: hint }) : null);
}
