/** Keys typed into a field are text, not shortcuts. */
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  return event.ctrlKey || event.metaKey || event.altKey || (target !== null && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)));
}

/** Moves focus to the open run's batch timeline (issue 14: it took 97 Tab presses); false when none is shown. */
export function focusBatchTimeline(): boolean {
  const frame = document.querySelector<HTMLElement>('.run-detail .timeline-frame');
  if (!frame) return false;
  frame.focus();
  frame.scrollIntoView({ block: 'nearest' });
  return true;
}
