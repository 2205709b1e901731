/** Removes the password from a connection string so it can be logged, stored and shown. */
export function redactConnectionString(location: string): string {
  return location.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@');
}

/** Redacts every connection string and api_key value found inside free text (error messages). */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/gi, '$1:***@')
    .replace(/(api_key=)[^&\s"']+/gi, '$1***');
}
