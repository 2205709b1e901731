import type { Checkpoint } from '../../main/store/index.js';
import type { TestBackend } from './backends.js';

/** Polls the database (not the clock) until `ready` holds for the run's checkpoint: what another process has committed. */
export async function waitForCheckpoint(backend: TestBackend, location: string, runId: number, ready: (checkpoint: Checkpoint) => boolean): Promise<Checkpoint> {
  const store = await backend.open(location);
  try {
    for (let attempt = 0; attempt < 1_200; attempt++) {
      const checkpoint = await store.getCheckpoint(runId).catch(() => null);
      if (checkpoint && ready(checkpoint)) return checkpoint;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${runId} never reached the awaited checkpoint`);
  } finally {
    await store.close();
  }
}
