// @ts-check
// The text box: Enter sends, Shift+Enter adds a line, it grows with its
// text, and typing tells the app (which throttles the typing frames).

import { byId } from './dom.js';

/** Tallest the box grows, in px; it scrolls beyond. */
const MAX_HEIGHT = 200;

export class ComposerView {
  /**
   * @param {{onSend: (text: string) => boolean, onTyping: () => void}} handlers
   *   onSend returns false to keep the text (it was refused)
   */
  constructor(handlers) {
    this.form = byId('composer', HTMLFormElement);
    this.input = byId('message-input', HTMLTextAreaElement);
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.send(handlers);
    });
    this.input.addEventListener('keydown', (ev) => {
      // isComposing: Enter that confirms an input method's candidate.
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
        ev.preventDefault();
        this.send(handlers);
      }
    });
    this.input.addEventListener('input', () => {
      this.fit();
      if (this.input.value.trim()) handlers.onTyping();
    });
  }

  /** @param {{onSend: (text: string) => boolean}} handlers */
  send(handlers) {
    const text = this.input.value;
    if (!text.trim()) return;
    if (handlers.onSend(text)) {
      this.input.value = '';
      this.fit();
    }
    this.input.focus();
  }

  /** fit sizes the box to its text. */
  fit() {
    const borders = this.input.offsetHeight - this.input.clientHeight;
    this.input.style.height = 'auto';
    this.input.style.height = Math.min(this.input.scrollHeight + borders, MAX_HEIGHT) + 'px';
  }

  /** @param {string} placeholder */
  setPlaceholder(placeholder) {
    if (this.input.placeholder !== placeholder) this.input.placeholder = placeholder;
  }

  focus() {
    this.input.focus();
  }

  /**
   * offerFocus focuses the box where that does not pop up a screen keyboard
   * over the conversation just opened (wide screens with a pointer).
   */
  offerFocus() {
    if (globalThis.matchMedia?.('(min-width: 721px) and (pointer: fine)').matches) this.input.focus();
  }
}
