// @ts-check
// The connection banner's text: what a person needs to know about the
// connection, '' when all is well. Pure: the app passes what it knows.

import { CLOSE_SERVICE_RESTART, CLOSE_TRY_AGAIN_LATER } from './protocol.js';

/**
 * @typedef {object} Connection
 * @property {string} socket the socket's state: connecting, open, down, stopped
 * @property {number} retryAt when the next attempt is due while down, in ms
 * @property {number} closeCode the close code of the last drop
 * @property {boolean} chat the chat shows (the tab has a session)
 * @property {boolean} signedIn signed in on this connection
 * @property {boolean} wasOnline signed in once since the page loaded
 */

/**
 * bannerText is the banner's text for a connection at a time.
 * @param {Connection} c
 * @param {number} now ms
 * @returns {string}
 */
export function bannerText(c, now) {
  if (c.socket === 'down') {
    const secs = Math.ceil((c.retryAt - now) / 1000);
    const when = secs >= 1 ? ` in ${secs} s` : '';
    if (!c.chat || !c.wasOnline) return `Cannot reach the server. Retrying${when}…`;
    if (c.closeCode === CLOSE_SERVICE_RESTART) return `The server is restarting. Reconnecting${when}…`;
    if (c.closeCode === CLOSE_TRY_AGAIN_LATER) return `The server is busy. Reconnecting${when}…`;
    return `Connection lost. Reconnecting${when}…`;
  }
  if (c.chat && !c.signedIn) return c.wasOnline ? 'Reconnecting…' : 'Connecting…';
  return '';
}
