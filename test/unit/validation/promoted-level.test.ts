import { describe, expect, it } from 'vitest';
import { DAILY_SPAN } from '../../../main/validation/historical/cadence.js';
import { VolumeTrack, type LearnedRun, type TrackAssessment } from '../../../main/validation/historical/volume-track.js';

const WEEKDAY = 2;

/** A run of `value` records judged against an expectation of `mean`, with nothing remarkable about it. */
function assessment(value: number, mean: number): TrackAssessment {
  const prediction = { mean, phi: 0.01, rate: 1, judging: [{ weight: 1, mean, phi: 0.01 }], returning: false };
  return { prediction, value, weekday: WEEKDAY, dayNumber: 0, quietShare: 0, lowScore: 0, highScore: 0, changeStatus: 'none', changeEvidence: 0, leansWithChange: false, shift: null };
}

/** A run on WEEKDAY, in the normal state unless `state` says otherwise, that may teach in full. */
function run(state: Partial<LearnedRun> = {}): LearnedRun {
  return { span: DAILY_SPAN[WEEKDAY]!, quiet: 0, weight: 1, returning: false, warmingUp: false, episodeOpen: false, announcedRecess: false, ...state };
}

/**
 * Issue 10: a quiet period promoted to the new normal moves the level to where the stream settled,
 * read from its quiet runs outside the calendar's recesses. A source that fell to 40 % a little
 * before a recess (which took it down to 10 %) and was promoted after it is at 40 %, not at the
 * average of both.
 */
describe('the level a promoted quiet period settles at', () => {
  function promotedLevel(): { before: number; after: number } {
    const track = new VolumeTrack('fetched');
    for (let i = 0; i < 60; i++) track.learn(assessment(100, track.baseline.expected(WEEKDAY) || 100), run());
    const before = track.baseline.expected(WEEKDAY);
    // Ten quiet runs at 40 % outside any recess, then ten at 10 % inside the calendar's recess.
    for (let i = 0; i < 10; i++) track.learn(assessment(0.4 * before, before), run({ quiet: 1, episodeOpen: true }));
    for (let i = 0; i < 10; i++) track.learn(assessment(0.1 * before, before), run({ quiet: 1, episodeOpen: true, announcedRecess: true }));
    track.promoteEpisode();
    return { before, after: track.baseline.expected(WEEKDAY) };
  }

  it('is the level of the quiet runs outside the recess', () => {
    const { before, after } = promotedLevel();
    expect(after / before).toBeGreaterThan(0.35);
    expect(after / before).toBeLessThan(0.45);
  });
});

/**
 * Issue 10: a quiet period nobody announced is remembered by the depth it settled at, not by the
 * average of its runs: a start a few runs deeper (a taper, a failed fetch) is not its depth. An
 * announced recess keeps the average.
 */
describe('the depth an ended quiet period is remembered by', () => {
  function rememberedDepth(unannounced: boolean): number {
    const track = new VolumeTrack('fetched');
    for (let i = 0; i < 3; i++) track.learn(assessment(5, 100), run({ quiet: 1, episodeOpen: true }));
    for (let i = 0; i < 7; i++) track.learn(assessment(40, 100), run({ quiet: 1, episodeOpen: true }));
    track.endEpisode(unannounced);
    return track.depth.typical;
  }

  it('is where an unannounced one settled, and the average for an announced one', () => {
    // With the prior's one episode at 0.35: settled near 0.35 (the start mostly forgotten) gives about 0.35, the average 0.3 about 0.32.
    expect(rememberedDepth(true)).toBeGreaterThan(0.34);
    expect(rememberedDepth(false)).toBeLessThan(0.335);
  });
});
