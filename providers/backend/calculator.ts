/** A calculator tool failure, with the code the tool_completed event carries. */
export class CalculatorError extends Error {
  constructor(
    readonly code: 'invalid_expression' | 'division_by_zero',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Evaluates arithmetic: numbers, + - * / % ^, parentheses and unary minus,
 * with the usual precedence: ^ binds tightest and to the right, then unary
 * minus (-2^2 is -4, 2^-1 is 0.5), then * / %, then + -. A real
 * recursive-descent parser: no eval, nothing but arithmetic.
 */
export function calculate(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/%^()]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];

  const primary = (): number => {
    const token = take();
    if (token === '(') {
      const value = sum();
      if (take() !== ')')
        throw new CalculatorError('invalid_expression', `missing ")" in ${expression}`);
      return value;
    }
    if (token !== undefined && /^\d/.test(token)) return Number(token);
    throw new CalculatorError(
      'invalid_expression',
      `unexpected ${token ?? 'end'} in ${expression}`,
    );
  };
  const power = (): number => {
    const base = primary();
    if (peek() !== '^') return base;
    take();
    return base ** unary();
  };
  const unary = (): number => {
    if (peek() !== '-') return power();
    take();
    return -unary();
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
  if (at !== tokens.length)
    throw new CalculatorError('invalid_expression', `unexpected ${peek()} in ${expression}`);
  if (!Number.isFinite(value))
    throw new CalculatorError('invalid_expression', `${expression} is not a finite number`);
  return value;
}
