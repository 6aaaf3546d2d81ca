import { describe, expect, test } from 'vitest';
import { ACCESS_RECOMMENDATION_FOR, ActionRecommendation, isEvaluationResult, toAccessRecommendation } from './result-mapping.js';

describe('IF-IMV action recommendation -> PB Access-Recommendation', () => {
  test.each([
    [ActionRecommendation.ALLOW, 1],
    [ActionRecommendation.NO_ACCESS, 2],
    [ActionRecommendation.ISOLATE, 3],
    [ActionRecommendation.NO_RECOMMENDATION, 2],
    [4, 2],
    [-1, 2],
    [0.5, 2],
  ])('%d -> %d', (action, code) => {
    expect(toAccessRecommendation(action)).toBe(code);
  });

  test('the table covers every action recommendation', () => {
    expect(Object.keys(ACCESS_RECOMMENDATION_FOR).map(Number).sort()).toEqual(Object.values(ActionRecommendation).sort());
  });

  test.each([
    [0, true],
    [4, true],
    [5, false],
    [-1, false],
    [1.5, false],
  ])('isEvaluationResult(%d) = %s', (v, ok) => expect(isEvaluationResult(v)).toBe(ok));
});
