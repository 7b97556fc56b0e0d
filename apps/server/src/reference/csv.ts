import { parse } from 'csv-parse/sync';

/** Reads a CSV text with a header row into records keyed by the header names, lower-cased. */
export function readCsv(text: string): { rows: Record<string, string>[]; lines: number[]; error?: string } {
  try {
    // One kind of line break, so a Windows break inside a quoted cell counts as one line, as editors count it.
    const records = parse<{ record: Record<string, string>; info: { lines: number }; raw: string }>(
      text.replace(/\r\n?/g, '\n'),
      {
        columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
        skip_empty_lines: true,
        trim: true,
        bom: true,
        relax_column_count: true,
        info: true,
        raw: true,
      },
    );
    // info.lines is the line a record ends on; a person looks for the line it starts on.
    const startLine = (r: { info: { lines: number }; raw: string }) =>
      r.info.lines - (r.raw.replace(/^\n+/, '').replace(/\n$/, '').match(/\n/g) ?? []).length;
    return { rows: records.map((r) => r.record), lines: records.map(startLine) };
  } catch (err) {
    return { rows: [], lines: [], error: (err as Error).message };
  }
}
