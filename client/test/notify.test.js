// @ts-check
// Desktop notifications: off until turned on, the permission asked only
// then, and shown only for others' messages while the tab is hidden.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { BODY_MAX, DesktopNotifier, notificationText, shouldNotify } from '../js/notify.js';
import { browser } from './memory-storage.js';
import { BOB, ME, msg, receive, signIn } from './harness.js';

beforeEach(() => browser());

/**
 * fakeEnv is a browser whose permission starts at permission and whose
 * prompt answers answer.
 * @param {string} permission
 * @param {string} [answer]
 */
function fakeEnv(permission, answer = 'granted') {
  /** @type {{title: string, body: string, tag: string, note: any}[]} */
  const shown = [];
  const env = {
    asked: 0,
    focused: 0,
    document: { hidden: true },
    focus: () => { env.focused++; },
    Notification: class {
      static permission = permission;
      static async requestPermission() {
        env.asked++;
        env.Notification.permission = answer;
        return answer;
      }
      /** @param {string} title @param {{body: string, tag: string}} opts */
      constructor(title, opts) {
        this.closed = false;
        /** @type {(() => void) | null} */
        this.onclick = null;
        shown.push({ title, body: opts.body, tag: opts.tag, note: this });
      }
      close() {
        this.closed = true;
      }
    },
  };
  return { env, shown };
}

test('only others\' messages, only while the tab is hidden, only when on and allowed', () => {
  const yes = { on: true, permission: 'granted', hidden: true, own: false };
  assert.equal(shouldNotify(yes), true);
  assert.equal(shouldNotify({ ...yes, on: false }), false);
  assert.equal(shouldNotify({ ...yes, permission: 'default' }), false);
  assert.equal(shouldNotify({ ...yes, permission: 'denied' }), false);
  assert.equal(shouldNotify({ ...yes, hidden: false }), false);
  assert.equal(shouldNotify({ ...yes, own: true }), false);
});

test('off by default; the permission is asked when the person turns them on, and kept', async () => {
  const { env } = fakeEnv('default');
  const n = new DesktopNotifier(env);
  assert.equal(n.on, false);
  assert.equal(env.asked, 0, 'never asked on load');
  assert.equal(await n.setOn(true), true);
  assert.equal(env.asked, 1);
  assert.equal(new DesktopNotifier(env).on, true, 'on after a reload');
  await n.setOn(false);
  assert.equal(new DesktopNotifier(env).on, false, 'off after a reload');
  await n.setOn(true);
  assert.equal(env.asked, 1, 'granted already: not asked again');
});

test('a refusal or a browser without notifications leaves them off, saying why', async () => {
  const denied = new DesktopNotifier(fakeEnv('default', 'denied').env);
  assert.equal(await denied.setOn(true), false);
  assert.match(denied.note, /blocked/);
  const dismissed = new DesktopNotifier(fakeEnv('default', 'default').env);
  assert.equal(await dismissed.setOn(true), false);
  assert.match(dismissed.note, /not allowed/);
  const none = new DesktopNotifier({ document: { hidden: true }, focus: () => {} });
  assert.equal(await none.setOn(true), false);
  assert.match(none.note, /cannot show/);
});

test('the text: the sender (in General), the message cut to a short body', () => {
  assert.deepEqual(notificationText({ sender: 'Bob', general: true, text: 'hi' }), { title: 'Bob in General', body: 'hi' });
  assert.deepEqual(notificationText({ sender: 'Bob', general: false, text: ' hi ' }), { title: 'Bob', body: 'hi' });
  const body = notificationText({ sender: 'Bob', general: false, text: 'x'.repeat(500) }).body;
  assert.equal(Array.from(body).length, BODY_MAX);
  assert.ok(body.endsWith('…'));
});

test('the app tells of live messages and notify pushes from others while hidden; a click opens the channel', async () => {
  const { app } = signIn();
  const { env, shown } = fakeEnv('granted');
  const notifier = new DesktopNotifier(env);
  await notifier.setOn(true);
  app.views.notify = notifier;
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [], epoch: 'e1', offset: 0 });
  receive(app, 'channelMessage', msg(1, BOB, ''));
  receive(app, 'channelMessage', msg(2, ME, ''));
  receive(app, 'channelMessage', msg(1, BOB, ''));
  assert.deepEqual(shown.map((s) => [s.title, s.body, s.tag]), [['Bob in General', 'm1', 'chat:']], 'not our own, not a duplicate');
  env.document.hidden = false;
  receive(app, 'channelMessage', msg(3, BOB, ''));
  assert.equal(shown.length, 1, 'not while the tab shows');
  env.document.hidden = true;
  receive(app, 'notify', { recipientUUID: BOB, message: msg(1, BOB, ME) });
  assert.deepEqual(shown.map((s) => s.title), ['Bob in General', 'Bob']);
  shown[1].note.onclick?.();
  assert.equal(app.state.current, BOB, 'the click opens the channel');
  assert.equal(env.focused, 1);
  assert.equal(shown[1].note.closed, true);
});
