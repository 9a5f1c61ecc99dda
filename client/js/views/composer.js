// @ts-check
// The text box: Enter sends, Shift+Enter adds a line, it grows with its
// text, and typing tells the app (which throttles the typing frames). Near
// the message limit a counter shows what is left; over it, by how much (the
// box keeps the whole text: nothing is cut, and the app refuses to send it,
// saying why).

import { MAX_MESSAGE_LENGTH } from '../protocol.js';
import { counter, messageLength } from '../limit.js';
import { byId, setText, show } from './dom.js';

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
    this.count = byId('composer-count');
    /** the longest message the server stores */
    this.max = MAX_MESSAGE_LENGTH;
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
      this.update();
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
      this.update();
    }
    this.input.focus();
  }

  /**
   * setLimit sets the longest message the server stores.
   * @param {number} max
   */
  setLimit(max) {
    if (max === this.max) return;
    this.max = max;
    this.update();
  }

  /** update shows the counter for the text in the box. */
  update() {
    const c = counter(messageLength(this.input.value), this.max);
    setText(this.count, c.text);
    show(this.count, !!c.text);
    this.count.classList.toggle('over', c.over);
    if (c.over) this.input.setAttribute('aria-invalid', 'true');
    else this.input.removeAttribute('aria-invalid');
  }

  /**
   * putBack puts the text of a message that was not sent back in the box,
   * before what is being written there, to be edited and sent again.
   * @param {string} text
   */
  putBack(text) {
    const draft = this.input.value;
    this.input.value = draft.trim() ? text + '\n' + draft : text;
    this.fit();
    this.update();
    this.input.focus();
    this.input.setSelectionRange(text.length, text.length);
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
