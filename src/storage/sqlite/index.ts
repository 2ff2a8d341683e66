export { openSqlite, SqliteBackend, type SqliteOptions } from './sqlite.js';
