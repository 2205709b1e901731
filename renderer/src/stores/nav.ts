import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { isApiMethod } from '../../../shared/api.js';

export interface Section {
  id: 'overview' | 'runs' | 'history' | 'trials' | 'flags' | 'backups' | 'settings';
  label: string;
  /** A method this section needs; until it is in the API table the section says which issue brings it. */
  needs?: string;
  issue?: number;
  promise?: string;
}

export const SECTIONS: Section[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'runs', label: 'Runs' },
  { id: 'history', label: 'History' },
  { id: 'trials', label: 'Trials', needs: 'trials.list', issue: 5, promise: 'Inject anomalies into a staging copy, see what the validators caught and missed, detection and false-positive rates.' },
  { id: 'flags', label: 'Flags', needs: 'flags.list', issue: 6, promise: 'Feature flags with their scope, kill switches that need a reason, the audit history and the canary comparison.' },
  { id: 'backups', label: 'Backups', needs: 'backups.list', issue: 4, promise: 'Backups listed and verified, restore and rollback with a dry-run preview and a typed confirmation.' },
  { id: 'settings', label: 'Settings' },
];

export function sectionAvailable(section: Section): boolean {
  return section.needs === undefined || isApiMethod(section.needs);
}

/** Hash routes (#/runs/12) so a reload keeps the place and both app:// and http:// work alike. */
export const useNav = defineStore('nav', () => {
  const hash = ref(window.location.hash);
  window.addEventListener('hashchange', () => (hash.value = window.location.hash));
  const parts = computed(() => hash.value.replace(/^#\/?/, '').split('/'));
  const section = computed(() => SECTIONS.find((s) => s.id === parts.value[0]) ?? SECTIONS[0]!);
  const runId = computed(() => {
    const id = Number(parts.value[1]);
    return section.value.id === 'runs' && Number.isInteger(id) && id > 0 ? id : null;
  });
  function go(path: string): void {
    window.location.hash = `#/${path}`;
  }
  return { section, runId, go };
});
