import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** A byte-order mark, so spreadsheet programs read the file as UTF-8 (Bengali names included). */
const BOM = '\uFEFF';

type Cell = string | number | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A text starting
 * with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet does not
 * run it as a formula; numbers are written as they are.
 */
export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvLine = (cells: readonly Cell[]) => `${cells.map(csvField).join(',')}\r\n`;

/** A whole (small) table as CSV text, with the BOM and a header row. */
export function csvText(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return BOM + csvLine(header) + rows.map(csvLine).join('');
}

/** A table of any size as a stream: pages are fetched one after another as the client reads. */
export function csvStream(
  header: readonly string[],
  pages: AsyncIterable<readonly (readonly Cell[])[]>,
): Readable {
  async function* lines() {
    yield BOM + csvLine(header);
    for await (const rows of pages) if (rows.length) yield rows.map(csvLine).join('');
  }
  return Readable.from(lines(), { objectMode: false });
}

/** Sends a CSV download named `<report>-<area code or national>.csv`. */
export function sendCsv(reply: FastifyReply, name: string, body: string | Readable) {
  const file = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file}.csv"`)
    .header('cache-control', 'no-store')
    .send(body);
}
