/**
 * Where keyboard focus goes when a dialog or an inline form opens and closes: to the first field a
 * person fills in (never the ✕ that happens to come first), and back to what opened it.
 */

const FIELDS = 'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])';
const TABBABLE = `a[href], button:not([disabled]), ${FIELDS}, summary, [tabindex]:not([tabindex="-1"])`;

function shown(element: HTMLElement): boolean {
  return element.getClientRects().length > 0;
}

/** The first field to fill in: one marked `data-autofocus`, else the first input, select or textarea shown. */
export function firstField(root: HTMLElement): HTMLElement | null {
  const marked = root.querySelector<HTMLElement>('[data-autofocus]');
  if (marked && shown(marked)) return marked;
  return [...root.querySelectorAll<HTMLElement>(FIELDS)].find(shown) ?? null;
}

/** What Tab can reach inside `root`, in order. */
export function tabbables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(TABBABLE)].filter((element) => element.tabIndex >= 0 && shown(element));
}

/** Keeps Tab and Shift+Tab cycling inside `root` (a native modal lets focus out to the page and the browser). */
export function keepTabInside(root: HTMLElement, event: KeyboardEvent): void {
  if (event.key !== 'Tab') return;
  const reachable = tabbables(root);
  if (reachable.length === 0) return;
  const first = reachable[0]!;
  const last = reachable.at(-1)!;
  const at = document.activeElement;
  // A scrolling area Chromium lets Tab reach is not in the list: from there the browser's own order is right.
  const outside = at === root || !root.contains(at);
  if (event.shiftKey && (at === first || outside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (at === last || outside)) {
    event.preventDefault();
    first.focus();
  }
}

/** Where to put focus back to: what opened the dialog, and the list item, row or section it sat in. */
export interface FocusReturn {
  opener: Element | null;
  place: Element | null;
}

export function rememberFocus(): FocusReturn {
  const opener = document.activeElement;
  return { opener, place: opener?.closest('li, tr, section, main') ?? null };
}

function tryFocus(element: Element | null | undefined): boolean {
  if (!(element instanceof HTMLElement) || !element.isConnected) return false;
  element.focus();
  return document.activeElement === element;
}

/**
 * Focus back on what opened a dialog; when that is gone or disabled now (a review mark removes its
 * buttons, a rollback disables its own), on the first thing to reach where it was, so a keyboard
 * user carries on from the same item rather than from the top of the page.
 */
export function returnFocus({ opener, place }: FocusReturn): void {
  if (tryFocus(opener)) return;
  if (focusInside(place)) return;
  tryFocus(document.getElementById('main'));
}

/** Focus on the first thing Tab reaches inside `place`; false when there is none. */
export function focusInside(place: Element | null | undefined): boolean {
  return place instanceof HTMLElement && place.isConnected && tryFocus(tabbables(place)[0]);
}

/** Nowhere a keyboard user would carry on from: nothing, or the top of the page `returnFocus` falls back to. */
export function focusLost(): boolean {
  const at = document.activeElement;
  return at === null || at === document.body || at === document.getElementById('main');
}
