import { degradationOf } from './degradation-rule.js';

const NOW = new Date('2026-12-02T12:00:00.000Z');
const R2 = { metric: 'r2', threshold: 0.2, minSamples: 50, windowSeconds: 3600 } as const;
const MAE = { metric: 'mae', threshold: 5, minSamples: 10, windowSeconds: 600 } as const;
const measured = (samples: number, metrics: Record<string, number>) => ({
  id: 'e1',
  samples,
  metrics,
  modelVersion: '3',
});

describe('degradationOf', () => {
  it.each([
    ['no trigger', undefined, measured(500, { r2: -1 }), /no degradation trigger/],
    ['too few samples', R2, measured(49, { r2: -1 }), /49 labelled predictions, fewer than the trigger's 50/],
    ['metric absent', R2, measured(50, { mae: 3 }), /has no r2/],
    ['r2 at the threshold', R2, measured(50, { r2: 0.2 }), /within the threshold/],
    ['r2 above', R2, measured(50, { r2: 0.9 }), /within the threshold/],
    ['mae below (better)', MAE, measured(10, { mae: 4.9 }), /within the threshold/],
  ])('does not fire: %s', (_, trigger, window, why) => {
    const sut = degradationOf(trigger, window, NOW);
    expect(sut).toEqual({ none: expect.stringMatching(why) });
  });

  it.each([
    ['r2 below a maximised metric', R2, measured(50, { r2: 0.19 }), '2026-12-02T11:00:00.000Z'],
    ['mae above a minimised metric', MAE, measured(10, { mae: 5.1 }), '2026-12-02T11:50:00.000Z'],
  ])('fires: %s, reading the data since the window start', (_, trigger, window, since) => {
    const sut = degradationOf(trigger, window, NOW);
    expect(sut).toEqual({
      dataSince: new Date(since),
      figures: {
        metric: trigger.metric,
        value: window.metrics[trigger.metric],
        threshold: trigger.threshold,
        samples: window.samples,
        minSamples: trigger.minSamples,
        windowStart: since,
        modelVersion: '3',
        evaluationId: 'e1',
      },
    });
  });
});
