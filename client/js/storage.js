// @ts-check
// What survives a reload: the session (access key) in localStorage, shared
// by the tabs of this browser, and each tab's unsent messages in
// sessionStorage. Storage can be missing or full (private windows): then
// nothing is kept, and nothing fails.

/** @typedef {import('./state.js').Outgoing} Outgoing */

/**
 * @typedef {object} Session
 * @property {string} accessKey
 * @property {string} userUUID
 * @property {string} [username]
 */

const SESSION_KEY = 'chat.session';
const OUTBOX_PREFIX = 'chat.outbox.';

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

/** @returns {Session | null} */
export function loadSession() {
  const s = read(store('localStorage'), SESSION_KEY);
  return s && typeof s.accessKey === 'string' && s.accessKey ? s : null;
}

/** @param {Session | null} session */
export function saveSession(session) {
  write(store('localStorage'), SESSION_KEY, session);
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
