// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import GuardrailTile from '../../../renderer/src/components/GuardrailTile.vue';
import type { GuardrailResult } from '../../../shared/api-rollouts.js';

function tile(guardrail: GuardrailResult) {
  return mount(GuardrailTile, { props: { guardrail, history: [] } });
}

describe('a guardrail tile', () => {
  it('reads a per-record time past ×10 as the guardrail\'s summary, the CLI and the gate report do: "> +900 %"', () => {
    // Canary 9.5 times slower per record (+850 %), an interval from ×1.2 to ×75.
    const wrapper = tile({
      name: 'per-record-time', status: 'breach', summary: 'per-record time: canary 850.0 % vs control (interval 20.0 % to > +900 %; breaches past +10 %)',
      difference: Math.log(9.5), low: Math.log(1.2), high: Math.log(75), limit: Math.log(1.1),
    });
    expect(wrapper.get('[data-testid="guardrail-difference"]').text()).toBe('850.0 %');
    expect(wrapper.get('[data-testid="guardrail-interval"]').text()).toBe('canary − control, interval 20.0 % to > +900 %; limit 10.0 %');
  });

  it('gives rates as percentage points and data loss as runs', () => {
    const rate = tile({ name: 'quarantine-rate', status: 'pass', summary: '', difference: 0.012, low: -0.02, high: 0.044, limit: 0.05 });
    expect(rate.get('[data-testid="guardrail-interval"]').text()).toBe('canary − control, interval -2.0 pts to 4.4 pts; limit 5.0 pts');
    const loss = tile({ name: 'data-loss', status: 'pass', summary: '', difference: 0, low: null, high: null, limit: 0 });
    expect(loss.get('[data-testid="guardrail-difference"]').text()).toBe('0 runs');
    expect(loss.get('[data-testid="guardrail-interval"]').text()).toBe('canary − control, interval — to —; limit 0 runs');
  });
});
