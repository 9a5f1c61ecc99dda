// @ts-check
// Reconnection delays: exponential backoff with jitter.

/**
 * @typedef {object} BackoffOptions
 * @property {number} [base] delay cap of the first attempt, in ms
 * @property {number} [max] largest delay cap, in ms
 * @property {() => number} [random] source of numbers in [0, 1)
 */

export const BACKOFF_BASE = 500;
export const BACKOFF_MAX = 20000;

/**
 * backoffDelay returns how long to wait before reconnection attempt number
 * attempt (0 for the first). The cap doubles with every attempt up to max;
 * the delay is drawn between half the cap and the cap ("equal jitter"), so
 * that clients cut off together do not come back together, and none retries
 * in a tight loop.
 *
 * @param {number} attempt
 * @param {BackoffOptions} [opts]
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, opts = {}) {
  const base = opts.base ?? BACKOFF_BASE;
  const max = opts.max ?? BACKOFF_MAX;
  const random = opts.random ?? Math.random;
  const n = Math.max(0, Math.min(Math.floor(attempt) || 0, 30));
  const cap = Math.min(max, base * 2 ** n);
  return Math.round(cap / 2 + random() * (cap / 2));
}
