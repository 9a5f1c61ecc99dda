// @ts-check
// The sign-in form: one form, two actions (sign in, create account), errors
// next to the fields. In a tab without a session of its own, it also offers
// to continue the session last signed in with on this browser.

import { byId, setAvatar, setText, show } from './dom.js';

/** @typedef {'signIn' | 'signUp'} AuthAction */
/** @typedef {import('../storage.js').Session} Session */

export class AuthView {
  /**
   * @param {{
   *   onSubmit: (action: AuthAction, username: string, password: string) => void,
   *   onContinue: () => void,
   * }} handlers
   */
  constructor(handlers) {
    this.screen = byId('auth-screen');
    this.form = byId('auth-form', HTMLFormElement);
    this.username = byId('username', HTMLInputElement);
    this.password = byId('password', HTMLInputElement);
    this.error = byId('auth-error');
    this.status = byId('auth-status');
    this.resume = byId('resume');
    this.continueButton = byId('continue-as', HTMLButtonElement);
    this.continueAvatar = byId('continue-avatar');
    this.continueLabel = byId('continue-label');
    this.buttons = [this.continueButton, byId('sign-in', HTMLButtonElement), byId('sign-up', HTMLButtonElement)];
    this.busy = false;
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (this.busy) return;
      const submitter = /** @type {SubmitEvent} */ (ev).submitter;
      /** @type {AuthAction} */
      const action = submitter instanceof HTMLButtonElement && submitter.value === 'signUp' ? 'signUp' : 'signIn';
      const name = this.username.value.trim();
      if (!name) return this.showError('Enter a username.', this.username);
      if (!this.password.value) return this.showError('Enter a password.', this.password);
      this.showError('');
      handlers.onSubmit(action, name, this.password.value);
    });
    this.continueButton.addEventListener('click', () => {
      if (this.busy || this.resume.hidden) return;
      this.showError('');
      handlers.onContinue();
    });
    for (const input of [this.username, this.password]) {
      input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
    }
  }

  /**
   * open shows the form, with a message above the fields when given, and
   * a username filled in when given. The offer to continue a session, when
   * there is one, has the focus.
   * @param {string} [message]
   * @param {string} [username]
   */
  open(message = '', username = '') {
    show(this.screen, true);
    this.setBusy(false);
    this.showError(message);
    if (username) this.username.value = username;
    this.password.value = '';
    if (!this.resume.hidden) this.continueButton.focus();
    else (this.username.value ? this.password : this.username).focus();
  }

  /**
   * setOffer shows "Continue as <name>" for a session, or hides it (null).
   * @param {Session | null} session
   */
  setOffer(session) {
    if (session) {
      const name = session.username ?? '';
      setText(this.continueLabel, name ? `Continue as ${name}` : 'Continue your last session');
      setAvatar(this.continueAvatar, session.userUUID, name || '?');
    }
    const hadFocus = document.activeElement === this.continueButton;
    show(this.resume, !!session);
    if (!session && hadFocus) this.username.focus();
  }

  close() {
    show(this.screen, false);
    this.setBusy(false);
  }

  /**
   * setBusy disables the buttons while a request is out.
   * @param {boolean} busy
   * @param {string} [status]
   */
  setBusy(busy, status = '') {
    this.busy = busy;
    for (const b of this.buttons) b.disabled = busy;
    this.form.setAttribute('aria-busy', String(busy));
    setText(this.status, status);
  }

  /**
   * showError shows an error (or clears it with ''), marking a field.
   * @param {string} text
   * @param {HTMLInputElement} [field]
   */
  showError(text, field) {
    setText(this.error, text);
    for (const f of [this.username, this.password]) {
      if (f === field) f.setAttribute('aria-invalid', 'true');
      else f.removeAttribute('aria-invalid');
    }
    field?.focus();
  }

  /**
   * fail shows a server error for the field it concerns.
   * @param {number} code
   * @param {string} text
   */
  fail(code, text) {
    this.setBusy(false);
    const field = code === 401 ? this.password : code === 409 || /username/i.test(text) ? this.username : code === 400 && /password/i.test(text) ? this.password : undefined;
    this.showError(text, field);
    field?.select();
  }
}
