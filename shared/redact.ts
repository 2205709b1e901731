/**
 * Secret redaction, shared by the logger, the API's error payloads, the sources and the store:
 * nothing that writes a line has to import the database module to hide a password.
 */

/** Removes the password from a connection string so it can be logged, stored and shown. */
export function redactConnectionString(location: string): string {
  return location.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@');
}

/**
 * An API key's value wherever text may carry one: a query (`api_key=`, `apikey=`, URL-encoded
 * `api%5Fkey%3D`), a header (`X-Api-Key: …`) or JSON (`"apiKey": "…"`).
 */
const API_KEY_VALUE = /(api(?:[_-]|%5f)?key["']?\s*(?:=|%3d|:)\s*["']?)[^&\s"',;}]+/gi;

/**
 * Redacts every connection-string password, `password=` conninfo value and API key value
 * found inside free text (error messages, URLs, source specs).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/gi, '$1:***@')
    .replace(API_KEY_VALUE, '$1***')
    .replace(/(\bpassword\s*=\s*)('[^']*'|[^\s&"']+)/gi, '$1***');
}

/**
 * `text` with every whole occurrence of `secret` (not one inside a longer word) replaced by `***`:
 * for a value known by itself, wherever a server echoed it, with or without a name before it.
 */
export function redactKnownSecret(text: string, secret: string): string {
  if (secret === '' || !text.includes(secret)) return text;
  return text.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(secret)}(?![A-Za-z0-9])`, 'g'), '***');
}

/** `text` matched literally inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What was thrown, as one message with its secrets redacted: an Error's message, anything else as a string. */
export function redactedMessage(thrown: unknown): string {
  return redactSecrets(thrown instanceof Error ? thrown.message : String(thrown));
}
