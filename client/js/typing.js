// @ts-check
// Typing: while the user types, tell the open channel at most every
// TYPING_EVERY_MS; show others as typing for TYPING_SHOW_MS after their
// typing push.

import { GENERAL } from './protocol.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */

/** At most one typing frame per this many ms. */
const TYPING_EVERY_MS = 2500;
/** How long someone shows as typing after their typing push. */
const TYPING_SHOW_MS = 4000;

export class TypingSignal {
  /** @param {ChatApp} app */
  constructor(app) {
    this.app = app;
    /** when the last typing frame went out, 0 after a message was sent */
    this.last = 0;
  }

  /** typed: the user typed in the composer. */
  typed() {
    const now = Date.now();
    if (!this.app.online || now - this.last < TYPING_EVERY_MS) return;
    this.last = now;
    this.app.send('typing', { recipientUUID: this.app.state.current });
  }

  /** reset: a message went out, so the next keystroke says typing at once. */
  reset() {
    this.last = 0;
  }

  /** @param {any} p a typing push: who types where */
  onTyping(p) {
    this.app.state.setTyping(p.recipientUUID ?? GENERAL, p.user, Date.now() + TYPING_SHOW_MS);
  }
}
