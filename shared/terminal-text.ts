/**
 * What a terminal acts on instead of showing: C0 (newline aside), DEL and C1 — ESC and CSI (U+009B)
 * begin the sequences that move the cursor, clear the screen or retitle the window. Record text,
 * task names and reasons are refused with them (CONTROL_CHARACTER), but rows written before those
 * rules still hold them, and error messages quote what they were given: the CLI's output and the
 * one logger's lines (main/logging) print through here.
 */
const TERMINAL_CONTROL = /(?!\n)\p{Cc}/gu;
const TERMINAL_CONTROL_OR_NEWLINE = /\p{Cc}/gu;

/** `text` with each terminal control shown as its escape (`\x1b`), newlines kept unless `oneLine`. */
export function terminalText(text: string, options: { oneLine?: boolean } = {}): string {
  const controls = options.oneLine ? TERMINAL_CONTROL_OR_NEWLINE : TERMINAL_CONTROL;
  // Most cells hold none: a search that allocates nothing, not a replace, for a table of 500,000 rows.
  if (!controls.test(text)) return text;
  controls.lastIndex = 0;
  return text.replace(controls, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * JSON text with DEL and C1 written as \u escapes, as JSON.stringify already writes C0: the same
 * value to a script that parses it, nothing a terminal acts on to one who reads it. They can only
 * stand inside strings, where the escape means the same character.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\u007F-\u009F]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
