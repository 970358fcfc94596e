// Where a JSON text stops being JSON, for error messages that must not quote
// it: V8's JSON.parse messages carry a slice of the input (`Unexpected token
// 'x', "{"password": x..." is not valid JSON`), and a body may hold secrets.
// An iterative scan of RFC 8259's grammar, so no nesting depth can overflow it.

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * The offset (in UTF-16 code units, as JSON.parse counts) of the first
 * character that cannot continue `text` as one JSON value, `text.length` when
 * it ends too early, or undefined when it is valid JSON.
 */
export function jsonSyntaxErrorAt(text: string): number | undefined {
  let i = 0;
  const open: string[] = [];
  const skipSpace = () => {
    while (isSpace(text[i])) i++;
  };
  const digits = () => {
    const start = i;
    while (isDigit(text[i])) i++;
    return i > start;
  };
  const string = (): boolean => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') return false;
      if (c === '"') {
        i++;
        return true;
      }
      if (c !== '\\') {
        i++;
        continue;
      }
      const escaped = text[i + 1];
      if (escaped === 'u') {
        for (let k = 2; k < 6; k++) {
          if (!isHex(text[i + k])) {
            i += k;
            return false;
          }
        }
        i += 6;
      } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) {
        i += 2;
      } else {
        i++;
        return false;
      }
    }
  };
  const number = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (!digits()) return false;
    if (text[i] === '.') {
      i++;
      if (!digits()) return false;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!digits()) return false;
    }
    return true;
  };
  const literal = (word: string): boolean => {
    for (const c of word) {
      if (text[i] !== c) return false;
      i++;
    }
    return true;
  };
  /** A property name and its colon, leaving `i` at the value. */
  const key = (): boolean => {
    skipSpace();
    if (text[i] !== '"' || !string()) return false;
    skipSpace();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };

  for (;;) {
    // A value is expected at i.
    skipSpace();
    const c = text[i];
    let ok: boolean;
    if (c === '{' || c === '[') {
      i++;
      skipSpace();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) {
        i++;
        ok = true;
      } else {
        open.push(close);
        if (close === '}' && !key()) return i;
        continue;
      }
    } else if (c === '"') ok = string();
    else if (c === '-' || isDigit(c)) ok = number();
    else if (c === 't') ok = literal('true');
    else if (c === 'f') ok = literal('false');
    else if (c === 'n') ok = literal('null');
    else ok = false;
    if (!ok) return i;
    // After a value: a separator, the end of a container, or the end of the text.
    for (;;) {
      skipSpace();
      const close = open[open.length - 1];
      if (close === undefined) return i < text.length ? i : undefined;
      if (text[i] === close) {
        open.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') return i;
      i++;
      if (close === '}' && !key()) return i;
      break;
    }
  }
}
