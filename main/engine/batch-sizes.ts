import { GatehouseError } from '../../shared/errors.js';
import { batchSizeSchema, type BatchStatus } from '../../shared/run.js';
import { ruleFor } from '../../shared/zod-shape.js';

/**
 * How many changes the next batch takes (issue 12 item 3). Clean data pays close to one
 * transaction's cost when batches grow while they commit. Isolation finds each bad record with a
 * savepoint of its own whatever the batch size, so a batch that committed its good records once
 * its bad ones were isolated grows too; a batch none of whose changes could be written drops the
 * size back to the configured one. The size is the engine's only: checkpoints, resume and
 * rollback see batches of whatever size they were.
 */
export class BatchSizes {
  private current: number;

  /** `ceiling` null (or not above `configured`): every batch is the configured size. */
  constructor(
    private readonly configured: number,
    private ceiling: number | null,
  ) {
    this.current = configured;
  }

  get next(): number {
    return this.current;
  }

  /** A new ceiling from the next batch on (a kill of ADAPTIVE_BATCHES: null, every batch the configured size). */
  limitTo(ceiling: number | null): void {
    this.ceiling = ceiling;
    this.current = ceiling === null ? this.configured : Math.min(this.current, ceiling);
  }

  /** A committed or isolated batch doubles the next one, up to the ceiling; a failed one resets it. */
  after(status: BatchStatus): void {
    if (this.ceiling === null || this.ceiling <= this.configured) return;
    this.current = status === 'failed' ? this.configured : Math.min(this.ceiling, this.current * 2);
  }
}

/** The same rule the CLI and the API apply (shared/run.ts), as the engine's last guard. */
export function checkBatchSize(batchSize: number): number {
  const checked = batchSizeSchema.safeParse(batchSize);
  if (!checked.success) throw new GatehouseError('USAGE', `batch size ${ruleFor(batchSizeSchema)}, got ${batchSize}`);
  return checked.data;
}
