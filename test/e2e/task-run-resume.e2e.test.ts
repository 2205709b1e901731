import { describe, expect, it } from 'vitest';
import { addTask, editTask, requireTask, runTask } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, nameSessionUnlessNamed, seedByCliUpdate } from './console-in-browser.js';

const executablePath = findChromium();
const SOURCE = 'synthetic:seed=41,count=600';

/** Task `name`'s run, stopped after its first committed batch (the batch event, not a clock); its id. */
async function interruptedTaskRun(store: Store, name: string, source: string): Promise<number> {
  await addTask(store, { name, cron: '0 6 * * *', source }, new Date(), 'Ada');
  const controller = new AbortController();
  const stopped = await runTask(store, await requireTask(store, name), { signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort('by the test') });
  expect(stopped).toMatchObject({ status: 'interrupted', batches: { total: 1 } });
  return stopped.runId;
}

/** Run now on a task whose last run was interrupted: the console says which run it resumed and which followed, as `tasks run` prints. */
describe.skipIf(executablePath === null)('Run now of a task resumes its interrupted run and says so (browser mode)', () => {
  const runs = { nightly: 0, edited: 0, followUp: 0 };
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: seedByCliUpdate('synthetic:seed=3,count=20'),
    prepare: async ({ store }) => {
      runs.nightly = await interruptedTaskRun(store, 'nightly', SOURCE);
      runs.edited = await interruptedTaskRun(store, 'edited', 'synthetic:seed=43,count=600');
      await editTask(store, 'edited', { source: 'synthetic:seed=44,count=5' }, new Date(), 'Ada');
      await addTask(store, { name: 'off', cron: '0 6 * * *', source: 'synthetic:seed=45,count=5', enabled: false }, new Date(), 'Ada');
    },
  }));

  async function runNow(task: string): Promise<void> {
    const { page } = opened();
    await nameSessionUnlessNamed(page, 'Ada');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: `Run now task ${task}` }).click();
  }

  it('shows the resumed run and the new run that followed it, on the run page and in the task panel', async () => {
    const { page } = opened();
    await runNow('nightly');
    await expect.poll(() => page.url()).toContain(`#/runs/${runs.nightly}`);
    const said = page.getByTestId('run-task-resume');
    await expect.poll(() => said.innerText(), { timeout: 60_000 }).toMatch(new RegExp(`^Task nightly: resumed run ${runs.nightly} \\(interrupted after batch 1\\), then started run (\\d+)$`));
    const followUp = Number(/then started run (\d+)/.exec(await said.innerText())![1]);
    expect(followUp).toBeGreaterThan(runs.nightly);
    runs.followUp = followUp;
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('task-run-result').innerText()).toBe(`Task nightly: resumed run ${runs.nightly} (interrupted after batch 1), then started run ${followUp}`);
    await page.goto(page.url().replace(/#.*$/, `#/runs/${followUp}`));
    await expect.poll(() => page.getByTestId('run-task-resume').innerText()).toBe(`Task nightly: resumed run ${runs.nightly} (interrupted after batch 1), then started run ${followUp}`);
    await opened().shot('task-run-resume');
  });

  it('still tells that story after a reload, from the runs\' rows: on both runs\' pages and in the task panel', async () => {
    const { page } = opened();
    const story = `Task nightly: resumed run ${runs.nightly} (interrupted after batch 1), then started run ${runs.followUp}`;
    for (const runId of [runs.nightly, runs.followUp]) {
      await page.goto(page.url().replace(/#.*$/, `#/runs/${runId}`));
      await page.reload();
      await expect.poll(() => page.getByTestId('run-task-resume').innerText()).toBe(story);
    }
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('task-run-result').innerText()).toBe(story);
  });

  it('says in a task\'s words why a resume was refused, and that the new run covers its window', async () => {
    const { page } = opened();
    await runNow('edited');
    const said = page.getByTestId('run-task-resume');
    await expect.poll(() => said.innerText()).toBe(
      `Task edited: run ${runs.edited} (interrupted) not resumed: run ${runs.edited} read synthetic:seed=43,count=600, and task edited now reads synthetic:seed=44,count=5 (its source was edited since the run); a new run covers its window`,
    );
    expect(await said.innerText()).not.toContain('--source');
  });

  it('runs a disabled task by hand, as tasks run does, and names the run it started', async () => {
    const { page } = opened();
    await runNow('off');
    await expect.poll(() => page.getByRole('heading', { level: 2 }).first().innerText()).toMatch(/^Run \d+/);
    const runId = Number(/#\/runs\/(\d+)/.exec(page.url())![1]);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('task-run-result').innerText()).toBe(`Task off: started run ${runId}`);
  });
});
