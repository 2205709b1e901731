import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

const KEY = 'gatehouse.operator';

/** Who is at the console: named in every flag change and rollback (the audit's "who"). */
export const useOperator = defineStore('operator', () => {
  const name = ref(readSaved());
  watch(name, (value) => {
    try {
      window.localStorage.setItem(KEY, value.trim());
    } catch {
      /* storage may be unavailable; the name still lives for this session */
    }
  });
  return { name };
});

function readSaved(): string {
  try {
    return window.localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}
