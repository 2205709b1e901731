import { afterEach, expect, it } from 'vitest';
import { dispatch } from '../../main/api/index.js';
import { failure, openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';
import { tester } from '../helpers/callers.js';

let app: ConsoleApi | undefined;
afterEach(() => app?.close());

it('refuses a PostgreSQL staging target for a SQLite console as another backend, as `gatehouse trial` does, not as a missing folder', async () => {
  app = await openConsoleApi('gh-trial-other-backend-', { demoDays: 3 });
  const refused = failure(await dispatch(app.api, 'trials.run', { controls: 1, staging: 'postgres://postgres@127.0.0.1:5432/postgres?schema=gh_trial_elsewhere' }, tester));
  expect(refused).toMatchObject({ code: 'UNSUPPORTED', message: 'the staging target must be the same kind of database as the source (a file for SQLite, a schema for PostgreSQL)' });
});
