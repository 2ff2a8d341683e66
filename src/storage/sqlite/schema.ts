/**
 * The kine-like log table and the statements over it.
 *
 * One row per write; the row id is the global revision. A row is a create
 * (created=1), an update, or a delete tombstone (deleted=1, value NULL: the
 * value that went away is the previous row's). prev_revision is the id of the
 * key's previous row (0 for a key's first row), so the unique index on
 * (name, prev_revision) makes two writers racing from the same state
 * impossible at the database level, and ordering a key's rows by
 * prev_revision is ordering them by revision (the index serves "newest row of
 * a key" without a sort). SQLite puts the rowid in every index entry, which
 * makes the index covering for the "newest id per name" scans of list/count.
 *
 * The compaction point lives in kine_meta, updated in the same transaction
 * as the rows it removes.
 */
import type Database from 'better-sqlite3';

export const schemaVersion = 1;

export function createSchema(db: Database.Database): void {
  // auto_vacuum only takes effect before the first table exists.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS kine (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      created INTEGER NOT NULL,
      deleted INTEGER NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision INTEGER NOT NULL,
      value TEXT
    );
    CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision ON kine (name, prev_revision);
    CREATE TABLE IF NOT EXISTS kine_meta (
      key TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO kine_meta (key, value) VALUES ('schema_version', ${schemaVersion});
    INSERT OR IGNORE INTO kine_meta (key, value) VALUES ('compact_revision', 0);
  `);
  const v = (db.prepare(`SELECT value FROM kine_meta WHERE key = 'schema_version'`).get() as { value: number }).value;
  if (v !== schemaVersion) throw new Error(`unsupported datastore schema version ${v} (this skiff knows ${schemaVersion})`);
}

/** A row of kine as the statements return it. */
export interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  value: string | null;
}

/** A history row joined with the row it superseded (absent for creates). */
export interface HistoryRow extends Row {
  p_id: number | null;
  p_create_revision: number | null;
  p_value: string | null;
}

// Newest id per name in a name range at a revision; both list and count start
// from it. Ordering by m.name (not k.name) lets SQLite stream the groups in
// index order, so a LIMIT stops the scan early instead of sorting everything.
const newestPerName = (lowerOp: '>=' | '>') =>
  `SELECT name, MAX(id) AS id FROM kine WHERE name ${lowerOp} @lo AND name < @hi AND id <= @rev GROUP BY name ORDER BY name`;

export function prepareStatements(db: Database.Database) {
  return {
    latest: db.prepare<[string], Row>(
      `SELECT id, name, created, deleted, create_revision, value FROM kine WHERE name = ? ORDER BY prev_revision DESC LIMIT 1`,
    ),
    insert: db.prepare<[number, string, number, number, number, number, string | null]>(
      `INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    listFrom: db.prepare<{ lo: string; hi: string; rev: number; limit: number }, Row>(
      `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value
         FROM (${newestPerName('>=')}) m JOIN kine k ON k.id = m.id
        WHERE k.deleted = 0 ORDER BY m.name LIMIT @limit`,
    ),
    listAfter: db.prepare<{ lo: string; hi: string; rev: number; limit: number }, Row>(
      `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value
         FROM (${newestPerName('>')}) m JOIN kine k ON k.id = m.id
        WHERE k.deleted = 0 ORDER BY m.name LIMIT @limit`,
    ),
    countFrom: db.prepare<{ lo: string; hi: string; rev: number }, { n: number }>(
      `SELECT COUNT(*) AS n FROM (${newestPerName('>=')}) m JOIN kine k ON k.id = m.id WHERE k.deleted = 0`,
    ),
    countAfter: db.prepare<{ lo: string; hi: string; rev: number }, { n: number }>(
      `SELECT COUNT(*) AS n FROM (${newestPerName('>')}) m JOIN kine k ON k.id = m.id WHERE k.deleted = 0`,
    ),
    history: db.prepare<{ after: number; upTo: number; lo: string; hi: string; limit: number }, HistoryRow>(
      `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value,
              p.id AS p_id, p.create_revision AS p_create_revision, p.value AS p_value
         FROM kine k LEFT JOIN kine p ON k.created = 0 AND p.id = k.prev_revision
        WHERE k.id > @after AND k.id <= @upTo AND k.name >= @lo AND k.name < @hi
        ORDER BY k.id LIMIT @limit`,
    ),
    maxRevision: db.prepare<[], { rev: number | null }>(
      `SELECT MAX(rev) AS rev FROM (SELECT MAX(id) AS rev FROM kine UNION ALL SELECT seq AS rev FROM sqlite_sequence WHERE name = 'kine')`,
    ),
    compactedRevision: db.prepare<[], { value: number }>(`SELECT value FROM kine_meta WHERE key = 'compact_revision'`),
    setCompactedRevision: db.prepare<[number]>(`UPDATE kine_meta SET value = ? WHERE key = 'compact_revision'`),
    // Rows superseded by a row in (from, to], then the tombstones in (from, to]:
    // what remains at or below `to` is exactly the newest live row of each key.
    compactSuperseded: db.prepare<{ from: number; to: number }>(
      `DELETE FROM kine WHERE id IN (SELECT prev_revision FROM kine WHERE id > @from AND id <= @to AND prev_revision > 0)`,
    ),
    compactTombstones: db.prepare<{ from: number; to: number }>(`DELETE FROM kine WHERE id > @from AND id <= @to AND deleted = 1`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** The upper bound of a prefix range in SQLite's byte order of UTF-8 text. */
export function prefixEnd(prefix: string): string {
  // U+10FFFF sorts after every other code point; keys containing it are not
  // Kubernetes keys (which are ASCII).
  return prefix + '\u{10FFFF}';
}
