/** A customer as both databases must hold it. */
export interface CustomerRow {
  id: string;
  address: string;
  version: number;
  deleted: boolean;
}

export interface RowDifference {
  id: string;
  kind: 'missing in replica' | 'extra in replica' | 'different';
  source?: CustomerRow;
  replica?: CustomerRow;
  fields?: Array<keyof CustomerRow>;
}

export interface RowDiff {
  missing: number;
  extra: number;
  different: number;
  /** The first differences in id order, at most `limit`. */
  first: RowDifference[];
}

/** Compares two sets of rows by id, field by field (inputs in any order). */
export function diffRows(source: readonly CustomerRow[], replica: readonly CustomerRow[], limit = 20): RowDiff {
  const theirs = new Map(replica.map((row) => [row.id, row]));
  const ours = new Map(source.map((row) => [row.id, row]));
  const all: RowDifference[] = [];
  let missing = 0;
  let extra = 0;
  let different = 0;
  for (const row of source) {
    const other = theirs.get(row.id);
    if (!other) {
      missing++;
      all.push({ id: row.id, kind: 'missing in replica', source: row });
      continue;
    }
    const fields = (['address', 'version', 'deleted'] as const).filter((field) => row[field] !== other[field]);
    if (fields.length > 0) {
      different++;
      all.push({ id: row.id, kind: 'different', source: row, replica: other, fields });
    }
  }
  for (const row of replica) {
    if (!ours.has(row.id)) {
      extra++;
      all.push({ id: row.id, kind: 'extra in replica', replica: row });
    }
  }
  all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { missing, extra, different, first: all.slice(0, limit) };
}

export function describeDifference(difference: RowDifference): string {
  const show = (row: CustomerRow | undefined) =>
    row ? `address=${JSON.stringify(row.address)} version=${row.version} deleted=${row.deleted}` : '(none)';
  switch (difference.kind) {
    case 'missing in replica':
      return `${difference.id}: missing in replica; customer_db has ${show(difference.source)}`;
    case 'extra in replica':
      return `${difference.id}: in replica only: ${show(difference.replica)}`;
    case 'different':
      return `${difference.id}: ${difference.fields!.join(', ')} differ; customer_db ${show(difference.source)}; replica ${show(difference.replica)}`;
  }
}
