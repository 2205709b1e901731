// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { useNav } from '../../../renderer/src/stores/nav.js';
import { useOperator } from '../../../renderer/src/stores/operator.js';

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
  beforeEach(() => {
    setActivePinia(createPinia());
    window.localStorage.clear();
  });
  afterEach(() => vi.restoreAllMocks());

  it('starts with the name saved in an earlier session', () => {
    window.localStorage.setItem('gatehouse.operator', 'Ada');
    expect(useOperator().name).toBe('Ada');
  });

  it('starts empty when nothing was saved', () => {
    expect(useOperator().name).toBe('');
  });

  it('saves the name, trimmed, for the next session', async () => {
    const operator = useOperator();
    operator.name = '  Grace ';
    await nextTick();
    expect(window.localStorage.getItem('gatehouse.operator')).toBe('Grace');

    setActivePinia(createPinia());
    expect(useOperator().name).toBe('Grace');
  });

  it('keeps working for this session when storage is unavailable', async () => {
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new Error('SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('QuotaExceededError');
    });
    const operator = useOperator();
    expect(operator.name).toBe('');
    operator.name = 'Linus';
    await nextTick();
    expect(operator.name).toBe('Linus');
  });
});
