/**
 * What a metric's past quiet periods and returns looked like: the depth of each quiet period (its
 * records over what the normal state would have brought) and the catch-up bump of the first days
 * back. Each is summarised on the log scale with a pooled prior worth one episode, so a stream
 * with none yet assumes the usual congressional low (about a third) and a mild bump, both with a
 * wide spread, and a stream with a dozen uses its own.
 */
export class RatioMemory {
  private count = 0;
  private sum = 0;
  private sumSquares = 0;
  private cached: { typical: number; shape: number } | null = null;

  constructor(
    private readonly priorRatio: number,
    private readonly priorSpread: number,
  ) {}

  copy(): RatioMemory {
    return Object.assign(new RatioMemory(this.priorRatio, this.priorSpread), this);
  }

  record(ratio: number): void {
    const log = Math.log(Math.max(ratio, 1e-3));
    this.cached = null;
    this.count += 1;
    this.sum += log;
    this.sumSquares += log * log;
  }

  /** How many episodes the stream has shown of its own (the prior aside). */
  get episodes(): number {
    return this.count;
  }

  /** The typical ratio (geometric mean, prior included). */
  get typical(): number {
    return this.summary().typical;
  }

  /**
   * The shape of a gamma with this spread: its 1/shape is the squared coefficient of variation an
   * episode's ratio adds to a run's variance.
   */
  get shape(): number {
    return this.summary().shape;
  }

  private summary(): { typical: number; shape: number } {
    if (this.cached) return this.cached;
    const prior = Math.log(this.priorRatio);
    const mean = (this.sum + prior) / (this.count + 1);
    const variance = (this.sumSquares + prior * prior - (this.count + 1) * mean * mean + this.priorSpread ** 2) / (this.count + 1);
    this.cached = { typical: Math.exp(mean), shape: 1 / Math.max(0.02, variance) };
    return this.cached;
  }
}

/** Records seen and expected (in the normal state) over a stretch of runs. */
export class RunningRatio {
  observed = 0;
  expected = 0;

  add(observed: number, expected: number, weight = 1): void {
    this.observed += weight * observed;
    this.expected += weight * expected;
  }

  /** Older runs weigh `factor` as much as they did (an exponentially weighted stretch). */
  decay(factor: number): void {
    this.observed *= factor;
    this.expected *= factor;
  }

  clear(): void {
    this.observed = 0;
    this.expected = 0;
  }

  /** The ratio, once the stretch expected a record at least. */
  ratio(): number | null {
    return this.expected >= 1 ? (this.observed + 0.5) / (this.expected + 0.5) : null;
  }
}
