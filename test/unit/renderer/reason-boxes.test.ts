import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_METHODS, type ApiMethod } from '../../../shared/api.js';
import { unwrapped } from '../../../shared/zod-shape.js';
import { formInput, FormInputError } from '../../../renderer/src/input-problem.js';

/** The API methods that take an operator's reason (DESIGN §4): the server refuses one holding ESC or BEL (reasonSchema). */
const WITH_REASON = (Object.keys(API_METHODS) as ApiMethod[]).filter((method) => {
  const shape = (unwrapped(API_METHODS[method].input) as z.ZodObject).shape as Record<string, unknown> | undefined;
  return shape !== undefined && 'reason' in shape;
});

function rendererSources(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    return entry.isDirectory() ? rendererSources(full) : /\.(vue|ts)$/.test(entry.name) ? [full] : [];
  });
}

describe('every reason box in the console', () => {
  it('checks its input against the method\'s schema before sending, so a refused reason is named as the field', () => {
    expect(WITH_REASON).toContain('flags.set');
    const unchecked: string[] = [];
    for (const file of rendererSources('renderer/src')) {
      const text = fs.readFileSync(file, 'utf8');
      for (const call of text.matchAll(/client\.call\(\s*'([\w.]+)'\s*,\s*([\w]*)/g)) {
        if (WITH_REASON.includes(call[1] as ApiMethod) && call[2] !== 'formInput' && call[2] !== 'checkedInput') unchecked.push(`${path.relative('.', file)}: ${call[1]}`);
      }
    }
    expect(unchecked).toEqual([]);
  });

  it('words a reason holding a control character as the Reason field, not the API\'s "bad input for … → at reason"', () => {
    const refusal = (() => {
      try {
        formInput('flags.revert', { eventId: 3, reason: 'undo \u0007', expected: null });
      } catch (failure) {
        return failure;
      }
    })();
    expect(refusal).toBeInstanceOf(FormInputError);
    expect((refusal as Error).message).toBe('Reason: contains the control character U+0007 (BEL) at character 6.');
    expect(formInput('flags.revert', { eventId: 3, reason: 'undo\nthe line break is kept', expected: null })).toEqual({ eventId: 3, reason: 'undo\nthe line break is kept', expected: null });
  });
});
