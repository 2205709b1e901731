import { describe, expect, it } from 'vitest';
import { VolumeTrack, type TrackPrediction } from '../../../main/validation/historical/volume-track.js';

/**
 * A stream whose own quiet periods thin it to a quarter (a committee that slows down rather than
 * stops): once it has shown them, a run of an open drop at that depth is read as one more such
 * period, a run at half the level as the lasting halving the shift test is built for.
 */
describe('evidence for the depth of the stream’s own quiet periods', () => {
  const prediction: TrackPrediction = { mean: 200, phi: 0.03, rate: 1, judging: [], returning: false };

  function trackWithDepths(depths: readonly number[]): VolumeTrack {
    const track = new VolumeTrack('fetched');
    for (const depth of depths) track.depth.record(depth);
    return track;
  }

  it('says nothing before the stream has shown two quiet periods of its own', () => {
    expect(trackWithDepths([]).ownQuietDepthEvidence(prediction, 50)).toBeNull();
    expect(trackWithDepths([0.25]).ownQuietDepthEvidence(prediction, 50)).toBeNull();
  });

  it('favours the quiet period for a run at its depth and the halving for a run at half', () => {
    const track = trackWithDepths([0.22, 0.25, 0.28, 0.25]);
    expect(track.ownQuietDepthEvidence(prediction, 50)).toBeGreaterThan(2);
    expect(track.ownQuietDepthEvidence(prediction, 100)).toBeLessThan(0);
  });

  it('gives a stream whose quiet periods go to a tenth no reason to read a halving as one', () => {
    const track = trackWithDepths([0.08, 0.1, 0.12]);
    expect(track.ownQuietDepthEvidence(prediction, 90)).toBeLessThan(0);
  });
});
