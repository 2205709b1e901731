import type { TestBackend } from './backends.js';
import { uniqueSchema, urlWithSchema } from './postgres.js';

/** A staging target beside a test's source: a file in the same folder, or another schema of the same PostgreSQL database (pushed to `schemas` for dropping). */
export function trialStagingFor(backend: TestBackend, source: string, schemas: string[]): string {
  if (backend.name === 'sqlite') return source.replace(/\.db$/, '-staging.db');
  const schema = uniqueSchema('gh_trial_stg');
  schemas.push(schema);
  return urlWithSchema(schema);
}
