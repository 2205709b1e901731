import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The pages whose arguments and options name runs, events and repeatable values. */
const PAGES = ['update', 'runs list', 'runs show', 'runs accept', 'quarantine list', 'rollback', 'anomalies list', 'anomalies mark', 'anomalies mark-many', 'flags revert', 'flags history', 'tasks history', 'trial', 'rollout start'];

/**
 * `gatehouse runs show --help` named its argument `<runId>` (the API's field, not the README's `ID`),
 * `update --resume <runId>`, `flags revert <eventId>`; repeatable options said "(default: [])"; the
 * verdict list left out `baseline`. The pages now use the README's words.
 */
describe('gatehouse --help', () => {
  it('names arguments as the README does, shows no internal default, and lists every verdict', () => {
    const pages = new Map(PAGES.map((page) => [page, runCli([...page.split(' '), '--help']).stdout]));
    for (const [command, help] of pages) {
      expect(help, command).toMatch(/^Usage: gatehouse/);
      // A placeholder in camelCase is a field name leaking from the code (runId, eventId, runIds).
      expect(help.match(/<[a-z]+[A-Z][A-Za-z]*>/g), command).toBeNull();
      expect(help, command).not.toContain('(default: [])');
    }
    expect(pages.get('runs show')).toMatch(/^Usage: gatehouse runs show \[options\] <id>$/m);
    expect(pages.get('update')).toMatch(/--resume <run> /);
    expect(pages.get('runs list')).toMatch(/ok,\s+anomalous, insufficient_history, baseline/);
  }, 120_000);
});
