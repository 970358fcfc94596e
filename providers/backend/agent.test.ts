import { planRun, reasoningFor } from './agent.js';
import { calculate, CalculatorError, MAX_EXPRESSION_LENGTH, MAX_NESTING } from './calculator.js';

describe('planRun', () => {
  it('reads the directives in order and keeps the rest as the task', () => {
    expect(planRun('What is 6*7? [think 2] [calc 6*7] [search alpha beta]')).toEqual({
      task: 'What is 6*7?',
      thinkingSteps: 2,
      tools: [
        { toolCallId: 'call_1', toolName: 'calculator', parameters: { expression: '6*7' } },
        { toolCallId: 'call_2', toolName: 'search', parameters: { query: 'alpha beta' } },
      ],
      fail: false,
    });
  });

  it('thinks once by default, at most ten times, and fails on request', () => {
    expect(planRun('hello')).toMatchObject({
      task: 'hello',
      thinkingSteps: 1,
      tools: [],
      fail: false,
    });
    expect(planRun('[think 99]').thinkingSteps).toBe(10);
    expect(planRun('[think nonsense]').thinkingSteps).toBe(1);
    expect(planRun('stop [fail]').fail).toBe(true);
  });

  it('takes a directive only as a whole word: [failure modes] is part of the task', () => {
    expect(
      planRun('list the [failure modes] and [thinking] [calculated] [searches]'),
    ).toMatchObject({
      task: 'list the [failure modes] and [thinking] [calculated] [searches]',
      thinkingSteps: 1,
      tools: [],
      fail: false,
    });
  });

  it('is deterministic: the same input gives the same plan and reasoning', () => {
    const input = 'Sum it [calc 1+2] [think 3]';
    expect(planRun(input)).toEqual(planRun(input));
    expect(reasoningFor(planRun(input), 2)).toBe(
      'Step 2: to answer "Sum it" I will use calculator.',
    );
  });
});

describe('calculate', () => {
  it.each([
    ['1+2*3', 7],
    ['(1+2)*3', 9],
    ['-3+5', 2],
    ['2^3^2', 512],
    ['-2^2', -4],
    ['2^-1', 0.5],
    ['10%4', 2],
    ['1.5*4', 6],
    ['6*7', 42],
  ])('%s = %d', (expression, value) => {
    expect(calculate(expression)).toBe(value);
  });

  it.each([
    ['1/0', 'division_by_zero'],
    ['5%0', 'division_by_zero'],
    ['2+', 'invalid_expression'],
    ['(1', 'invalid_expression'],
    ['abc', 'invalid_expression'],
    ['', 'invalid_expression'],
    ['1 2', 'invalid_expression'],
    ['9'.repeat(400), 'invalid_expression'],
  ])('refuses %j with %s', (expression, code) => {
    expect(() => calculate(expression)).toThrow(CalculatorError);
    try {
      calculate(expression);
    } catch (error) {
      expect((error as CalculatorError).code).toBe(code);
    }
  });

  describe('when the input is deep or long', () => {
    const nested = (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`;
    it('evaluates nesting up to the bound', () => {
      expect(calculate(nested(MAX_NESTING - 1))).toBe(1);
      expect(calculate(`${'-'.repeat(MAX_NESTING - 1)}1`)).toBe(-1);
    });

    // Each of these overflowed the stack (or, for ^, gave a message longer than the event allows).
    it.each([
      ['parentheses', nested(400)],
      ['unary minus', `${'-'.repeat(900)}1`],
      ['powers', `${'1^'.repeat(400)}1`],
      ['parentheses over the length bound', nested(4_000)],
      ['a long flat sum', '1+'.repeat(MAX_EXPRESSION_LENGTH) + '1'],
    ])('refuses %s with expression_too_complex and a short message', (_case, expression) => {
      let failure: unknown;
      try {
        calculate(expression);
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(CalculatorError);
      expect((failure as CalculatorError).code).toBe('expression_too_complex');
      expect((failure as CalculatorError).message.length).toBeLessThan(200);
    });
  });
});
