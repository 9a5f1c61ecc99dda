// @ts-check
// The longest message the server stores: characters counted as the server
// counts them (code points), the composer's counter near the limit, and why
// a longer message is not sent. The limit itself is the app's
// (ChatApp.maxMessageLength): the maxMessageLength of the server's ready
// frame, MAX_MESSAGE_LENGTH of protocol.js when it names none. Pure: no DOM.

import { MAX_MESSAGE_LENGTH } from './protocol.js';

/** The counter shows when this share of the limit, or less, is left. */
const NEAR_SHARE = 0.1;
/** ...or at least this many characters before the limit. */
const NEAR_MIN = 50;

/**
 * limitOf is the message limit a ready frame names, or the default for a
 * server that names none (or names nonsense).
 * @param {any} ready the ready payload
 * @returns {number}
 */
export function limitOf(ready) {
  const n = ready?.maxMessageLength;
  return Number.isSafeInteger(n) && n > 0 ? n : MAX_MESSAGE_LENGTH;
}

/**
 * messageLength is the length of a text as the server counts it: code
 * points, so that an emoji is one character (or two, as the server sees
 * a flag), not its UTF-16 units.
 * @param {string} text
 * @returns {number}
 */
export function messageLength(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * What the counter under the composer shows.
 * @typedef {object} Counter
 * @property {string} text '' while far from the limit
 * @property {boolean} over the text cannot be sent as it is
 */

/**
 * counter is the composer's counter for a text of length characters.
 * @param {number} length
 * @param {number} max the limit
 * @returns {Counter}
 */
export function counter(length, max) {
  const left = max - length;
  if (left < 0) return { text: `${-left} ${plural(-left)} over the limit of ${max}`, over: true };
  if (left <= Math.max(NEAR_MIN, Math.floor(max * NEAR_SHARE))) return { text: `${left} ${plural(left)} left`, over: false };
  return { text: '', over: false };
}

/**
 * tooLongText says why a text of length characters is not sent, and what to
 * do.
 * @param {number} length
 * @param {number} max
 * @returns {string}
 */
export function tooLongText(length, max) {
  const over = length - max;
  return `Not sent: this message has ${length} characters and the limit is ${max}. ` +
    `Shorten it by ${over} ${plural(over)}, or send it in parts.`;
}

/** @param {number} n */
function plural(n) {
  return n === 1 ? 'character' : 'characters';
}
