// @ts-check
// What survives a reload. Each tab has its own session (access key), kept in
// sessionStorage, so two tabs can be two users. The session a tab signed in
// with is also kept in localStorage as the last session, which a new tab
// offers to continue. A tab's unsent messages and its open channel (a
// reload comes back to it) are in its sessionStorage.
// Whether desktop notifications are on is the browser's, in localStorage.
// Storage can be missing or full (private windows): then nothing is kept,
// and nothing fails.

/** @typedef {import('./outbox.js').Outgoing} Outgoing */

/**
 * @typedef {object} Session
 * @property {string} accessKey
 * @property {string} userUUID
 * @property {string} [username]
 * @property {string} [dataEpoch] the server's data epoch (its ready frame)
 *   when the key was issued: another one later means the data, the key
 *   with it, is gone
 */

/** The tab's session, in sessionStorage. */
const SESSION_KEY = 'chat.session';
/** The session last signed in with in this browser, in localStorage. */
export const LAST_SESSION_KEY = 'chat.lastSession';
/** Where versions before per-tab sessions kept the session, in localStorage. */
const LEGACY_KEY = 'chat.session';
const OUTBOX_PREFIX = 'chat.outbox.';
/** Unsent messages kept from data the server lost, in sessionStorage. */
const LOST_OUTBOX_KEY = 'chat.outbox.lost';
/** The tab's open channel, in sessionStorage. */
const CHANNEL_KEY = 'chat.channel';
/** Whether the person turned desktop notifications on, in localStorage. */
const NOTIFY_KEY = 'chat.notifications';

/**
 * @param {'localStorage' | 'sessionStorage'} which
 * @returns {Storage | null}
 */
function store(which) {
  try {
    return globalThis[which] ?? null;
  } catch {
    return null;
  }
}

/**
 * @param {Storage | null} s
 * @param {string} key
 * @returns {any}
 */
function read(s, key) {
  try {
    const v = s?.getItem(key);
    return v ? JSON.parse(v) : null;
  } catch {
    return null;
  }
}

/**
 * @param {Storage | null} s
 * @param {string} key
 * @param {any} value null removes the key
 */
function write(s, key, value) {
  try {
    if (value == null) s?.removeItem(key);
    else s?.setItem(key, JSON.stringify(value));
  } catch {
    // full or forbidden: keep going without it
  }
}

/**
 * @param {any} s
 * @returns {Session | null}
 */
function valid(s) {
  return s && typeof s === 'object' && typeof s.accessKey === 'string' && s.accessKey && typeof s.userUUID === 'string' ? s : null;
}

/** @returns {Session | null} the tab's own session */
export function loadSession() {
  return valid(read(store('sessionStorage'), SESSION_KEY));
}

/**
 * saveSession keeps session as the tab's own. With last, it also becomes
 * the last session (a sign-in from the form, or a session continued from
 * another tab); otherwise the last session is only updated (its username)
 * when it is the same access key, so reloads and reconnections of one tab
 * do not take the offer away from another.
 * @param {Session} session
 * @param {{last?: boolean}} [opts]
 */
export function saveSession(session, opts = {}) {
  write(store('sessionStorage'), SESSION_KEY, session);
  if (opts.last || loadLastSession()?.accessKey === session.accessKey) {
    write(store('localStorage'), LAST_SESSION_KEY, session);
  }
}

/**
 * forgetSession ends the tab's session (signed out, or the key expired): it
 * forgets it, and the last session too when that is the same access key.
 * @param {string} accessKey
 */
export function forgetSession(accessKey) {
  write(store('sessionStorage'), SESSION_KEY, null);
  forgetLastSession(accessKey);
}

/**
 * loadLastSession returns the session last signed in with in this browser,
 * which a tab without a session of its own offers to continue. A session
 * kept by an older version of this page becomes the last session.
 * @returns {Session | null}
 */
export function loadLastSession() {
  const local = store('localStorage');
  const legacy = valid(read(local, LEGACY_KEY));
  if (legacy) {
    if (!valid(read(local, LAST_SESSION_KEY))) write(local, LAST_SESSION_KEY, legacy);
    write(local, LEGACY_KEY, null);
  }
  return valid(read(local, LAST_SESSION_KEY));
}

/**
 * forgetLastSession forgets the last session if it has this access key (a
 * newer one, saved by another tab meanwhile, stays).
 * @param {string} accessKey
 */
export function forgetLastSession(accessKey) {
  if (loadLastSession()?.accessKey === accessKey) write(store('localStorage'), LAST_SESSION_KEY, null);
}

/**
 * @param {string} userUUID
 * @returns {Outgoing[]}
 */
export function loadOutbox(userUUID) {
  const v = read(store('sessionStorage'), OUTBOX_PREFIX + userUUID);
  return Array.isArray(v) ? v.filter((o) => o && typeof o.clientID === 'string' && typeof o.text === 'string') : [];
}

/**
 * @param {string} userUUID
 * @param {Outgoing[]} items
 */
export function saveOutbox(userUUID, items) {
  write(store('sessionStorage'), OUTBOX_PREFIX + userUUID, items.length ? items : null);
}

/**
 * loadLostOutbox returns the tab's unsent messages kept from data the
 * server lost, for the next user signed in here.
 * @returns {Outgoing[]}
 */
export function loadLostOutbox() {
  const v = read(store('sessionStorage'), LOST_OUTBOX_KEY);
  return Array.isArray(v) ? v.filter((o) => o && typeof o.clientID === 'string' && typeof o.text === 'string') : [];
}

/** @param {Outgoing[]} items */
export function saveLostOutbox(items) {
  write(store('sessionStorage'), LOST_OUTBOX_KEY, items.length ? items : null);
}

/**
 * loadOpenChannel returns the channel the tab had open for this user, ''
 * (General) when none.
 * @param {string} userUUID
 * @returns {string}
 */
export function loadOpenChannel(userUUID) {
  const v = read(store('sessionStorage'), CHANNEL_KEY);
  return v && v.user === userUUID && typeof v.key === 'string' ? v.key : '';
}

/** @param {string} userUUID @param {string} key '' for General */
export function saveOpenChannel(userUUID, key) {
  write(store('sessionStorage'), CHANNEL_KEY, key ? { user: userUUID, key } : null);
}

/** @returns {boolean} the person turned desktop notifications on in this browser */
export function loadNotifications() {
  return read(store('localStorage'), NOTIFY_KEY) === true;
}

/** @param {boolean} on */
export function saveNotifications(on) {
  write(store('localStorage'), NOTIFY_KEY, on ? true : null);
}
