import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

export interface Section {
  id: 'overview' | 'runs' | 'history' | 'trials' | 'rollouts' | 'sensitivity' | 'flags' | 'backups' | 'settings';
  label: string;
}

export const SECTIONS: Section[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'runs', label: 'Runs' },
  { id: 'history', label: 'History' },
  { id: 'trials', label: 'Trials' },
  { id: 'rollouts', label: 'Rollouts' },
  { id: 'sensitivity', label: 'Sensitivity' },
  { id: 'flags', label: 'Flags' },
  { id: 'backups', label: 'Backups' },
  { id: 'settings', label: 'Settings' },
];

/** Hash routes (#/runs/12) so a reload keeps the place and both app:// and http:// work alike. */
export const useNav = defineStore('nav', () => {
  const hash = ref(window.location.hash);
  window.addEventListener('hashchange', () => (hash.value = window.location.hash));
  const path = computed(() => hash.value.replace(/^#\/?/, '').split('?')[0]!);
  /** The place's query (#/runs?verdict=anomalous): filters live here, so back, forward and reload keep them. */
  const query = computed(() => new URLSearchParams(hash.value.split('?')[1] ?? ''));
  const queryString = computed(() => (query.value.toString() === '' ? '' : `?${query.value.toString()}`));
  const parts = computed(() => path.value.split('/'));
  const section = computed(() => SECTIONS.find((s) => s.id === parts.value[0]) ?? SECTIONS[0]!);
  const runId = computed(() => {
    const id = Number(parts.value[1]);
    return section.value.id === 'runs' && Number.isInteger(id) && id > 0 ? id : null;
  });
  function go(to: string): void {
    window.location.hash = `#/${to}`;
  }
  /** The same place with another query; each change is a history entry, so Back undoes a filter. */
  function setQuery(next: URLSearchParams): void {
    const text = next.toString();
    go(`${path.value}${text === '' ? '' : `?${text}`}`);
  }
  return { section, runId, query, queryString, go, setQuery };
});
