/** Token is a word (identifier, keyword, quoted identifier) or one punctuation character. */
export interface Token {
  text: string;
  start: number;
  end: number;
  kind: 'word' | 'punct';
}

/** tokenize splits SQL into words (with quoted identifiers) and punctuation, skipping strings and comments. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      i = lineEnd(sql, i);
    } else if (c === '#') {
      i = lineEnd(sql, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? sql.length : e + 2;
    } else if (c === "'") {
      const e = closeQuote(sql, i, "'");
      i = e < 0 ? sql.length : e;
    } else if (c === '"' || c === '`') {
      const e = closeQuote(sql, i, c);
      const end = e < 0 ? sql.length : e;
      out.push({ text: sql.slice(i + 1, e < 0 ? end : end - 1), start: i, end, kind: 'word' });
      i = end;
    } else if (/[\w$]/.test(c)) {
      let e = i + 1;
      while (e < sql.length && /[\w$]/.test(sql[e])) {
        e++;
      }
      out.push({ text: sql.slice(i, e), start: i, end: e, kind: 'word' });
      i = e;
    } else {
      out.push({ text: c, start: i, end: i + 1, kind: 'punct' });
      i++;
    }
  }
  return out;
}

function lineEnd(sql: string, i: number): number {
  const e = sql.indexOf('\n', i);
  return e < 0 ? sql.length : e;
}

export function closeQuote(sql: string, i: number, q: string): number {
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === '\\' && q === "'") {
      j++;
    } else if (sql[j] === q) {
      if (sql[j + 1] === q) {
        j++;
        continue;
      }
      return j + 1;
    }
  }
  return -1;
}
