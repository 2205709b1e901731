import { computed, ref, type ComputedRef, type Ref } from 'vue';

/**
 * What a destructive change is confirmed by (a rollback, a snapshot restore or deletion): the id of
 * what it acts on typed in full, and a reason. `confirmed` once both are there; `unconfirmed` says
 * in words what still keeps its button disabled ("“29” is not the run id 28. A reason is needed."),
 * null once confirmed; `confirmedId` is the id as typed, trimmed, for the API to check against its own.
 * `idName` names the id as the dialog does ("run id", "snapshot id").
 */
export function useTypedConfirmation(expectedId: () => string, idName: string): {
  typed: Ref<string>;
  reason: Ref<string>;
  confirmed: ComputedRef<boolean>;
  unconfirmed: ComputedRef<string | null>;
  confirmedId: () => string;
  reset: () => void;
} {
  const typed = ref('');
  const reason = ref('');
  const confirmed = computed(() => typed.value.trim() === expectedId() && reason.value.trim() !== '');
  const unconfirmed = computed(() => {
    const id = typed.value.trim();
    const problems = [
      id === '' ? `Type the ${idName} ${expectedId()} to confirm.` : id === expectedId() ? null : `“${id}” is not the ${idName} ${expectedId()}.`,
      reason.value.trim() !== '' ? null : reason.value === '' ? 'A reason is needed.' : 'A reason is needed: the box holds only spaces.',
    ].filter((problem) => problem !== null);
    return problems.length === 0 ? null : problems.join(' ');
  });
  return {
    typed,
    reason,
    confirmed,
    unconfirmed,
    confirmedId: () => typed.value.trim(),
    reset() {
      typed.value = '';
      reason.value = '';
    },
  };
}
