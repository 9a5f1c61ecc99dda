// @ts-check
// A websocket that comes back: when it closes for any reason but close(), it
// reconnects after an exponential backoff with full jitter (backoff.js), so
// that clients closed together by a deploy do not come back together. It
// knows nothing of the chat protocol; the app resumes the session on each
// open.

import { backoffDelay } from './backoff.js';

/** A connection that lasted this long resets the backoff. */
const STABLE_MS = 10000;

/**
 * @typedef {'connecting' | 'open' | 'down' | 'stopped'} SocketState
 */

/**
 * @typedef {object} SocketOptions
 * @property {string} url
 * @property {() => void} onOpen
 * @property {(data: string) => void} onMessage
 * @property {(info: {code: number, reason: string, retryAt: number}) => void} onDown
 *   the socket closed; the next attempt is at retryAt (ms since the epoch)
 * @property {(attempt: number) => number} [delay] backoff in ms for an attempt
 * @property {typeof WebSocket} [WebSocketImpl]
 * @property {() => number} [now]
 */

export class ReconnectingSocket {
  /** @param {SocketOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.delay = opts.delay ?? backoffDelay;
    this.WS = opts.WebSocketImpl ?? globalThis.WebSocket;
    this.now = opts.now ?? Date.now;
    /** @type {SocketState} */
    this.state = 'stopped';
    /** @type {WebSocket | null} */
    this.ws = null;
    /** failed attempts since the last stable connection */
    this.attempt = 0;
    /** when the next attempt is due, while down */
    this.retryAt = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.openedAt = 0;
  }

  /** start connects, unless already started. */
  start() {
    if (this.state === 'stopped') this.connect();
  }

  /** connect opens a new socket now. */
  connect() {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.state = 'connecting';
    /** @type {WebSocket} */
    let ws;
    try {
      ws = new this.WS(this.opts.url);
    } catch {
      this.down(0, 'cannot open a websocket');
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.state = 'open';
      this.openedAt = this.now();
      this.opts.onOpen();
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws && typeof ev.data === 'string') this.opts.onMessage(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.openedAt && this.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
      this.openedAt = 0;
      this.down(ev.code, ev.reason);
    };
    // An error is always followed by a close, which does the work.
    ws.onerror = () => {};
  }

  /**
   * down schedules the next attempt.
   * @param {number} code
   * @param {string} reason
   */
  down(code, reason) {
    if (this.state === 'stopped') return;
    this.state = 'down';
    const wait = this.delay(this.attempt++);
    this.retryAt = this.now() + wait;
    this.timer = setTimeout(() => this.connect(), wait);
    this.opts.onDown({ code, reason, retryAt: this.retryAt });
  }

  /** retryNow skips the rest of the backoff (the user asked, or the network is back). */
  retryNow() {
    if (this.state === 'down') this.connect();
  }

  /**
   * send sends a text frame; false when the socket is not open.
   * @param {string} data
   */
  send(data) {
    if (this.state !== 'open' || !this.ws) return false;
    try {
      this.ws.send(data);
      return true;
    } catch {
      return false;
    }
  }

  /** stop closes the socket for good. */
  stop() {
    this.state = 'stopped';
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'bye');
  }
}
