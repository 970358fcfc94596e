/** A calculator tool failure, with the code the tool_completed event carries. */
export class CalculatorError extends Error {
  constructor(
    readonly code: 'invalid_expression' | 'division_by_zero' | 'expression_too_complex',
    message: string,
  ) {
    super(message);
  }
}

/** Longest expression evaluated: a run's input may be 8 KiB, the calculator need not take all of it. */
export const MAX_EXPRESSION_LENGTH = 1_000;
/**
 * Deepest nesting evaluated, counting each parenthesis, unary minus and `^`
 * (each recurses once more); far below where the stack would overflow.
 */
export const MAX_NESTING = 64;

/**
 * Evaluates arithmetic: numbers, + - * / % ^, parentheses and unary minus,
 * with the usual precedence: ^ binds tightest and to the right, then unary
 * minus (-2^2 is -4, 2^-1 is 0.5), then * / %, then + -. A real
 * recursive-descent parser: no eval, nothing but arithmetic. Its recursion is
 * bounded by MAX_NESTING, and its messages name a token and its place rather
 * than echoing the expression, so they stay short whatever the input.
 */
export function calculate(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new CalculatorError(
      'expression_too_complex',
      `the expression has ${expression.length} characters; at most ${MAX_EXPRESSION_LENGTH} are evaluated`,
    );
  }
  const tokens = [...expression.matchAll(/\d+(?:\.\d+)?|[-+*/%^()]|\S/g)];
  let at = 0;
  let depth = 0;
  const peek = () => tokens[at]?.[0];
  const take = () => tokens[at++]?.[0];
  const unexpected = () => {
    const token = tokens[at - 1];
    const shown = token ? `"${token[0].slice(0, 20)}" at character ${token.index + 1}` : 'end';
    return new CalculatorError('invalid_expression', `unexpected ${shown}`);
  };

  const primary = (): number => {
    const token = take();
    if (token === '(') {
      const value = sum();
      if (take() !== ')') throw new CalculatorError('invalid_expression', 'missing ")"');
      return value;
    }
    if (token !== undefined && /^\d/.test(token)) return Number(token);
    throw unexpected();
  };
  const power = (): number => {
    const base = primary();
    if (peek() !== '^') return base;
    take();
    return base ** unary();
  };
  // Every recursion of the grammar passes through here, so this is where depth is counted.
  const unary = (): number => {
    if (++depth > MAX_NESTING) {
      throw new CalculatorError(
        'expression_too_complex',
        `the expression nests deeper than ${MAX_NESTING} levels`,
      );
    }
    try {
      if (peek() !== '-') return power();
      take();
      return -unary();
    } finally {
      depth--;
    }
  };
  const product = (): number => {
    let value = unary();
    for (let op = peek(); op === '*' || op === '/' || op === '%'; op = peek()) {
      take();
      const right = unary();
      if (op !== '*' && right === 0) {
        throw new CalculatorError('division_by_zero', `cannot divide ${value} by 0`);
      }
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      take();
      value = op === '+' ? value + product() : value - product();
    }
    return value;
  };

  const value = sum();
  if (at !== tokens.length) {
    at++;
    throw unexpected();
  }
  if (!Number.isFinite(value))
    throw new CalculatorError('invalid_expression', 'the result is not a finite number');
  return value;
}
