import * as z from 'zod';
import { withoutControlCharacters } from './text-rules.js';

/**
 * A task named by a caller — to run as, or to filter runs, trials and reports by — on every surface
 * (CLI --task, the API's `task`): trimmed, never blank, no control character (a tab or an ESC in a
 * name is stored with every run and printed in tables, log lines and notifications). The name must
 * also be one the database knows (a scheduled task, or one a stored run carried): main/validation's
 * requireKnownTask refuses the others, since a mistyped name would otherwise start a run nobody
 * scheduled or answer "no data".
 */
export const taskNameSchema = withoutControlCharacters(z.string().trim().min(1).max(200), 'name');

/** The name of a scheduled task as tasks.add stores it: shorter, as the console's lists show it whole. */
export const scheduledTaskNameSchema = taskNameSchema.max(64);
