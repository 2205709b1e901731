import { describe, expect, it } from 'vitest';
import { VolumeTrack, type TrackAssessment } from '../../../main/validation/historical/volume-track.js';

/**
 * Issue 10: a quiet period promoted to the new normal moves the level to where the stream settled,
 * read from its quiet runs outside the calendar's recesses. A source that fell to 40 % a little
 * before a recess (which took it down to 10 %) and was promoted after it is at 40 %, not at the
 * average of both.
 */
describe('the level a promoted quiet period settles at', () => {
  const WEEKDAY = 2;

  function assessment(value: number, mean: number): TrackAssessment {
    const prediction = { mean, phi: 0.01, rate: 1, judging: [{ weight: 1, mean, phi: 0.01 }], returning: false };
    return { prediction, value, weekday: WEEKDAY, dayNumber: 0, quietShare: 0, lowScore: 0, highScore: 0, changeStatus: 'none', leansWithChange: false, shift: null };
  }

  function promotedLevel(): { before: number; after: number } {
    const track = new VolumeTrack('fetched');
    const run = { weekday: WEEKDAY };
    for (let i = 0; i < 60; i++) track.learn(assessment(100, track.baseline.expected(WEEKDAY) || 100), run, 0, 1, false, false, false, false);
    const before = track.baseline.expected(WEEKDAY);
    // Ten quiet runs at 40 % outside any recess, then ten at 10 % inside the calendar's recess.
    for (let i = 0; i < 10; i++) track.learn(assessment(0.4 * before, before), run, 1, 1, false, false, true, false);
    for (let i = 0; i < 10; i++) track.learn(assessment(0.1 * before, before), run, 1, 1, false, false, true, true);
    track.promoteEpisode();
    return { before, after: track.baseline.expected(WEEKDAY) };
  }

  it('is the level of the quiet runs outside the recess', () => {
    const { before, after } = promotedLevel();
    expect(after / before).toBeGreaterThan(0.35);
    expect(after / before).toBeLessThan(0.45);
  });
});
