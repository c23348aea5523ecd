/** User words become quoted FTS5 terms (implicit AND); a trailing * keeps prefix search. No FTS syntax errors. */
export function ftsQuery(input: string): string {
  return input
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => {
      const prefix = w.endsWith('*') && w.length > 1;
      const word = (prefix ? w.slice(0, -1) : w).replace(/"/g, '""');
      return `"${word}"${prefix ? '*' : ''}`;
    })
    .join(' ');
}
