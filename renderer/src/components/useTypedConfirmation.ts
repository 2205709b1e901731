import { computed, ref, type ComputedRef, type Ref } from 'vue';

/**
 * What a destructive change is confirmed by (a rollback, a snapshot restore or deletion): the id of
 * what it acts on typed in full, and a reason. `confirmed` once both are there; `confirmedId` is the
 * id as typed, trimmed, for the API to check against its own.
 */
export function useTypedConfirmation(expectedId: () => string): {
  typed: Ref<string>;
  reason: Ref<string>;
  confirmed: ComputedRef<boolean>;
  confirmedId: () => string;
  reset: () => void;
} {
  const typed = ref('');
  const reason = ref('');
  const confirmed = computed(() => typed.value.trim() === expectedId() && reason.value.trim() !== '');
  return {
    typed,
    reason,
    confirmed,
    confirmedId: () => typed.value.trim(),
    reset() {
      typed.value = '';
      reason.value = '';
    },
  };
}
