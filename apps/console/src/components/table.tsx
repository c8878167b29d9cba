import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface Column<T> {
  label: string;
  /** The cell's value (also what CSV and sorting use). */
  value: (row: T) => string | number | null;
  /** How to show it, when not the value itself. */
  render?: (row: T) => ComponentChildren;
  numeric?: boolean;
}

/** A table; with `sortable`, each header is a button sorting by that column (again: reverse). */
export function DataTable<T>(props: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  sortable?: boolean;
  rowKey?: (row: T) => string;
}) {
  const [sort, setSort] = useState<{ index: number; descending: boolean } | null>(null);
  const rows = [...props.rows];
  if (sort) {
    const column = props.columns[sort.index]!;
    rows.sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      const order =
        x === null
          ? 1
          : y === null
            ? -1
            : typeof x === 'number' && typeof y === 'number'
              ? x - y
              : String(x).localeCompare(String(y));
      return sort.descending ? -order : order;
    });
  }
  const ariaSort = (index: number): 'ascending' | 'descending' | undefined =>
    sort?.index === index ? (sort.descending ? 'descending' : 'ascending') : undefined;
  return (
    // Focusable so a keyboard can scroll a table wider than the screen.
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.caption}>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column, index) => (
              <th
                key={column.label}
                scope="col"
                aria-sort={ariaSort(index)}
                class={column.numeric ? 'num' : ''}
              >
                {props.sortable ? (
                  <button
                    type="button"
                    class="sort"
                    onClick={() =>
                      setSort({
                        index,
                        descending: sort?.index === index ? !sort.descending : true,
                      })
                    }
                  >
                    {column.label}
                  </button>
                ) : (
                  column.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={props.rowKey ? props.rowKey(row) : i}>
              {props.columns.map((column) => (
                <td key={column.label} class={column.numeric ? 'num' : ''}>
                  {column.render ? column.render(row) : (column.value(row) ?? '—')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
