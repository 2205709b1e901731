// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useNav } from '../../../renderer/src/stores/nav.js';
import { useOperator } from '../../../renderer/src/stores/operator.js';
import { fakeClient } from './fake-client.js';

/** happy-dom fires hashchange asynchronously, as browsers do. */
function hashChanged(): Promise<void> {
  return new Promise((resolve) => window.addEventListener('hashchange', () => resolve(), { once: true }));
}

describe('the navigation store', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => {
    window.location.hash = '';
  });

  it('opens the section and run named in the address', () => {
    window.location.hash = '#/runs/12';
    const nav = useNav();
    expect(nav.section.id).toBe('runs');
    expect(nav.runId).toBe(12);
  });

  it('falls back to the overview for an empty or unknown address', () => {
    window.location.hash = '#/nowhere';
    expect(useNav().section.id).toBe('overview');
    setActivePinia(createPinia());
    window.location.hash = '';
    expect(useNav().section.id).toBe('overview');
  });

  it.each(['#/runs/abc', '#/runs/0', '#/runs/-3', '#/runs/1.5', '#/flags/12'])('has no run id for %s', (hash) => {
    window.location.hash = hash;
    expect(useNav().runId).toBeNull();
  });

  it('follows go() and the browser back to another section', async () => {
    window.location.hash = '#/overview';
    const nav = useNav();
    let changed = hashChanged();
    nav.go('runs/4');
    await changed;
    expect(nav.section.id).toBe('runs');
    expect(nav.runId).toBe(4);

    changed = hashChanged();
    window.location.hash = '#/flags';
    await changed;
    expect(nav.section.label).toBe('Flags');
    expect(nav.runId).toBeNull();
  });
});

describe('the operator store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('takes the operator from the server, not from this browser', async () => {
    window.localStorage.setItem('gatehouse.operator', 'Mallory');
    const operator = useOperator();
    await operator.connect(fakeClient({ 'session.get': () => ({ operator: 'dana', identity: 'os-user', canName: false }) }));
    expect(operator.name).toBe('dana');
    expect(operator.identity).toBe('os-user');
    expect(await operator.ensureNamed()).toBe(true);
    expect(operator.asking).toBe(false);
  });

  it('asks an unnamed browser session for its name once, and goes on when the server bound it', async () => {
    const client = fakeClient({
      'session.get': () => ({ operator: null, identity: 'session', canName: true }),
      'session.name': ({ name }) => ({ operator: name, identity: 'session', canName: false }),
    });
    const operator = useOperator();
    await operator.connect(client);
    const first = operator.ensureNamed();
    const second = operator.ensureNamed();
    expect(operator.asking).toBe(true);
    await operator.nameSession(client, '  Grace ');
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(operator.name).toBe('Grace');
    expect(operator.asking).toBe(false);
    expect(client.callsOf('session.name')).toEqual([{ name: '  Grace ' }]);
    expect(await operator.ensureNamed()).toBe(true);
  });

  it('tells the waiting change to stop when the prompt is cancelled', async () => {
    const operator = useOperator();
    operator.adopt({ operator: null, identity: 'session', canName: true });
    const waiting = operator.ensureNamed();
    operator.dismiss();
    expect(await waiting).toBe(false);
    expect(operator.name).toBeNull();
  });
});
