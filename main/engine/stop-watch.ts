/**
 * Whether a stop may be asked of the run now (UpdateOptions.stopAsked): cheap, answered each
 * backend's own way (flags/halt-requests.ts haltAsked); a yes only sends the run to read its flags.
 */
export type StopCheck = () => boolean | Promise<boolean>;

/** How often a run looks for a stop asked of it while it waits on its source (StopWatch). */
const LOOK_FOR_A_STOP_EVERY_MS = 100;

/**
 * Between a run's safe points. A window of a slow source (Congress.gov at its rate limit: one detail
 * request per meeting) takes minutes, and a halt must not wait for it: on SQLite its writer waits
 * only its lock wait (halt-requests.ts) for the run to take its request, and on PostgreSQL support
 * expects the kill switch to act now. A timer asks `asked` (cheap: not one call per record) and when
 * it says yes runs `check` at once: an all-or-nothing run's safe point, a batch run's boundary
 * (batch-loop.ts). A halt the check takes aborts the run's signal, which abandons the source's fetch
 * under way and stops the run the way every stop does. One look at a time; the check's failure is
 * the next safe point's, as if that point had read it.
 */
export class StopWatch {
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;
  private stopped = false;

  constructor(
    private readonly asked: StopCheck,
    private readonly check: () => Promise<void>,
  ) {
    this.lookLater();
  }

  /** Once the check under way (if any) has ended; throws what it threw. */
  async idle(): Promise<void> {
    await this.checking;
    if (this.failure) throw this.failure.error;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private lookLater(): void {
    if (this.stopped || this.failure) return;
    this.timer = setTimeout(() => void this.look(), LOOK_FOR_A_STOP_EVERY_MS);
    this.timer.unref();
  }

  private async askedNow(): Promise<boolean> {
    try {
      return await this.asked();
    } catch {
      // Asked from a timer, where a throw would end the process: an answer that cannot be read carries no word (the safe points still read the flags).
      return false;
    }
  }

  private async look(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    let resolveLook!: () => void;
    // Counted as the check from the first question: a safe point waiting for idle() waits for an answer already on its way.
    this.checking = new Promise((resolve) => (resolveLook = resolve));
    try {
      if (!(await this.askedNow()) || this.stopped) return this.lookLater();
      await this.check().then(
        () => this.lookLater(),
        (error: unknown) => {
          this.failure = { error };
        },
      );
    } finally {
      resolveLook();
    }
  }
}
