/**
 * Secret redaction, shared by the logger, the API's error payloads, the sources and the store:
 * nothing that writes a line has to import the database module to hide a password.
 */

/** Removes the password from a connection string so it can be logged, stored and shown. */
export function redactConnectionString(location: string): string {
  return location.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@');
}

/**
 * Redacts every connection-string password, `password=` conninfo value and `api_key` value
 * found inside free text (error messages, URLs, source specs).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/gi, '$1:***@')
    .replace(/(api_key=)[^&\s"']+/gi, '$1***')
    .replace(/(\bpassword\s*=\s*)('[^']*'|[^\s&"']+)/gi, '$1***');
}
