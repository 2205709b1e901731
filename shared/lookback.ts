import * as z from 'zod';

/** Days of updates a Congress.gov run lists when none are given. */
export const DEFAULT_LOOKBACK_DAYS = 7;
/** The most days one run lists back, a task's catch-up included: the hourly request quota bounds what one run can fetch. */
export const MAX_LOOKBACK_DAYS = 90;

/** The one range of `--lookback-days`, for `gatehouse update`, `gatehouse tasks add|edit` and the API's tasks.add|edit alike. */
export const lookbackDaysSchema = z.number().int().min(1).max(MAX_LOOKBACK_DAYS);
