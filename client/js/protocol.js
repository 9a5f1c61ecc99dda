// @ts-check
// The wire protocol (shared/PROTOCOL.md): frame encoding, object shapes,
// channel naming and the texts shown for errors. No DOM, no socket.

/**
 * @typedef {object} User
 * @property {string} UUID
 * @property {string} Username
 * @property {boolean} OnLine
 */

/**
 * @typedef {object} Message
 * @property {number} Offset per-channel sequence number, from 1
 * @property {string} UUID
 * @property {string} SenderUUID
 * @property {User} Sender
 * @property {string} RecipientUUID empty for the general channel
 * @property {User} [Recipient]
 * @property {string} Message
 * @property {string} CreatedAt RFC 3339
 * @property {string} [ClientID]
 */

/**
 * @typedef {object} Frame
 * @property {string} type
 * @property {any} payload the member named by type
 * @property {any} raw the whole envelope
 */

/** The general channel's key: its recipientUUID. */
export const GENERAL = '';

/** The server's default limits (PROTOCOL.md, Part 1). */
export const MAX_MESSAGE_LENGTH = 4096;
export const MAX_USERNAME_LENGTH = 32;

/**
 * Close codes after which the server wants us back: 1012 (a restart, or the
 * channel's stream went back: rejoin with since and epoch), 1013 (too slow).
 */
export const CLOSE_SERVICE_RESTART = 1012;
export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * encodeFrame returns the envelope {"type": type, type: payload}.
 * @param {string} type
 * @param {object} [payload]
 * @returns {string}
 */
export function encodeFrame(type, payload = {}) {
  return JSON.stringify({ type, [type]: payload });
}

/**
 * decodeFrame parses one text frame; null when it is not an envelope.
 * @param {unknown} data
 * @returns {Frame | null}
 */
export function decodeFrame(data) {
  if (typeof data !== 'string') return null;
  let raw;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object' || typeof raw.type !== 'string') return null;
  return { type: raw.type, payload: raw[raw.type] ?? {}, raw };
}

/**
 * channelOf names the channel of a message as this client does: GENERAL, or
 * for a private message the UUID of the other party. A stored private
 * message's RecipientUUID is the recipient as the sender saw it, so for a
 * message received from someone else the channel is its sender.
 *
 * @param {Pick<Message, 'SenderUUID' | 'RecipientUUID'>} msg
 * @param {string} me the signed-in user's UUID
 * @returns {string}
 */
export function channelOf(msg, me) {
  if (!msg.RecipientUUID) return GENERAL;
  return msg.SenderUUID === me ? msg.RecipientUUID : msg.SenderUUID;
}

/**
 * newClientID returns a random idempotency key for channelMessage: 32 hex
 * characters. getRandomValues works outside secure contexts too, unlike
 * randomUUID.
 *
 * @param {{getRandomValues: (a: Uint8Array) => Uint8Array}} [rng]
 * @returns {string}
 */
export function newClientID(rng = globalThis.crypto) {
  const b = rng.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * socketURL derives the websocket address from the page's: same host, ws: or
 * wss: to match http: or https:, and /ws beside the page (so a client served
 * under a path prefix talks to the server under that prefix).
 *
 * @param {{href: string}} location
 * @returns {string}
 */
export function socketURL(location) {
  const u = new URL('ws', location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  u.search = '';
  return u.toString();
}

/**
 * sentence makes a server error text read as a sentence.
 * @param {string} text
 * @returns {string}
 */
function sentence(text) {
  const t = (text || '').trim();
  if (!t) return 'Something went wrong.';
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : s + '.';
}

/**
 * authErrorText is the text the sign-in form shows for an error reply to
 * signIn or signUp.
 *
 * @param {number} code
 * @param {string} text the server's text
 * @returns {string}
 */
export function authErrorText(code, text) {
  switch (code) {
    case 401:
      return 'Wrong username or password. Check both, or choose Create account if you are new here.';
    case 409:
      return 'That username is taken. Pick another one, or sign in with its password.';
    case 429:
      return 'Too many attempts. Wait a moment, then try again.';
    case 400:
      return sentence(text);
    case 500:
      return 'The server had a problem. Try again in a moment.';
    case 503:
      return STORAGE_DOWN;
    default:
      return sentence(text);
  }
}

/**
 * errorText is the text shown for an error reply to any other request.
 * @param {number} code
 * @param {string} text
 * @returns {string}
 */
export function errorText(code, text) {
  if (code === 429) return 'You are sending too fast. Slow down a little.';
  if (code === 500) return 'The server had a problem. Try again in a moment.';
  if (code === 503) return STORAGE_DOWN;
  return sentence(text);
}

/**
 * remedy is what can be done for a message refused with an error code:
 * 'wait' (503, 429, 401: it stays queued and goes again by itself), 'edit'
 * (400, 413: the server refuses this text, so the same again never works;
 * the person may edit it), 'retry' (anything else: the same again may work).
 * @param {number} code
 * @returns {'wait' | 'edit' | 'retry'}
 */
export function remedy(code) {
  if (code === 503 || code === 429 || code === 401) return 'wait';
  if (code === 400 || code === 413) return 'edit';
  return 'retry';
}

/** The text for a 503: the server cannot reach its storage for now. */
const STORAGE_DOWN = 'The chat server cannot reach its storage right now. Try again in a moment.';

/**
 * dataLostText tells the person that the server lost its data (a new
 * dataEpoch, and the access key unknown), in words that say what to do.
 * @param {number} kept how many unsent messages were kept
 * @returns {string}
 */
export function dataLostText(kept) {
  const base = 'The chat server lost its data (it was restarted without saving). ' +
    'Your account and messages are gone: please create your account again.';
  if (kept <= 0) return base;
  const what = kept === 1
    ? 'The message you had not sent yet is kept: it shows as not sent'
    : `The ${kept} messages you had not sent yet are kept: they show as not sent`;
  return `${base} ${what} once you are back.`;
}
