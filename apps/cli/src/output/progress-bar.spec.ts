import { progressBar as sut } from './progress-bar.js';

describe('progressBar', () => {
  it.each([
    [0, '[----------]   0%'],
    [0.5, '[#####-----]  50%'],
    [0.999, '[##########]  99%'],
    [1, '[##########] 100%'],
    [1.7, '[##########] 100%'],
    [-1, '[----------]   0%'],
    [Number.NaN, '[----------]   0%'],
  ])('shows %p as %p', (fraction, expected) => {
    expect(sut(fraction, 10)).toBe(expected);
  });
});
