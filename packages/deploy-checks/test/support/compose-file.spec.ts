// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Compose's ${VAR} syntax, on purpose
import { interpolatedVariables, interpolate as sut } from './compose-file.js';

describe('interpolate (Compose variable syntax)', () => {
  const env = { SET: 'value', EMPTY: '' };

  it.each([
    ['${SET}', 'value'],
    ['$SET and $$SET', 'value and $SET'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-fallback}', 'fallback'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${UNSET}', ''],
  ])('%s gives %j', (text, expected) => {
    expect(sut({ value: text }, env)).toEqual({ value: expected });
  });

  it('fails on a required variable that is unset or empty', () => {
    expect(() => sut(['${EMPTY:?must be set}'], env)).toThrow('EMPTY: must be set');
    expect(() => sut(['${UNSET?must be set}'], env)).toThrow('UNSET: must be set');
  });

  it('lists the variables of values, not of escaped $$ text', () => {
    expect(interpolatedVariables({ a: ['${A:-x} $B $${C}'], b: 'plain' })).toEqual(new Set(['A', 'B']));
  });
});
